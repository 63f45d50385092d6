CREATE OR REPLACE FUNCTION tarbox._do_stat(p_path bytea, p_follow boolean DEFAULT true, p_layer text DEFAULT NULL)
RETURNS TABLE (ino bigint, type text, mode int, nlink int, uid bigint, gid bigint, rdev bigint,
               size bigint, blocks bigint, atime_ns bigint, mtime_ns bigint, ctime_ns bigint,
               btime_ns bigint, target bytea)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r record := tarbox._walk_core(c, p_path, coalesce(p_follow, true));
    v tarbox.inode;
    n_path text;
    n_source text;
BEGIN
    IF r.compose IS NOT NULL THEN
        -- in a composition (its mount point: its root): what the mount shows, with its inode number
        IF r.ino IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
        END IF;
        v := tarbox._compose_node(r.compose, r.ino);
        RETURN QUERY SELECT tarbox._compose_ino(r.compose, v.ino), tarbox._file_type(v.mode), v.mode, v.nlink, v.uid, v.gid,
                            v.rdev, v.size, (v.stored + 511) / 512, v.atime_ns, v.mtime_ns, v.ctime_ns, v.btime_ns, v.target;
        RETURN;
    END IF;
    IF r.ino IS NULL THEN
        SELECT p.mount_path, p.source_path INTO n_path, n_source FROM tarbox._native_point(c, r.parent, r.name) p;
        IF n_path IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
        END IF;
        -- A native mount point whose directory is not in the tree (the mount shows it anyway).
        RETURN QUERY SELECT NULL::bigint, 'native'::text, 16877, 2, t.default_uid, t.default_gid, 0::bigint,
                            0::bigint, 0::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
                            convert_to(n_source, 'UTF8')
                       FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id;
        RETURN;
    END IF;
    v := tarbox._inode_at(c.tenant_id, r.ino, c.layer);
    IF (v.mode & 61440) = 16384 THEN
        SELECT p.mount_path, p.source_path INTO n_path, n_source FROM tarbox._native_point(c, r.ino, NULL) p;
        IF n_path IS NOT NULL THEN
            v.target := convert_to(n_source, 'UTF8');
        END IF;
    END IF;
    RETURN QUERY SELECT v.ino, CASE WHEN n_path IS NULL THEN tarbox._file_type(v.mode) ELSE 'native' END,
                        v.mode, v.nlink, v.uid, v.gid, v.rdev, v.size,
                        (v.stored + 511) / 512, v.atime_ns, v.mtime_ns, v.ctime_ns, v.btime_ns, v.target;
END
$$;
CREATE OR REPLACE FUNCTION tarbox.stat(p_path text, p_follow boolean DEFAULT true, p_layer text DEFAULT NULL)
RETURNS TABLE (ino bigint, type text, mode int, nlink int, uid bigint, gid bigint, rdev bigint,
               size bigint, blocks bigint, atime_ns bigint, mtime_ns bigint, ctime_ns bigint,
               btime_ns bigint, target bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT * FROM tarbox.stat(convert_to(p_path, 'UTF8'), p_follow, p_layer);
END
$$;
ALTER FUNCTION tarbox._do_stat(bytea, boolean, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_stat(bytea, boolean, text) FROM PUBLIC;
ALTER FUNCTION tarbox.stat(text, boolean, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.stat(text, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.stat(text, boolean, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.stat(text, boolean, text) IS
'As of layer p_layer (name, tag, id, ''head''; NULL = the current layer). stat(2) by path (lstat(2) when p_follow is false): inode, type (file, dir, symlink, fifo, socket, chardev, blockdev), st_mode, nlink, uid, gid, rdev, size (bytes), blocks (512-byte units), times in ns since the epoch, symlink target bytes. A native mount point (tarbox.native_match exact, stored definitions) is type native with target = its host directory (source_path expanded, {user} as written), and the attributes of its directory in the tree (ino NULL when the tree has none); a path below one is EREMOTE (TX066): the host serves it. A path in a composition (tarbox.compose_list; its mount point is the composition''s root) answers what the mount shows: the published layer (copy-on-write: merged with the caller''s changes), ino the number the mount shows (2^56 | slot << 40 | the composition''s number, tarbox.compose_getattr); ''..'' of its root is the caller''s directory above it, an absolute symbolic link target starts at the caller''s root; at any p_layer a composition shows what it shows now, as a mount of that layer does. p_path is absolute. Errors: EREMOTE (TX066) below a native mount, ENOENT (TX002) (also: the composition''s publication is no longer shared), ENOTDIR (TX020), ELOOP (TX040), ENAMETOOLONG (TX036), EINVAL (TX022) relative path.';
COMMENT ON FUNCTION tarbox._do_stat(bytea, boolean, text) IS
'tarbox.stat(text, boolean, text) for a path given as bytes (any byte but NUL: names that are not UTF-8). Errors: as tarbox.stat(text, ...), EINVAL (TX022) a NUL byte.';
