CREATE OR REPLACE FUNCTION tarbox._do_fs_unlink(p_parent bigint, p_name bytea)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM tarbox._remove_entry(tarbox._ctx(NULL, true), p_parent, p_name, false);
END
$$;
ALTER FUNCTION tarbox._do_fs_unlink(bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_unlink(bigint, bytea) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_unlink(bigint, bytea) IS
'FUSE unlink / unlink(2): remove non-directory entry p_name (bytes) from directory p_parent. The inode''s nlink drops; at 0 it survives until tarbox.fs_forget (the kernel''s last reference) so open files stay usable. Errors: ENOENT (TX002), EISDIR (TX021), ENOTDIR (TX020), ENAMETOOLONG (TX036), EROFS (TX030).';
