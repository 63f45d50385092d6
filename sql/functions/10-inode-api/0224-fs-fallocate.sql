CREATE OR REPLACE FUNCTION tarbox.fs_fallocate(p_ino bigint, p_mode int, p_offset bigint, p_length bigint)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v tarbox.inode;
    v_end bigint;
    v_quota bigint;
BEGIN
    IF p_offset IS NULL OR p_length IS NULL OR p_offset < 0 OR p_length <= 0 THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s: fallocate of %s bytes at offset %s', p_ino, p_length, p_offset));
    ELSIF p_offset > 17592186044416 - p_length THEN
        PERFORM tarbox._raise('EFBIG', format('inode %s: fallocate to offset %s + %s passes the 16 TiB file size limit',
                                              p_ino, p_offset, p_length));
    ELSIF p_mode IS NULL OR p_mode NOT IN (0, 1) THEN
        -- 1 = FALLOC_FL_KEEP_SIZE. FALLOC_FL_PUNCH_HOLE (2, always with KEEP_SIZE) and the
        -- other modes are not offered (fallocate(2) allows a filesystem to refuse them).
        PERFORM tarbox._raise('EOPNOTSUPP', format('inode %s: fallocate mode %s is not supported (only 0 and FALLOC_FL_KEEP_SIZE)',
                                                   p_ino, p_mode));
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, p_ino);
    v := tarbox._inode_at(c.tenant_id, p_ino, c.head);
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    ELSIF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('inode %s is a directory', p_ino));
    ELSIF (v.mode & 61440) <> 32768 THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s is not a regular file', p_ino));
    END IF;
    v_end := p_offset + p_length;
    IF v_end > v.size THEN
        -- Storage is allocated when data is written (holes store nothing), so nothing can be
        -- reserved; a range that could never fit in the tenant's byte quota fails now rather
        -- than at the first write into it.
        SELECT t.quota_bytes INTO v_quota FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id;
        IF v_quota IS NOT NULL AND v_end - v.size > v_quota - coalesce((tarbox._usage_of(c.tenant_id)).bytes, 0) THEN
            PERFORM tarbox._raise('ENOSPC', format('inode %s: %s more bytes do not fit in the byte quota of %s',
                                                   p_ino, v_end - v.size, v_quota));
        END IF;
        IF p_mode = 0 THEN
            PERFORM tarbox._truncate(c, p_ino, v_end);
            PERFORM tarbox._notify(c.tenant_id, p_ino, NULL, NULL);
        END IF;
    END IF;
    RETURN tarbox._attr(tarbox._inode_at(c.tenant_id, p_ino, c.head));
END
$$;
ALTER FUNCTION tarbox.fs_fallocate(bigint, int, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_fallocate(bigint, int, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_fallocate(bigint, int, bigint, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_fallocate(bigint, int, bigint, bigint) IS
'FUSE FALLOCATE / fallocate(2), posix_fallocate(3) on regular file p_ino: make bytes [p_offset, p_offset + p_length) part of the file. p_mode 0 extends the size to p_offset + p_length when that is past the end (the new range is a hole: it reads as zeros and stores nothing; mtime/ctime change with the size); p_mode 1 (FALLOC_FL_KEEP_SIZE) leaves the size. Storage is allocated when data is written, so nothing is reserved: a range that cannot fit in the tenant''s remaining byte quota fails with ENOSPC now, but a later write can still fail with EDQUOT if the tenant fills the quota meanwhile (as on thin-provisioned or copy-on-write filesystems). Offsets and lengths in bytes. Returns the new attributes. Errors: EINVAL (TX022) p_length <= 0, p_offset < 0, not a regular file; EFBIG (TX027) past 16 TiB; EOPNOTSUPP (TX095) FALLOC_FL_PUNCH_HOLE and the other modes; ENOSPC (TX028); ENOENT (TX002); EISDIR (TX021); EROFS (TX030) historical layer.';
