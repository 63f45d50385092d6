CREATE OR REPLACE FUNCTION tarbox.compose_write(p_compose int, p_ino bigint, p_offset bigint, p_data bytea,
    p_append boolean DEFAULT false, p_kill_suidgid boolean DEFAULT false,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    RETURN tarbox.fs_write(tarbox._cow_up(p_compose, p_ino), p_offset, p_data, p_append, p_kill_suidgid,
                           p_caller_uid, p_caller_gid, p_caller_pid);
END
$$;
ALTER FUNCTION tarbox.compose_write(int, bigint, bigint, bytea, boolean, boolean, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_write(int, bigint, bigint, bytea, boolean, boolean, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_write(int, bigint, bigint, bytea, boolean, boolean, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_write(int, bigint, bigint, bytea, boolean, boolean, bigint, bigint, int) IS
'FUSE write in copy-on-write composition p_compose: write p_data at byte offset p_offset of shown file p_ino, copying it up first (its data copied into the caller''s own blocks); arguments and result (bytes written) as tarbox.fs_write (recorded by it). Errors: EROFS (TX030) read-only composition, ENOENT (TX002), EISDIR (TX021), EINVAL (TX022), EFBIG (TX027), ENOSPC, EACCES (TX013).';
