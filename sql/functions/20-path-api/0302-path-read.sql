CREATE OR REPLACE FUNCTION tarbox._do_read(p_path text, p_offset bigint DEFAULT 0, p_length bigint DEFAULT NULL, p_layer text DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r tarbox._resolved := tarbox._walk(c, p_path, true);
    v tarbox.inode;
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    END IF;
    v := tarbox._inode_at(c.tenant_id, r.ino, c.layer);
    IF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory', p_path));
    ELSIF (v.mode & 61440) <> 32768 THEN
        PERFORM tarbox._raise('EINVAL', format('%s is not a regular file', p_path));
    END IF;
    RETURN tarbox._read(c.tenant_id, c.layer, v, coalesce(p_offset, 0),
                        coalesce(p_length, greatest(v.size - coalesce(p_offset, 0), 0)));
END
$$;
ALTER FUNCTION tarbox._do_read(text, bigint, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_read(text, bigint, bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_read(text, bigint, bigint, text) IS
'As of layer p_layer (name, tag, id, ''head''; NULL = the current layer). Read a regular file by absolute path: p_length bytes (NULL = to the end) from byte p_offset, as bytea; holes read as zeros. Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022) not a regular file or bad range, ENOTDIR (TX020), ELOOP (TX040).';
