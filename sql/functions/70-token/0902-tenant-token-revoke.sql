CREATE OR REPLACE FUNCTION tarbox.tenant_token_revoke(p_tenant text, p_token text)
RETURNS TABLE (token_id bigint, name text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_tenant bigint;
BEGIN
    PERFORM tarbox._require_admin();
    SELECT t.tenant_id INTO v_tenant FROM tarbox.tenant t WHERE t.name = p_tenant;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_tenant));
    END IF;
    RETURN QUERY
        UPDATE tarbox.token k SET revoked_at = coalesce(k.revoked_at, now())
         WHERE k.tenant_id = v_tenant
           AND (k.name = p_token OR (p_token ~ '^[0-9]{1,18}$' AND k.token_id = p_token::bigint))
        RETURNING k.token_id, k.name;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('tenant %s has no token %L', p_tenant, p_token));
    END IF;
    PERFORM tarbox._audit_admin(v_tenant, 'token_revoke', jsonb_build_object('token', p_token));
END
$$;
ALTER FUNCTION tarbox.tenant_token_revoke(text, text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_token_revoke(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_token_revoke(text, text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.tenant_token_revoke(text, text) IS
'Administrators: revoke the token of tenant p_tenant named (or numbered) p_token; from the next request on it is refused (HTTP 401). Revoking twice keeps the first time. Returns (token_id, name). Errors: ENOENT (TX002) no such tenant or token, 42501 not an administrator.';
