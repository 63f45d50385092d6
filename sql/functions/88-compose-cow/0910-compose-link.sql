CREATE OR REPLACE FUNCTION tarbox.compose_link(p_compose int, p_ino bigint, p_newparent bigint, p_newname bytea,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_dir bigint;
    v_ino bigint;
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    IF ((tarbox._cow_inode(p_compose, p_ino)).mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EPERM', 'cannot hard-link a directory');
    END IF;
    v_dir := tarbox._cow_new_entry(p_compose, p_newparent, p_newname);
    v_ino := tarbox._cow_up(p_compose, p_ino);
    RETURN tarbox._cow_attr(p_compose, tarbox.fs_link(v_ino, v_dir, p_newname, p_caller_uid, p_caller_gid, p_caller_pid));
END
$$;
ALTER FUNCTION tarbox.compose_link(int, bigint, bigint, bytea, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_link(int, bigint, bigint, bytea, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_link(int, bigint, bigint, bytea, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_link(int, bigint, bigint, bytea, bigint, bigint, int) IS
'FUSE link in copy-on-write composition p_compose: hard link p_newname (bytes) in shown directory p_newparent to shown file p_ino, which is copied up first (recorded by tarbox.fs_link); both names then show the same number. Returns the attributes with the shown number. Errors: EPERM (TX001) a directory, EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), EMLINK, EROFS (TX030) read-only composition, EACCES (TX013).';
