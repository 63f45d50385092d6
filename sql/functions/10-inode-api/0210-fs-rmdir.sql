CREATE OR REPLACE FUNCTION tarbox._do_fs_rmdir(p_parent bigint, p_name bytea)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM tarbox._remove_entry(tarbox._ctx(NULL, true), p_parent, p_name, true);
END
$$;
ALTER FUNCTION tarbox._do_fs_rmdir(bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_rmdir(bigint, bytea) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_rmdir(bigint, bytea) IS
'FUSE rmdir / rmdir(2): remove empty directory p_name (bytes) from directory p_parent; the parent loses a link. Errors: ENOENT (TX002), ENOTDIR (TX020), ENOTEMPTY (TX039), EINVAL (TX022) for ''.'', ENAMETOOLONG (TX036), EROFS (TX030).';
