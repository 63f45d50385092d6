CREATE OR REPLACE FUNCTION tarbox._do_wasi_write(p_ino bigint, p_offset bigint, p_data bytea,
                                             p_append boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v_n bigint;
    v_end bigint;
    k record;
BEGIN
    IF p_ino >= 72057594037927936 THEN
        -- a number a composition shows: the caller's copy is written (copied up first; EROFS
        -- unless copy-on-write), as the mount's compose_write
        k := tarbox._compose_number(p_ino);
        PERFORM tarbox._cow_require(k.compose);
        RETURN tarbox._do_wasi_write(tarbox._cow_up(k.compose, k.n), p_offset, p_data, p_append);
    END IF;
    PERFORM tarbox._check_write(format('inode %s', p_ino), CASE WHEN p_append THEN 0 ELSE p_offset END, p_data);
    v_n := tarbox._write(c, p_ino, p_offset, p_data, coalesce(p_append, false));
    IF v_n > 0 AND tarbox._writer_unprivileged(c) THEN
        PERFORM tarbox._kill_suid(c, p_ino);  -- the writer is the tenant's default owner
    END IF;
    IF NOT coalesce(p_append, false) THEN
        RETURN p_offset + v_n;
    END IF;
    -- Appended at the end under the inode lock (still held): the new end is the size now.
    SELECT i.size INTO v_end FROM tarbox.inode i
     WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647;
    RETURN v_end;
END
$$;
ALTER FUNCTION tarbox._do_wasi_write(bigint, bigint, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_write(bigint, bigint, bytea, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_write(bigint, bigint, bytea, boolean) IS
'WASI fd_write / fd_pwrite of a descriptor: write p_data into regular file p_ino at byte p_offset, or at the end of file when p_append (fdflags.append; atomic against other appenders), exactly as tarbox.fs_write (only the 64 KiB blocks touched are rewritten, a gap becomes a hole). Returns the byte offset just past the written data, which becomes the descriptor''s position (with append: the new end of file). A number a composition shows (2^56 | slot << 40 | n) writes the caller''s copy, copied up first, as the mount does. Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022), EFBIG (TX027), EROFS (TX030) a historical layer or a read-only composition.';
