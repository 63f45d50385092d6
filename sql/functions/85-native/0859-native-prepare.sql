CREATE OR REPLACE FUNCTION tarbox.native_prepare(p_extra jsonb DEFAULT NULL, p_user text DEFAULT NULL)
RETURNS TABLE (mount_id bigint, origin text, mount_path text, source_path text, source_template text,
               mode text, shared boolean, priority int, allow_setuid boolean, allow_devices boolean,
               created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v record;
    v_paths text[];
    c tarbox._context := tarbox._ctx(NULL, false);
    r tarbox._resolved;
BEGIN
    SELECT array_agg(l.mount_path) INTO v_paths FROM tarbox.native_list(p_extra, p_user) l;
    FOR v IN SELECT * FROM tarbox.native_list(p_extra, p_user) l ORDER BY l.mount_path LOOP
        mount_id := v.mount_id; origin := v.origin; mount_path := v.mount_path; source_path := v.source_path;
        source_template := v.source_template; mode := v.mode; shared := v.shared; priority := v.priority;
        allow_setuid := v.allow_setuid; allow_devices := v.allow_devices;
        created := false;
        -- A mount point inside another native mount is shown from the host's listing: nothing to make.
        IF NOT EXISTS (SELECT 1 FROM unnest(v_paths) p WHERE left(v.mount_path, length(p) + 1) = p || '/') THEN
            BEGIN
                r := tarbox._walk(c, v.mount_path, false);
                IF r.ino IS NULL THEN
                    PERFORM tarbox.mkdir(v.mount_path, 493, true);
                    created := true;
                END IF;
            EXCEPTION WHEN SQLSTATE 'TX030' OR SQLSTATE 'TX020' OR SQLSTATE 'TX002' OR SQLSTATE 'TX017'
                           OR SQLSTATE 'TX066' OR SQLSTATE 'TX040' THEN
                created := false;  -- historical layer, a file on the way, ...: reachable by name only
            END;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox.native_prepare(jsonb, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.native_prepare(jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.native_prepare(jsonb, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.native_prepare(jsonb, text) IS
'What a read-write mount calls once at start: the rows of tarbox.native_list(p_extra, p_user), after making each missing mount point a directory of the current layer (mkdir -p, mode 0755, like mount''s X-mount.mkdir), so that it is listed in its parent; created says whether this call made it. A mount point below another native mount (listed by the host) or whose path cannot be made (a historical current layer: EROFS, a file on the way) is left alone; the mount still shows it when looked up by name. Errors: EACCES (TX013) not a tenant, EINVAL (TX022) invalid p_extra or p_user.';
