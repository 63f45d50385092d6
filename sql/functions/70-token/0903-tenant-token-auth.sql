CREATE OR REPLACE FUNCTION tarbox.tenant_token_auth(p_token text)
RETURNS TABLE (tenant_id bigint, role_name text, read_only boolean, token_id bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_tenant text := substring(p_token FROM '^tbx_([1-9][0-9]{0,18})_[0-9a-f]{64}$');
    k record;  -- (a row of tarbox.token; record, so the file loads before migration 0050)
BEGIN
    IF v_tenant IS NULL THEN
        RAISE EXCEPTION 'unauthorized: % bearer token', CASE WHEN p_token IS NULL OR p_token = '' THEN 'missing' ELSE 'malformed' END
            USING ERRCODE = '28000';
    END IF;
    SELECT * INTO k FROM tarbox.token x
     WHERE x.tenant_id = v_tenant::bigint AND x.hash = sha256(convert_to(p_token, 'UTF8'));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unauthorized: unknown bearer token' USING ERRCODE = '28000';
    ELSIF k.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'unauthorized: bearer token % was revoked', k.name USING ERRCODE = '28000';
    ELSIF k.expires_at <= now() THEN
        RAISE EXCEPTION 'unauthorized: bearer token % expired at %', k.name, k.expires_at USING ERRCODE = '28000';
    END IF;
    RETURN QUERY SELECT k.tenant_id, 'tarbox_tenant_' || k.tenant_id, k.read_only, k.token_id;
END
$$;
ALTER FUNCTION tarbox.tenant_token_auth(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_token_auth(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_token_auth(text) TO tarbox_gateway;
COMMENT ON FUNCTION tarbox.tenant_token_auth(text) IS
'The HTTP gateway only (tarbox_gateway): the tenant a bearer token stands for: (tenant_id, role_name, read_only, token_id), found by the SHA-256 of the token under its tenant id. Errors: SQLSTATE 28000 (invalid_authorization_specification, HTTP 401) with a message starting "unauthorized:" for a missing, malformed, unknown, revoked or expired token.';
