CREATE OR REPLACE FUNCTION tarbox.tenant_capability_auth(p_secret text)
RETURNS TABLE (tenant_id bigint, role_name text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_kind text := left(coalesce(p_secret, ''), 4);
    v_tenant bigint;
    v_expires timestamptz;
    v_token bigint;
BEGIN
    IF v_kind NOT IN ('tbd_', 'tbu_') THEN
        RAISE EXCEPTION 'unauthorized: malformed URL capability' USING ERRCODE = '28000';
    END IF;
    v_tenant := substring(p_secret FROM '^tb[du]_([1-9][0-9]{0,17})_[0-9a-f]{64}$')::bigint;
    IF v_tenant IS NULL THEN
        RAISE EXCEPTION 'unauthorized: malformed URL capability' USING ERRCODE = '28000';
    END IF;
    IF v_kind = 'tbd_' THEN
        SELECT d.expires_at, d.token_id INTO v_expires, v_token FROM tarbox.download_url d
         WHERE d.tenant_id = v_tenant AND d.hash = sha256(convert_to(p_secret, 'UTF8'));
    ELSE
        SELECT s.expires_at, s.token_id INTO v_expires, v_token FROM tarbox.upload_session s
         WHERE s.tenant_id = v_tenant AND s.hash = sha256(convert_to(p_secret, 'UTF8'));
    END IF;
    IF v_token IS NULL OR v_expires <= now() THEN
        RAISE EXCEPTION 'unauthorized: unknown or expired URL' USING ERRCODE = '28000';
    END IF;
    PERFORM 1 FROM tarbox.token k
     WHERE k.tenant_id = v_tenant AND k.token_id = v_token
       AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now());
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unauthorized: the bearer token this URL was made with was revoked or expired'
            USING ERRCODE = '28000';
    END IF;
    RETURN QUERY SELECT v_tenant, 'tarbox_tenant_' || v_tenant;
END
$$;
ALTER FUNCTION tarbox.tenant_capability_auth(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_capability_auth(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_capability_auth(text) TO tarbox_gateway;
COMMENT ON FUNCTION tarbox.tenant_capability_auth(text) IS
'The HTTP gateway only (tarbox_gateway): the tenant a URL capability (a download URL secret tbd_<tenant>_<64 hex>, or an upload session''s chunk secret tbu_<tenant>_<64 hex>) stands for: (tenant_id, role_name), found by the SHA-256 of the secret under its tenant id; it must not have expired, and the bearer token that made it must still be live (neither revoked nor expired). Errors: SQLSTATE 28000 (HTTP 401) with a message starting "unauthorized:" for a malformed, unknown or expired capability, or one whose token was revoked or expired.';

-- tarbox._gateway_enter_capability(secret, write): as tarbox._gateway_enter, for a request that
-- carries a URL capability instead of a bearer token: the capability is checked
-- (tarbox.tenant_capability_auth) and the rest of the transaction acts as its tenant's role
-- (SET LOCAL ROLE), read-only unless p_write. The tenant function called next checks the
-- capability again, under row-level security, and what it may do. Errors: 28000.
CREATE OR REPLACE FUNCTION tarbox._gateway_enter_capability(p_secret text, p_write boolean)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    a record;
BEGIN
    SELECT * INTO a FROM tarbox.tenant_capability_auth(p_secret);
    PERFORM pg_catalog.set_config('role', a.role_name, true);
    IF NOT p_write THEN
        PERFORM pg_catalog.set_config('transaction_read_only', 'on', true);
    END IF;
END
$$;
ALTER FUNCTION tarbox._gateway_enter_capability(text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._gateway_enter_capability(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._gateway_enter_capability(text, boolean) TO tarbox_gateway;

-- tarbox._gateway_enter_issue(token): as tarbox._gateway_enter(token, false) (any live token,
-- read-only ones too), but the transaction stays writable: it only records a capability to
-- read (tarbox.remote_download_url), so a read-only token may ask for a download URL. Errors:
-- 28000.
CREATE OR REPLACE FUNCTION tarbox._gateway_enter_issue(p_token text)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    a record;
BEGIN
    SELECT * INTO a FROM tarbox.tenant_token_auth(p_token);
    PERFORM pg_catalog.set_config('role', a.role_name, true);
    RETURN a.read_only;
END
$$;
ALTER FUNCTION tarbox._gateway_enter_issue(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._gateway_enter_issue(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._gateway_enter_issue(text) TO tarbox_gateway;
