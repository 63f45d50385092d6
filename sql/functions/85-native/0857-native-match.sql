CREATE OR REPLACE FUNCTION tarbox.native_match(p_path text, p_extra jsonb DEFAULT NULL, p_user text DEFAULT NULL)
RETURNS TABLE (mount_id bigint, origin text, mount_path text, source_path text, rel_path text, mode text,
               shared boolean, priority int, allow_setuid boolean, allow_devices boolean, match text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tenant bigint := tarbox._tenant_id();
BEGIN
    IF v_tenant IS NULL THEN
        PERFORM tarbox._raise('EACCES', format(
            'role %s is not a tenant: native mounts are matched for a tenant (SET ROLE to its role)', tarbox._caller()));
    END IF;
    RETURN QUERY SELECT * FROM tarbox._native_best(v_tenant, tarbox._native_norm(p_path), p_extra, p_user);
END
$$;
ALTER FUNCTION tarbox.native_match(text, jsonb, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.native_match(text, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.native_match(text, jsonb, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.native_match(text, jsonb, text) IS
'The native mount that serves absolute path p_path (normalised lexically: //, . and .. removed; symbolic links not followed) in the calling tenant''s tree, or no row. Candidates: the enabled shared and own definitions of tarbox.native_mount (origin ''table'') and those of p_extra (origin ''config''; a JSON array of objects with the keys of a [[native_mount]] TOML table: mount_path, source_path, mode, tenant, shared, priority, enabled, allow_setuid, allow_devices) that are shared or name this tenant. Order: exact match before prefix match (on a component boundary), longer mount_path before shorter, lower priority value first, tenant-specific before shared, then config before table and the lower mount_id. source_path is the host directory with {tenant_id} {tenant} {mount_id} {user} expanded (p_user for {user}; a variable without a value is left as written); rel_path is the part of p_path below mount_path ('''' for an exact match); match is ''exact'' or ''prefix''. Errors: EACCES (TX013) the caller is not a tenant, EINVAL (TX022) relative path, invalid p_extra entry, {mount_id} in a p_extra entry, or a p_user that is not a plain user name.';
