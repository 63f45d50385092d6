CREATE OR REPLACE FUNCTION tarbox.compose_mknod(p_compose int, p_parent bigint, p_name bytea, p_mode int, p_rdev bigint,
    p_uid bigint, p_gid bigint,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    IF (p_mode & 61440) = 8192 AND coalesce(p_rdev, 0) = 0 THEN
        PERFORM tarbox._raise('EPERM', 'a character device 0/0 is a whiteout in a copy-on-write composition');
    END IF;
    RETURN tarbox._cow_attr(p_compose, tarbox.fs_mknod(tarbox._cow_new_entry(p_compose, p_parent, p_name), p_name,
        p_mode, p_rdev, p_uid, p_gid, p_caller_uid, p_caller_gid, p_caller_pid));
END
$$;
ALTER FUNCTION tarbox.compose_mknod(int, bigint, bytea, int, bigint, bigint, bigint, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_mknod(int, bigint, bytea, int, bigint, bigint, bigint, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_mknod(int, bigint, bytea, int, bigint, bigint, bigint, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_mknod(int, bigint, bytea, int, bigint, bigint, bigint, bigint, bigint, int) IS
'FUSE mknod in copy-on-write composition p_compose: special file p_name (FIFO, socket, device; p_mode with the file type, p_rdev device number) in shown directory p_parent, as tarbox.compose_create (recorded by tarbox.fs_mknod). A character device 0/0 is the whiteout convention, so making one is refused (EPERM). Errors: EPERM (TX001), EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), EINVAL (TX022), EROFS (TX030), EACCES (TX013).';
