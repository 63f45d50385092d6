CREATE OR REPLACE FUNCTION tarbox.native_add(p_mount_path text, p_source_path text, p_mode text DEFAULT 'ro',
                                             p_tenant text DEFAULT NULL, p_priority int DEFAULT 100,
                                             p_enabled boolean DEFAULT true, p_allow_setuid boolean DEFAULT false,
                                             p_allow_devices boolean DEFAULT false, p_replace boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tenant bigint;
    v_id bigint;
BEGIN
    PERFORM tarbox._require_admin();
    PERFORM tarbox._native_check(p_mount_path, p_source_path, p_mode);
    IF p_priority IS NULL OR p_enabled IS NULL OR p_allow_setuid IS NULL OR p_allow_devices IS NULL THEN
        PERFORM tarbox._raise('EINVAL', 'priority, enabled, allow_setuid and allow_devices cannot be NULL');
    END IF;
    IF p_tenant IS NOT NULL THEN
        SELECT t.tenant_id INTO v_tenant FROM tarbox.tenant t WHERE t.name = p_tenant;
        IF NOT FOUND THEN
            PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_tenant));
        END IF;
    END IF;
    SELECT m.mount_id INTO v_id FROM tarbox.native_mount m
     WHERE coalesce(m.tenant, 0) = coalesce(v_tenant, 0) AND m.mount_path = p_mount_path AND m.priority = p_priority
       FOR UPDATE;
    IF FOUND AND NOT coalesce(p_replace, false) THEN
        PERFORM tarbox._raise('EEXIST', format(
            'a %s native mount at %s with priority %s exists already (mount_id %s): remove it or load with replace',
            coalesce('tenant ' || p_tenant || '''s', 'shared'), p_mount_path, p_priority, v_id));
    ELSIF FOUND THEN
        UPDATE tarbox.native_mount m
           SET source_path = p_source_path, mode = p_mode, enabled = p_enabled,
               allow_setuid = p_allow_setuid, allow_devices = p_allow_devices
         WHERE m.mount_id = v_id;
        PERFORM tarbox._audit_native_def(v_tenant, 'native_add', p_mount_path, p_source_path,
                                         jsonb_build_object('mount_id', v_id, 'mode', p_mode, 'priority', p_priority,
                                                            'enabled', p_enabled, 'allow_setuid', p_allow_setuid,
                                                            'allow_devices', p_allow_devices, 'replaced', true));
        RETURN v_id;
    END IF;
    INSERT INTO tarbox.native_mount (tenant, mount_path, source_path, mode, priority, enabled, allow_setuid, allow_devices)
    VALUES (v_tenant, p_mount_path, p_source_path, p_mode, p_priority, p_enabled, p_allow_setuid, p_allow_devices)
    ON CONFLICT DO NOTHING
    RETURNING native_mount.mount_id INTO v_id;
    IF v_id IS NULL THEN  -- a concurrent add of the same key won
        PERFORM tarbox._raise('EEXIST', format('a native mount at %s with priority %s was added concurrently',
                                               p_mount_path, p_priority));
    END IF;
    PERFORM tarbox._audit_native_def(v_tenant, 'native_add', p_mount_path, p_source_path,
                                     jsonb_build_object('mount_id', v_id, 'mode', p_mode, 'priority', p_priority,
                                                        'enabled', p_enabled, 'allow_setuid', p_allow_setuid,
                                                        'allow_devices', p_allow_devices, 'replaced', false));
    RETURN v_id;
END
$$;
ALTER FUNCTION tarbox.native_add(text, text, text, text, int, boolean, boolean, boolean, boolean) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.native_add(text, text, text, text, int, boolean, boolean, boolean, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.native_add(text, text, text, text, int, boolean, boolean, boolean, boolean) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.native_add(text, text, text, text, int, boolean, boolean, boolean, boolean) IS
'Administrators: define a native mount: host directory p_source_path (absolute; variables {tenant_id} {tenant} {mount_id} {user}) shown at p_mount_path (absolute, normalised, not / nor under /.tarbox) of tenant p_tenant''s tree, or of every tenant''s when p_tenant is NULL (shared); p_mode ''ro'' or ''rw''; p_priority orders definitions of the same path (lower first); p_allow_setuid / p_allow_devices let set-user/group-ID bits and device nodes be made through it. One definition per (tenant or shared, mount path, priority): with p_replace an existing one is updated instead of refused. Returns the mount_id. Audit: recorded as native_add (details: mount_id, mode, priority, enabled, allow_setuid, allow_devices, replaced, shared) in the log of the tenant it serves, or of every tenant when shared. Errors: EINVAL (TX022) invalid path, source, mode or NULL flag, ENOENT (TX002) no such tenant, EEXIST (TX017) the definition exists and p_replace is false, 42501 not an administrator.';
