CREATE OR REPLACE FUNCTION tarbox._do_fs_mkdir(p_parent bigint, p_name bytea, p_mode int,
                                           p_uid bigint, p_gid bigint)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN tarbox._new_inode(tarbox._ctx(NULL, true), p_parent, p_name,
                             16384 | (coalesce(p_mode, 493) & 4095), 0, p_uid, p_gid, NULL);
END
$$;
ALTER FUNCTION tarbox._do_fs_mkdir(bigint, bytea, int, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_mkdir(bigint, bytea, int, bigint, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_mkdir(bigint, bytea, int, bigint, bigint) IS
'FUSE mkdir / mkdir(2): create directory p_name (bytes) in directory p_parent with permission bits p_mode (umask applied), owner p_uid:p_gid; in a set-group-ID directory it takes the group and the set-group-ID bit. The parent''s link count grows by one. Errors: EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), EINVAL (TX022), ENAMETOOLONG (TX036), EROFS (TX030).';
