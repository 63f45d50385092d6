CREATE OR REPLACE FUNCTION tarbox.compose_read(p_compose int, p_ino bigint, p_offset bigint, p_length int)
RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v tarbox.inode := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
    n record;
BEGIN
    IF tarbox._compose_is_cow(p_compose) THEN  -- the merged view (88-compose-cow): the consumer's copy when it has one
        n := tarbox._cow_node(p_compose, p_ino);
        IF n.upper IS NOT NULL THEN
            c := tarbox._ctx(NULL, false);
            v := tarbox._inode_at(c.tenant_id, n.upper, c.layer);
        ELSE
            v := tarbox._inode_at(c.tenant_id, n.lower, c.layer);
        END IF;
    END IF;
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    ELSIF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('inode %s is a directory', p_ino));
    ELSIF (v.mode & 61440) <> 32768 THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s is not a regular file', p_ino));
    ELSIF p_offset IS NULL OR p_offset < 0 OR p_length IS NULL OR p_length < 0 THEN
        PERFORM tarbox._raise('EINVAL', 'offset and length must be non-negative');
    END IF;
    RETURN tarbox._read(c.tenant_id, c.layer, v, p_offset, least(p_length, tarbox._io_max()));
END
$$;
ALTER FUNCTION tarbox.compose_read(int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_read(int, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_read(int, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_read(int, bigint, bigint, int) IS
'FUSE read in composition p_compose: up to p_length bytes (at most tarbox.limits() io_max) of regular file p_ino from byte offset p_offset; shorter at end of file. Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022) not a regular file or a negative offset/length, EACCES (TX013).';
