CREATE OR REPLACE FUNCTION tarbox.compose_setxattr(p_compose int, p_ino bigint, p_name bytea, p_value bytea,
    p_flags int DEFAULT 0,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    PERFORM tarbox._check_xattr_name(p_name);
    PERFORM tarbox.fs_setxattr(tarbox._cow_up(p_compose, p_ino), p_name, p_value, p_flags,
                               p_caller_uid, p_caller_gid, p_caller_pid);
END
$$;
ALTER FUNCTION tarbox.compose_setxattr(int, bigint, bytea, bytea, int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_setxattr(int, bigint, bytea, bytea, int, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_setxattr(int, bigint, bytea, bytea, int, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_setxattr(int, bigint, bytea, bytea, int, bigint, bigint, int) IS
'FUSE setxattr in copy-on-write composition p_compose: set extended attribute p_name (bytes) of shown inode p_ino to p_value, copying it up first (its publisher''s xattrs come along); flags as tarbox.fs_setxattr (recorded by it). Errors: EOPNOTSUPP (TX095) system.* names, EINVAL (TX022), EEXIST/ENODATA (flags), ENOENT (TX002), EROFS (TX030), EACCES (TX013).';
