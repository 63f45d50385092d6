DROP FUNCTION IF EXISTS tarbox.fs_write(bigint, bigint, bytea, boolean);
CREATE OR REPLACE FUNCTION tarbox._do_fs_write(p_ino bigint, p_offset bigint, p_data bytea, p_append boolean DEFAULT false,
                                           p_kill_suidgid boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context;
    v_n bigint;
BEGIN
    PERFORM tarbox._check_write(format('inode %s', p_ino), CASE WHEN p_append THEN 0 ELSE p_offset END, p_data);
    c := tarbox._ctx(NULL, true);
    v_n := tarbox._write(c, p_ino, p_offset, p_data, coalesce(p_append, false));
    IF v_n > 0 AND p_kill_suidgid THEN
        PERFORM tarbox._kill_suid(c, p_ino);
    END IF;
    RETURN v_n;
END
$$;
ALTER FUNCTION tarbox._do_fs_write(bigint, bigint, bytea, boolean, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_write(bigint, bigint, bytea, boolean, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_write(bigint, bigint, bytea, boolean, boolean) IS
'FUSE write / pwrite(2): write p_data into regular file p_ino at byte p_offset, or at the end of file when p_append (O_APPEND, atomic against other appenders). The first write of text to an empty file is stored as text chunks at once (its line counts go to the call''s audit record); any other write rewrites only the 64 KiB blocks touched, which tarbox.fs_release re-chunks; writing past the end leaves a hole. At most 16 MiB per call (tarbox.limits() io_max). p_kill_suidgid: the writer has no CAP_FSETID, so a write of at least one byte clears the set-user-ID bit and the set-group-ID bit of a group-executable file, as Linux does (FUSE_WRITE_KILL_SUIDGID). Returns the number of bytes written. Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022), EFBIG (TX027) past 16 TiB or over 16 MiB in one call, EROFS (TX030).';

CREATE OR REPLACE FUNCTION tarbox._do_fs_append(p_ino bigint, p_data bytea, p_kill_suidgid boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context;
    v tarbox.inode;
BEGIN
    PERFORM tarbox._check_write(format('inode %s', p_ino), 0, p_data);
    c := tarbox._ctx(NULL, true);
    PERFORM tarbox._lock_inode(c.tenant_id, p_ino);
    v := tarbox._inode_at(c.tenant_id, p_ino, c.head);  -- the end of file, under the lock
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    END IF;
    IF tarbox._write(c, p_ino, v.size, p_data, false) > 0 AND p_kill_suidgid THEN
        PERFORM tarbox._kill_suid(c, p_ino);
    END IF;
    RETURN v.size;
END
$$;
ALTER FUNCTION tarbox._do_fs_append(bigint, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_append(bigint, bytea, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_append(bigint, bytea, boolean) IS
'FUSE write on an O_APPEND handle: append p_data to regular file p_ino at its end of file, atomically against other appenders, and return the offset (bytes) where the data landed, so that a caller that guessed the end of file (the kernel, from a size it cached) knows when it guessed wrong. p_kill_suidgid as for fs_write. At most 16 MiB per call. Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022) not a regular file, EFBIG (TX027), EROFS (TX030).';
