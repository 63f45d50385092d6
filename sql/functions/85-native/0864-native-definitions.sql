CREATE OR REPLACE FUNCTION tarbox.native_definitions()
RETURNS TABLE (mount_id bigint, tenant text, shared boolean, mount_path text, source_path text, mode text,
               priority int, enabled boolean, allow_setuid boolean, allow_devices boolean, created_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._require_admin();
    RETURN QUERY
        SELECT m.mount_id, t.name, m.shared, m.mount_path, m.source_path, m.mode, m.priority, m.enabled,
               m.allow_setuid, m.allow_devices, m.created_at
          FROM tarbox.native_mount m LEFT JOIN tarbox.tenant t ON t.tenant_id = m.tenant
         ORDER BY m.mount_path, m.priority, m.shared, m.mount_id;
END
$$;
ALTER FUNCTION tarbox.native_definitions() OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.native_definitions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.native_definitions() TO tarbox_admin;
COMMENT ON FUNCTION tarbox.native_definitions() IS
'Administrators: every native mount definition as stored (source_path unexpanded), by mount path, priority, tenant-specific first: mount_id, tenant name (NULL when shared), shared, mount_path, source_path, mode, priority, enabled, allow_setuid, allow_devices, created_at. A tenant''s effective mounts: tarbox.native_list() as that tenant. Errors: 42501 not an administrator.';
