CREATE OR REPLACE FUNCTION tarbox.compose_unlink(p_compose int, p_parent bigint, p_name bytea,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_remove(p_compose, p_parent, p_name, false, p_caller_uid, p_caller_gid, p_caller_pid);
END
$$;
ALTER FUNCTION tarbox.compose_unlink(int, bigint, bytea, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_unlink(int, bigint, bytea, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_unlink(int, bigint, bytea, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_unlink(int, bigint, bytea, bigint, bigint, int) IS
'FUSE unlink in copy-on-write composition p_compose: remove non-directory p_name of shown directory p_parent: the caller''s own entry goes (tarbox.fs_unlink), and a publisher''s entry of that name is hidden by a whiteout (a character device 0/0 in the caller''s tree, made by tarbox.fs_mknod). Errors: EROFS (TX030), ENOENT (TX002), EISDIR (TX021), EACCES (TX013).';
