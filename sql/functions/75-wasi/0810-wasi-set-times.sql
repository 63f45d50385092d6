CREATE OR REPLACE FUNCTION tarbox._do_wasi_set_times(p_dir bigint, p_path text, p_follow boolean,
                                                 p_atime_ns bigint, p_mtime_ns bigint,
                                                 p_fst_flags int)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    v_flags int := coalesce(p_fst_flags, 0);
    c tarbox._context := tarbox._ctx(NULL, true);
    v_ino bigint := p_dir;
    r tarbox._resolved;
    v_now bigint := tarbox._now_ns();
    k record;
    a tarbox.attr;
BEGIN
    IF (v_flags & ~15) <> 0 OR (v_flags & 3) = 3 OR (v_flags & 12) = 12 THEN
        PERFORM tarbox._raise('EINVAL', format(
            'invalid fstflags %s (atim 1 or atim_now 2, mtim 4 or mtim_now 8)', v_flags));
    END IF;
    IF p_path IS NOT NULL THEN
        r := tarbox._wasi_walk(c, p_dir, p_path, coalesce(p_follow, false));
        IF r.ino IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
        END IF;
        v_ino := r.ino;
    END IF;
    IF v_ino >= 72057594037927936 THEN  -- in a composition (EROFS unless cow), recorded by fs_setattr
        k := tarbox._compose_number(v_ino);
        a := tarbox.compose_setattr(k.compose, k.n, NULL, NULL, NULL, NULL,
            CASE WHEN (v_flags & 2) <> 0 THEN v_now WHEN (v_flags & 1) <> 0 THEN p_atime_ns END,
            CASE WHEN (v_flags & 8) <> 0 THEN v_now WHEN (v_flags & 4) <> 0 THEN p_mtime_ns END);
        a.ino := k.base | a.ino;
        RETURN a;
    END IF;
    RETURN tarbox.fs_setattr(v_ino, NULL, NULL, NULL, NULL,
        CASE WHEN (v_flags & 2) <> 0 THEN v_now WHEN (v_flags & 1) <> 0 THEN p_atime_ns END,
        CASE WHEN (v_flags & 8) <> 0 THEN v_now WHEN (v_flags & 4) <> 0 THEN p_mtime_ns END);
END
$$;
ALTER FUNCTION tarbox._do_wasi_set_times(bigint, text, boolean, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_set_times(bigint, text, boolean, bigint, bigint, int) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_set_times(bigint, text, boolean, bigint, bigint, int) IS
'WASI path_filestat_set_times / fd_filestat_set_times (utimensat(2)): set the access and modification times of the inode at relative path p_path beneath directory inode p_dir (resolved without leaving it, a final link followed when p_follow), or of inode p_dir itself when p_path is NULL. p_fst_flags (WASI fstflags): 1 atim = p_atime_ns, 2 atim_now, 4 mtim = p_mtime_ns, 8 mtim_now (ns since the epoch; a time without its flag is left unchanged); ctime becomes now. Returns the new attributes. Errors: EINVAL (TX022) both a time and its _now flag or unknown flags, ENOENT (TX002), ENOTDIR (TX020), a path at or below a composition''s mount point changes what the mount shows (tarbox._wasi_walk): EROFS (TX030) in a read-only composition, in a copy-on-write one the caller''s copy (copied up first; a whiteout hides a removed publisher''s entry); EPERM (TX001) outside p_dir, EROFS (TX030).';
