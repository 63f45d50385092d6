CREATE OR REPLACE FUNCTION tarbox.tenant_list()
RETURNS TABLE (tenant_id bigint, name text, role_name text, created_at timestamptz,
               inodes bigint, bytes bigint, layers bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._require_admin();
    RETURN QUERY SELECT * FROM tarbox._tenants(NULL) l ORDER BY l.name;
END
$$;
ALTER FUNCTION tarbox.tenant_list() OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_list() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_list() TO tarbox_admin;
COMMENT ON FUNCTION tarbox.tenant_list() IS
'Administrators: every tenant with its role, creation time, live inodes, bytes stored in blocks (after deduplication) and number of layers, by name. Errors: 42501 not an administrator.';

CREATE OR REPLACE FUNCTION tarbox.tenant_info(p_name text)
RETURNS TABLE (tenant_id bigint, name text, role_name text, created_at timestamptz,
               inodes bigint, bytes bigint, layers bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._require_admin();
    RETURN QUERY SELECT * FROM tarbox._tenants(p_name);  -- counts this tenant only
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_name));
    END IF;
END
$$;
ALTER FUNCTION tarbox.tenant_info(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_info(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_info(text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.tenant_info(text) IS
'Administrators: one tenant''s row of tarbox.tenant_list() (role_name is what to SET ROLE to). Errors: ENOENT (TX002) no such tenant, 42501 not an administrator.';
