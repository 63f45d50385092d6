-- tarbox._native_parse(defs): native mount definitions given as JSON (a configuration file's
-- [[native_mount]] tables, converted by the shell: `tarbox mount --config`, `tarbox native
-- load`) as rows, each validated like a row of tarbox.native_mount. defs is a JSON array of
-- objects with the keys mount_path, source_path, mode (required), tenant (a tenant name),
-- shared, priority, enabled, allow_setuid, allow_devices (optional; defaults: shared when no
-- tenant is named, priority 100, enabled, neither setuid nor devices allowed). ord is the
-- 1-based position in the array. NULL gives no rows.
-- Errors: EINVAL (TX022) naming the entry and the key: not an array of objects, an unknown key,
-- a value of the wrong JSON type, tenant together with shared = true, shared = false without a
-- tenant, or an invalid definition (tarbox._native_check).
CREATE OR REPLACE FUNCTION tarbox._native_parse(p_defs jsonb)
RETURNS TABLE (ord int, tenant_name text, mount_path text, source_path text, mode text, priority int,
               enabled boolean, allow_setuid boolean, allow_devices boolean)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_def jsonb;
    v_key text;
    v_i int := 0;
    v_shared boolean;
    v_types constant jsonb := '{"mount_path": "string", "source_path": "string", "mode": "string",
                                "tenant": "string", "shared": "boolean", "priority": "number",
                                "enabled": "boolean", "allow_setuid": "boolean", "allow_devices": "boolean"}';
BEGIN
    IF p_defs IS NULL OR p_defs = 'null'::jsonb THEN
        RETURN;
    END IF;
    IF jsonb_typeof(p_defs) <> 'array' THEN
        PERFORM tarbox._raise('EINVAL', 'native mount definitions must be a JSON array of objects ([[native_mount]] tables)');
    END IF;
    FOR v_def IN SELECT e FROM jsonb_array_elements(p_defs) e LOOP
        v_i := v_i + 1;
        IF jsonb_typeof(v_def) <> 'object' THEN
            PERFORM tarbox._raise('EINVAL', format('native mount #%s is not a table of keys', v_i));
        END IF;
        FOR v_key IN SELECT k FROM jsonb_object_keys(v_def) k LOOP
            IF NOT v_types ? v_key THEN
                PERFORM tarbox._raise('EINVAL', format(
                    'native mount #%s: unknown key %L (known: mount_path, source_path, mode, tenant, shared, priority, enabled, allow_setuid, allow_devices)',
                    v_i, v_key));
            ELSIF jsonb_typeof(v_def -> v_key) <> v_types ->> v_key THEN
                PERFORM tarbox._raise('EINVAL', format('native mount #%s: %s must be a %s, not %s',
                                                       v_i, v_key, v_types ->> v_key, jsonb_typeof(v_def -> v_key)));
            END IF;
        END LOOP;
        IF v_def ? 'priority' AND ((v_def ->> 'priority')::numeric <> trunc((v_def ->> 'priority')::numeric)
                                   OR abs((v_def ->> 'priority')::numeric) > 2147483647) THEN
            PERFORM tarbox._raise('EINVAL', format('native mount #%s: priority must be a 32-bit integer', v_i));
        END IF;
        v_shared := (v_def ->> 'shared')::boolean;
        IF v_def ? 'tenant' AND v_shared THEN
            PERFORM tarbox._raise('EINVAL', format('native mount #%s names tenant %L and says shared = true: choose one',
                                                   v_i, v_def ->> 'tenant'));
        ELSIF NOT v_def ? 'tenant' AND v_shared IS false THEN
            PERFORM tarbox._raise('EINVAL', format('native mount #%s: shared = false needs the tenant it belongs to', v_i));
        END IF;
        BEGIN
            PERFORM tarbox._native_check(v_def ->> 'mount_path', v_def ->> 'source_path', v_def ->> 'mode');
        EXCEPTION WHEN SQLSTATE 'TX022' THEN
            PERFORM tarbox._raise('EINVAL', format('native mount #%s: %s', v_i, SQLERRM));
        END;
        ord := v_i;
        tenant_name := v_def ->> 'tenant';
        mount_path := v_def ->> 'mount_path';
        source_path := v_def ->> 'source_path';
        mode := v_def ->> 'mode';
        priority := coalesce((v_def ->> 'priority')::int, 100);
        enabled := coalesce((v_def ->> 'enabled')::boolean, true);
        allow_setuid := coalesce((v_def ->> 'allow_setuid')::boolean, false);
        allow_devices := coalesce((v_def ->> 'allow_devices')::boolean, false);
        RETURN NEXT;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._native_parse(jsonb) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._native_parse(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._native_parse(jsonb) TO tarbox_maint;
