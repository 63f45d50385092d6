CREATE OR REPLACE FUNCTION tarbox._do_wasi_allocate(p_ino bigint, p_offset bigint, p_len bigint)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v tarbox.inode;
    k record;
    a tarbox.attr;
BEGIN
    IF p_ino >= 72057594037927936 THEN  -- in a composition: the caller's copy (EROFS unless cow)
        k := tarbox._compose_number(p_ino);
        PERFORM tarbox._cow_require(k.compose);
        a := tarbox._cow_attr(k.compose, tarbox._do_wasi_allocate(tarbox._cow_up(k.compose, k.n), p_offset, p_len));
        a.ino := k.base | a.ino;
        RETURN a;
    END IF;
    IF p_offset IS NULL OR p_len IS NULL OR p_offset < 0 OR p_len <= 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid range: offset %s, length %s', p_offset, p_len));
    ELSIF p_offset > 17592186044416 - p_len THEN  -- (before p_offset + p_len can overflow)
        PERFORM tarbox._raise('EFBIG', format('a range ending past the 16 TiB file size limit (offset %s, length %s)',
                                              p_offset, p_len));
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, p_ino);
    v := tarbox._inode_at(c.tenant_id, p_ino, c.head);
    IF v.ino IS NOT NULL AND (v.mode & 61440) = 32768 AND v.size >= p_offset + p_len THEN
        RETURN tarbox._attr(v);
    END IF;
    PERFORM tarbox._truncate(c, p_ino, p_offset + p_len);
    RETURN tarbox._attr(tarbox._inode_at(c.tenant_id, p_ino, c.head));
END
$$;
ALTER FUNCTION tarbox._do_wasi_allocate(bigint, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_allocate(bigint, bigint, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_allocate(bigint, bigint, bigint) IS
'WASI fd_allocate (posix_fallocate(3)): make regular file p_ino at least p_offset + p_len bytes long (the new range reads as zeros; it is a hole, since blocks are stored only when written); a file already that long is unchanged. Returns the attributes. Errors: EINVAL (TX022) negative offset or non-positive length, not a regular file, EISDIR (TX021), ENOENT (TX002), EFBIG (TX027), EROFS (TX030) a historical layer or a read-only composition. A number a composition shows (2^56 | slot << 40 | n) extends the caller''s copy, copied up first.';
