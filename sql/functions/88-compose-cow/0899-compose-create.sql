CREATE OR REPLACE FUNCTION tarbox.compose_create(p_compose int, p_parent bigint, p_name bytea, p_mode int,
    p_uid bigint, p_gid bigint, p_flags int DEFAULT 0,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox._cow_attr(p_compose, tarbox.fs_create(tarbox._cow_new_entry(p_compose, p_parent, p_name), p_name,
        p_mode, p_uid, p_gid, p_flags, p_caller_uid, p_caller_gid, p_caller_pid));
END
$$;
ALTER FUNCTION tarbox.compose_create(int, bigint, bytea, int, bigint, bigint, int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_create(int, bigint, bytea, int, bigint, bigint, int, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_create(int, bigint, bytea, int, bigint, bigint, int, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_create(int, bigint, bytea, int, bigint, bigint, int, bigint, bigint, int) IS
'FUSE create in copy-on-write composition p_compose: make regular file p_name (bytes) in shown directory p_parent, copying the directory up into the caller''s tree first (tarbox._cow_up) and replacing a whiteout of that name; arguments as tarbox.fs_create (recorded by it). Returns the attributes with the shown inode number (the caller''s own inode + 2^39). Errors: EROFS (TX030) a read-only composition, EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), EINVAL (TX022), ENAMETOOLONG (TX036), EACCES (TX013) not a tenant.';
