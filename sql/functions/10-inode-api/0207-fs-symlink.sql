CREATE OR REPLACE FUNCTION tarbox._do_fs_symlink(p_parent bigint, p_name bytea, p_target bytea,
                                             p_uid bigint, p_gid bigint)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_target IS NULL OR position('\x00'::bytea IN p_target) > 0 THEN
        PERFORM tarbox._raise('EINVAL', 'a symbolic link target cannot be NULL or contain NUL');
    END IF;
    RETURN tarbox._new_inode(tarbox._ctx(NULL, true), p_parent, p_name, 41471, 0, p_uid, p_gid, p_target);
END
$$;
ALTER FUNCTION tarbox._do_fs_symlink(bigint, bytea, bytea, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_symlink(bigint, bytea, bytea, bigint, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_symlink(bigint, bytea, bytea, bigint, bigint) IS
'FUSE symlink / symlink(2): create symbolic link p_name (bytes) in directory p_parent pointing at p_target (1..4095 bytes, not resolved), mode 0777, owner p_uid:p_gid. Errors: EEXIST (TX017), ENOENT (TX002) empty target or missing parent, ENOTDIR (TX020), ENAMETOOLONG (TX036), EINVAL (TX022), EROFS (TX030).';
