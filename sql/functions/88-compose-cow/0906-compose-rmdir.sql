CREATE OR REPLACE FUNCTION tarbox.compose_rmdir(p_compose int, p_parent bigint, p_name bytea,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_remove(p_compose, p_parent, p_name, true, p_caller_uid, p_caller_gid, p_caller_pid);
END
$$;
ALTER FUNCTION tarbox.compose_rmdir(int, bigint, bytea, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_rmdir(int, bigint, bytea, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_rmdir(int, bigint, bytea, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_rmdir(int, bigint, bytea, bigint, bigint, int) IS
'FUSE rmdir in copy-on-write composition p_compose: remove directory p_name of shown directory p_parent when the merged view of it is empty (its whiteouts go with it), leaving a whiteout when the publisher has that name. Errors: EROFS (TX030), ENOENT (TX002), ENOTDIR (TX020), ENOTEMPTY (TX039), EACCES (TX013).';
