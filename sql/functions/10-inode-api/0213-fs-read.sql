CREATE OR REPLACE FUNCTION tarbox._do_fs_read(p_ino bigint, p_offset bigint, p_length int, p_layer int DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(p_layer, false);
    v tarbox.inode;
    k record;
BEGIN
    IF p_ino >= 72057594037927936 THEN  -- a number a composition shows (tarbox.compose_read)
        k := tarbox._compose_number(p_ino);
        RETURN tarbox.compose_read(k.compose, k.n, p_offset, p_length);
    END IF;
    v := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    ELSIF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('inode %s is a directory', p_ino));
    ELSIF (v.mode & 61440) <> 32768 THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s is not a regular file', p_ino));
    END IF;
    RETURN tarbox._read(c.tenant_id, c.layer, v, p_offset,
                        CASE WHEN p_length < 0 THEN p_length ELSE least(p_length, tarbox._io_max()) END);
END
$$;
ALTER FUNCTION tarbox._do_fs_read(bigint, bigint, int, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_read(bigint, bigint, int, int) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_read(bigint, bigint, int, int) IS
'FUSE read / pread(2): up to p_length bytes of regular file p_ino from byte p_offset, at layer p_layer (NULL = current); shorter at end of file, empty past it, at most 16 MiB (tarbox.limits() io_max); holes read as zeros. Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022) not a regular file or negative range. A number a composition shows (2^56 | slot << 40 | n) reads what the mount shows (tarbox.compose_read).';
