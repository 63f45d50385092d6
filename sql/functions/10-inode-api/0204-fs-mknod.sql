CREATE OR REPLACE FUNCTION tarbox._do_fs_mknod(p_parent bigint, p_name bytea, p_mode int, p_rdev bigint,
                                           p_uid bigint, p_gid bigint)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
BEGIN
    IF (p_mode & 61440) NOT IN (4096, 8192, 24576, 32768, 49152) THEN
        PERFORM tarbox._raise('EINVAL', format('mknod cannot create file type %s', p_mode & 61440));
    END IF;
    RETURN tarbox._new_inode(tarbox._ctx(NULL, true), p_parent, p_name, p_mode, p_rdev, p_uid, p_gid, NULL);
END
$$;
ALTER FUNCTION tarbox._do_fs_mknod(bigint, bytea, int, bigint, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_mknod(bigint, bytea, int, bigint, bigint, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_mknod(bigint, bytea, int, bigint, bigint, bigint) IS
'FUSE mknod / mknod(2): create a FIFO, socket, character or block device (rdev = device number) or empty regular file named p_name (bytes) in directory p_parent. p_mode is st_mode with umask applied; owner p_uid:p_gid (group of a set-group-ID directory wins). Errors: EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), EINVAL (TX022), ENAMETOOLONG (TX036), EROFS (TX030).';
