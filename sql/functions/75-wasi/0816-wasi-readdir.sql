-- tarbox.wasi_readdir(ino, offset, limit): WASI fd_readdir, as the mount lists a directory.
-- tarbox.fs_readdir lists the tenant's own rows, where a composition's mount point is the
-- placeholder directory tarbox.compose_prepare made; the mount (tarbox_shell/fuse/dispatch.py)
-- lists the composition's root under that name instead, and leaves the name out while the
-- publication is not shared with the tenant. A WASI guest walks into the composition at that
-- name (tarbox._wasi_walk), so its listing must show the same entry: this function is
-- tarbox.fs_readdir (audited there, level full) with those entries replaced
-- (tarbox._compose_points, tarbox._compose_shown_attr). An entry left out is made up for by
-- reading on, so a page is short only at the end of the directory.
CREATE OR REPLACE FUNCTION tarbox.wasi_readdir(p_ino bigint, p_offset bigint, p_limit int)
RETURNS TABLE (name bytea, next_offset bigint, a tarbox.attr)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_limit int := least(greatest(coalesce(p_limit, 1000), 1), 10000);
    v_off bigint := coalesce(p_offset, 0);
    v_got int := 0;
    v_n int;
    v_want int;
    v_names bytea[];
    v_composes int[];
    e record;
BEGIN
    IF p_ino IS NOT NULL AND p_ino < 72057594037927936 AND tarbox._tenant_id() IS NOT NULL THEN
        SELECT k.names, k.composes INTO v_names, v_composes
          FROM tarbox._compose_points(tarbox._ctx(NULL, false), p_ino) k;
    END IF;
    IF v_names IS NULL THEN  -- no mount point in this directory (or a composition's own number)
        RETURN QUERY SELECT * FROM tarbox.fs_readdir(p_ino, p_offset, v_limit);
        RETURN;
    END IF;
    LOOP
        v_n := 0;
        v_want := v_limit - v_got;
        FOR e IN SELECT r.name, r.next_offset, r.a, array_position(v_names, r.name) AS i
                   FROM tarbox.fs_readdir(p_ino, v_off, v_want) r LOOP
            v_n := v_n + 1;
            v_off := e.next_offset;
            CONTINUE WHEN e.i IS NOT NULL AND e.name NOT IN ('\x2e'::bytea, '\x2e2e'::bytea)
                          AND v_composes[e.i] IS NULL;  -- not shared now: not listed
            name := e.name;
            next_offset := e.next_offset;
            a := CASE WHEN e.i IS NULL OR e.name IN ('\x2e'::bytea, '\x2e2e'::bytea) THEN e.a
                      ELSE tarbox._compose_shown_attr(tarbox._compose_ino(v_composes[e.i], 1)) END;
            RETURN NEXT;
            v_got := v_got + 1;
        END LOOP;
        EXIT WHEN v_got >= v_limit OR v_n < v_want;  -- full page, or the directory's end
    END LOOP;
END
$$;
ALTER FUNCTION tarbox.wasi_readdir(bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.wasi_readdir(bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.wasi_readdir(bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.wasi_readdir(bigint, bigint, int) IS
'WASI fd_readdir (also GET /api/v1/inodes/{ino}/entries): up to p_limit (1..10000) entries of directory inode p_ino after cookie p_offset (0 = start), each with its name (bytes), the cookie to resume after it and its attributes, as tarbox.fs_readdir lists them (''.'' and ''..'' first; cookies stay valid while entries are added or removed) but as the mount shows the directory: a composition''s mount point is listed with the attributes and number of the composition''s root (2^56 | slot << 40 | 1), and not at all while its publication is not shared with the tenant. A page holds fewer than p_limit entries only at the end of the directory. Audited as tarbox.fs_readdir (operation readdir, level full). Errors: ENOENT (TX002), ENOTDIR (TX020), EACCES (TX013) not a tenant.';
