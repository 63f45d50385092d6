CREATE OR REPLACE FUNCTION tarbox.native_list(p_extra jsonb DEFAULT NULL, p_user text DEFAULT NULL)
RETURNS TABLE (mount_id bigint, origin text, mount_path text, source_path text, source_template text,
               mode text, shared boolean, priority int, allow_setuid boolean, allow_devices boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tenant bigint := tarbox._tenant_id();
BEGIN
    IF v_tenant IS NULL THEN
        PERFORM tarbox._raise('EACCES', format(
            'role %s is not a tenant: tarbox.native_list shows a tenant''s native mounts (administrators: tarbox.native_definitions)',
            tarbox._caller()));
    END IF;
    RETURN QUERY
        SELECT DISTINCT ON (d.mount_path) d.mount_id, d.origin, d.mount_path, d.source_path, d.source_template,
               d.mode, d.shared, d.priority, d.allow_setuid, d.allow_devices
          FROM tarbox._native_candidates(v_tenant, p_extra, p_user) d
         ORDER BY d.mount_path, d.priority, d.shared, d.origin = 'table', d.mount_id;
END
$$;
ALTER FUNCTION tarbox.native_list(jsonb, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.native_list(jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.native_list(jsonb, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.native_list(jsonb, text) IS
'The calling tenant''s effective native mounts, by mount_path: for each mount path the definition tarbox.native_match picks there (lower priority value, then tenant-specific before shared, then config before table, then the lower mount_id), among the enabled shared and own rows of tarbox.native_mount and the entries of p_extra (JSON array of [[native_mount]] objects, see native_match) that are shared or name this tenant. Another tenant''s definitions are never shown. source_path is expanded ({tenant_id} {tenant} {mount_id}, {user} = p_user; a variable without a value stays as written), source_template as defined; origin is ''table'' or ''config''; mount_id is NULL for config entries. Errors: EACCES (TX013) the caller is not a tenant, EINVAL (TX022) invalid p_extra entry or p_user.';
