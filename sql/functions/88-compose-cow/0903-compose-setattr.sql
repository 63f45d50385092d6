CREATE OR REPLACE FUNCTION tarbox.compose_setattr(p_compose int, p_ino bigint, p_mode int, p_uid bigint, p_gid bigint,
    p_size bigint, p_atime_ns bigint, p_mtime_ns bigint, p_ctime_ns bigint DEFAULT NULL,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    RETURN tarbox._cow_attr(p_compose, tarbox.fs_setattr(tarbox._cow_up(p_compose, p_ino), p_mode, p_uid, p_gid,
        p_size, p_atime_ns, p_mtime_ns, p_ctime_ns, p_caller_uid, p_caller_gid, p_caller_pid));
END
$$;
ALTER FUNCTION tarbox.compose_setattr(int, bigint, int, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_setattr(int, bigint, int, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_setattr(int, bigint, int, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_setattr(int, bigint, int, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, int) IS
'FUSE setattr (chmod, chown, truncate, utimes) in copy-on-write composition p_compose of shown inode p_ino, copying it up first; arguments as tarbox.fs_setattr (recorded by it; NULL = unchanged, times in ns). Returns the attributes with the shown number, which the copy-up keeps. Errors: EROFS (TX030) read-only composition, ENOENT (TX002), EINVAL (TX022), EFBIG (TX027), EACCES (TX013).';
