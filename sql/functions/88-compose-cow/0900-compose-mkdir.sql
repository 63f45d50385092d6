CREATE OR REPLACE FUNCTION tarbox.compose_mkdir(p_compose int, p_parent bigint, p_name bytea, p_mode int,
    p_uid bigint, p_gid bigint,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox._cow_attr(p_compose, tarbox.fs_mkdir(tarbox._cow_new_entry(p_compose, p_parent, p_name), p_name,
        p_mode, p_uid, p_gid, p_caller_uid, p_caller_gid, p_caller_pid));
END
$$;
ALTER FUNCTION tarbox.compose_mkdir(int, bigint, bytea, int, bigint, bigint, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_mkdir(int, bigint, bytea, int, bigint, bigint, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_mkdir(int, bigint, bytea, int, bigint, bigint, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_mkdir(int, bigint, bytea, int, bigint, bigint, bigint, bigint, int) IS
'FUSE mkdir in copy-on-write composition p_compose: as tarbox.compose_create for a directory (mode: permission bits; recorded by tarbox.fs_mkdir). A directory made over a whiteout is opaque: the publisher''s entries of the name are not shown in it. Errors: as tarbox.compose_create.';
