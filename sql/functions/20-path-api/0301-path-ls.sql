CREATE OR REPLACE FUNCTION tarbox._do_ls(p_path text DEFAULT '/', p_layer text DEFAULT NULL)
RETURNS TABLE (name text, type text, mode int, uid bigint, gid bigint, size bigint,
               mtime timestamptz, ino bigint)
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r tarbox._resolved := tarbox._walk(c, coalesce(p_path, '/'), true);
    v tarbox.inode;
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    END IF;
    v := tarbox._inode_at(c.tenant_id, r.ino, c.layer);
    IF (v.mode & 61440) <> 16384 THEN
        RETURN QUERY SELECT coalesce(tarbox._name_text(r.name), p_path), tarbox._file_type(v.mode),
                            v.mode & 4095, v.uid, v.gid, v.size, to_timestamp(v.mtime_ns / 1e9), v.ino;
        RETURN;
    END IF;
    RETURN QUERY
        SELECT tarbox._name_text(d.name), tarbox._file_type(i.mode), i.mode & 4095, i.uid, i.gid,
               i.size, to_timestamp(i.mtime_ns / 1e9), i.ino
          FROM tarbox.dentry d
          CROSS JOIN LATERAL tarbox._inode_at(c.tenant_id, d.ino, c.layer) i
         WHERE d.tenant_id = c.tenant_id AND d.parent_ino = r.ino
           AND d.born <= c.layer AND d.died > c.layer
         ORDER BY d.name;
END
$$;
ALTER FUNCTION tarbox._do_ls(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_ls(text, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_ls(text, text) IS
'As of layer p_layer (name, tag, id, ''head''; NULL = the current layer). List a directory by absolute path (symbolic links followed), sorted by name bytes, without ''.'' and ''..'': name (text; bytes that are not UTF-8 shown as \xNN), type, permission bits, uid, gid, size (bytes), mtime, inode. A non-directory lists itself. Errors: ENOENT (TX002), ENOTDIR (TX020), ELOOP (TX040), ENAMETOOLONG (TX036), EINVAL (TX022).';
