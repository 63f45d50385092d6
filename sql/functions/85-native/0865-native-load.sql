CREATE OR REPLACE FUNCTION tarbox.native_load(p_defs jsonb)
RETURNS TABLE (ord int, mount_id bigint, action text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v record;
    v_existed boolean;
BEGIN
    PERFORM tarbox._require_admin();
    IF p_defs IS NULL OR jsonb_typeof(p_defs) <> 'array' THEN
        PERFORM tarbox._raise('EINVAL', 'native mount definitions must be a JSON array of objects ([[native_mount]] tables)');
    END IF;
    FOR v IN SELECT * FROM tarbox._native_parse(p_defs) p ORDER BY p.ord LOOP
        IF v.tenant_name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tarbox.tenant t WHERE t.name = v.tenant_name) THEN
            PERFORM tarbox._raise('ENOENT', format('native mount #%s: no tenant named %L', v.ord, v.tenant_name));
        END IF;
        v_existed := EXISTS (SELECT 1 FROM tarbox.native_mount m LEFT JOIN tarbox.tenant t ON t.tenant_id = m.tenant
                              WHERE t.name IS NOT DISTINCT FROM v.tenant_name AND m.mount_path = v.mount_path
                                AND m.priority = v.priority);
        ord := v.ord;
        mount_id := tarbox.native_add(v.mount_path, v.source_path, v.mode, v.tenant_name, v.priority, v.enabled,
                                      v.allow_setuid, v.allow_devices, true);
        action := CASE WHEN v_existed THEN 'updated' ELSE 'added' END;
        RETURN NEXT;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox.native_load(jsonb) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.native_load(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.native_load(jsonb) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.native_load(jsonb) IS
'Administrators: load native mount definitions from p_defs, a JSON array of objects with the keys of a [[native_mount]] TOML table (mount_path, source_path, mode; optional tenant (name), shared, priority (default 100), enabled, allow_setuid, allow_devices), all or nothing in one transaction. Each entry is upserted on (tenant or shared, mount_path, priority): action ''added'' or ''updated''; ord is its 1-based position. Errors: EINVAL (TX022) not an array, unknown key, wrong type or invalid definition (the message names the entry), ENOENT (TX002) no such tenant, 42501 not an administrator.';
