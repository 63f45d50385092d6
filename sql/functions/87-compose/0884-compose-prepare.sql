CREATE OR REPLACE FUNCTION tarbox.compose_prepare()
RETURNS TABLE (compose_id int, mount_path text, source text, mode text, available boolean, created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v record;
    c tarbox._context := tarbox._ctx(NULL, false);
    r tarbox._resolved;
    t tarbox.tenant;
BEGIN
    FOR v IN SELECT * FROM tarbox.compose_list() l LOOP
        compose_id := v.compose_id; mount_path := v.mount_path; source := v.source; mode := v.mode;
        available := v.available; created := false;
        BEGIN
            BEGIN
                r := tarbox._walk(c, v.mount_path, false);
            EXCEPTION WHEN SQLSTATE 'TX002' THEN
                r := NULL;  -- a missing directory on the way: made below
            END;
            IF r.ino IS NULL THEN
                -- mkdir -p of the directories above (not in a composition: they cannot
                -- overlap), then the mount point as a directory of the tenant's own tree
                -- (tarbox.mkdir of the mount path would reach the composition's root)
                IF strpos(substr(v.mount_path, 2), '/') > 0 THEN
                    PERFORM tarbox.mkdir(left(v.mount_path, length(v.mount_path) - strpos(reverse(v.mount_path), '/')), 493, true);
                END IF;
                r := tarbox._walk(c, v.mount_path, false);
                SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
                PERFORM tarbox.fs_mkdir(r.parent, r.name, 493, t.default_uid, t.default_gid);
                created := true;
            END IF;
        EXCEPTION WHEN SQLSTATE 'TX030' OR SQLSTATE 'TX020' OR SQLSTATE 'TX002' OR SQLSTATE 'TX017'
                       OR SQLSTATE 'TX066' OR SQLSTATE 'TX040' THEN
            created := false;  -- historical layer, a file on the way, ...: reachable by name only
        END;
        RETURN NEXT;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox.compose_prepare() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_prepare() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_prepare() TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_prepare() IS
'What a read-write mount calls once at start: the rows of tarbox.compose_list(), after making each missing mount point a directory of the current layer (mkdir -p, mode 0755), so that it is listed in its parent (created says whether this call made it). A path that cannot be made (historical current layer, a file on the way) is left alone. Errors: EACCES (TX013) not a tenant.';
