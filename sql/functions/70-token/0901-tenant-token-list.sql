CREATE OR REPLACE FUNCTION tarbox.tenant_token_list(p_tenant text DEFAULT NULL)
RETURNS TABLE (tenant text, token_id bigint, name text, read_only boolean, created_at timestamptz,
               expires_at timestamptz, revoked_at timestamptz, state text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._require_admin();
    IF p_tenant IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tarbox.tenant t WHERE t.name = p_tenant) THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_tenant));
    END IF;
    RETURN QUERY
        SELECT t.name, k.token_id, k.name, k.read_only, k.created_at, k.expires_at, k.revoked_at,
               CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'
                    WHEN k.expires_at <= now() THEN 'expired' ELSE 'active' END
          FROM tarbox.token k JOIN tarbox.tenant t ON t.tenant_id = k.tenant_id
         WHERE p_tenant IS NULL OR t.name = p_tenant
         ORDER BY t.name, k.token_id;
END
$$;
ALTER FUNCTION tarbox.tenant_token_list(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_token_list(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_token_list(text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.tenant_token_list(text) IS
'Administrators: the HTTP API tokens of tenant p_tenant (NULL = of every tenant), never their text: tenant, id, name, read-only flag, creation, expiry and revocation times, state (active, expired, revoked). Errors: ENOENT (TX002) no such tenant, 42501 not an administrator.';
