CREATE OR REPLACE FUNCTION tarbox.compose_symlink(p_compose int, p_parent bigint, p_name bytea, p_target bytea,
    p_uid bigint, p_gid bigint,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox._cow_attr(p_compose, tarbox.fs_symlink(tarbox._cow_new_entry(p_compose, p_parent, p_name), p_name,
        p_target, p_uid, p_gid, p_caller_uid, p_caller_gid, p_caller_pid));
END
$$;
ALTER FUNCTION tarbox.compose_symlink(int, bigint, bytea, bytea, bigint, bigint, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_symlink(int, bigint, bytea, bytea, bigint, bigint, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_symlink(int, bigint, bytea, bytea, bigint, bigint, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_symlink(int, bigint, bytea, bytea, bigint, bigint, bigint, bigint, int) IS
'FUSE symlink in copy-on-write composition p_compose: symbolic link p_name to p_target (bytes) in shown directory p_parent (recorded by tarbox.fs_symlink). Errors: as tarbox.compose_create.';
