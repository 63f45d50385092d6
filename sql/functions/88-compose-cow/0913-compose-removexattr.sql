CREATE OR REPLACE FUNCTION tarbox.compose_removexattr(p_compose int, p_ino bigint, p_name bytea,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    PERFORM tarbox._check_xattr_name(p_name);
    IF NOT EXISTS (SELECT 1 FROM tarbox.compose_listxattr(p_compose, p_ino) x(name) WHERE x.name = p_name) THEN
        PERFORM tarbox._raise('ENODATA', format('no attribute %s', tarbox._name_text(p_name)));
    END IF;
    PERFORM tarbox.fs_removexattr(tarbox._cow_up(p_compose, p_ino), p_name, p_caller_uid, p_caller_gid, p_caller_pid);
END
$$;
ALTER FUNCTION tarbox.compose_removexattr(int, bigint, bytea, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_removexattr(int, bigint, bytea, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_removexattr(int, bigint, bytea, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_removexattr(int, bigint, bytea, bigint, bigint, int) IS
'FUSE removexattr in copy-on-write composition p_compose: remove extended attribute p_name of shown inode p_ino, copying it up first (recorded by tarbox.fs_removexattr). Errors: ENODATA (TX061) absent in the merged view, EOPNOTSUPP (TX095), EINVAL (TX022), ENOENT (TX002), EROFS (TX030), EACCES (TX013).';
