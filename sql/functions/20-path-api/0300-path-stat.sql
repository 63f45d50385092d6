CREATE OR REPLACE FUNCTION tarbox._do_stat(p_path text, p_follow boolean DEFAULT true, p_layer text DEFAULT NULL)
RETURNS TABLE (ino bigint, type text, mode int, nlink int, uid bigint, gid bigint, rdev bigint,
               size bigint, blocks bigint, atime_ns bigint, mtime_ns bigint, ctime_ns bigint,
               btime_ns bigint, target bytea)
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r tarbox._resolved := tarbox._walk(c, p_path, coalesce(p_follow, true));
    v tarbox.inode;
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    END IF;
    v := tarbox._inode_at(c.tenant_id, r.ino, c.layer);
    RETURN QUERY SELECT v.ino, tarbox._file_type(v.mode), v.mode, v.nlink, v.uid, v.gid, v.rdev, v.size,
                        (v.size + 511) / 512, v.atime_ns, v.mtime_ns, v.ctime_ns, v.btime_ns, v.target;
END
$$;
ALTER FUNCTION tarbox._do_stat(text, boolean, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_stat(text, boolean, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_stat(text, boolean, text) IS
'As of layer p_layer (name, tag, id, ''head''; NULL = the current layer). stat(2) by path (lstat(2) when p_follow is false): inode, type (file, dir, symlink, fifo, socket, chardev, blockdev), st_mode, nlink, uid, gid, rdev, size (bytes), blocks (512-byte units), times in ns since the epoch, symlink target bytes. p_path is absolute. Errors: ENOENT (TX002), ENOTDIR (TX020), ELOOP (TX040), ENAMETOOLONG (TX036), EINVAL (TX022) relative path.';
