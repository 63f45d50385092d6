CREATE OR REPLACE FUNCTION tarbox._do_fs_create(p_parent bigint, p_name bytea, p_mode int,
                                            p_uid bigint, p_gid bigint, p_flags int DEFAULT 0)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v_ino bigint;
    v tarbox.inode;
BEGIN
    PERFORM tarbox._check_name(p_name);
    v_ino := tarbox._dentry_at(c.tenant_id, p_parent, p_name, c.head);
    IF v_ino IS NULL THEN
        RETURN tarbox._new_inode(c, p_parent, p_name, 32768 | (coalesce(p_mode, 420) & 4095), 0,
                                 p_uid, p_gid, NULL);
    END IF;
    -- The name exists (another mount or SQL session created it since the kernel's lookup).
    IF (coalesce(p_flags, 0) & 128) <> 0 THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_name)));
    END IF;
    IF (coalesce(p_flags, 0) & 512) <> 0 THEN  -- O_TRUNC changes the inode
        PERFORM tarbox._lock_inode(c.tenant_id, v_ino);
    END IF;
    v := tarbox._inode_at(c.tenant_id, v_ino, c.head);
    IF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_name)));
    END IF;
    IF (coalesce(p_flags, 0) & 512) <> 0 AND (v.mode & 61440) = 32768 THEN
        PERFORM tarbox._truncate(c, v_ino, 0, true);
        IF p_uid <> 0 THEN  -- (the caller's uid: root has CAP_FSETID, others do not)
            PERFORM tarbox._kill_suid(c, v_ino);
        END IF;
    END IF;
    RETURN tarbox._attr(tarbox._inode_at(c.tenant_id, v_ino, c.head));
END
$$;
ALTER FUNCTION tarbox._do_fs_create(bigint, bytea, int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_create(bigint, bytea, int, bigint, bigint, int) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_create(bigint, bytea, int, bigint, bigint, int) IS
'FUSE create / open(2) with O_CREAT: create regular file p_name (bytes) in directory p_parent with permission bits p_mode (umask applied), owner p_uid:p_gid. If the name already exists: EEXIST with O_EXCL (p_flags & 0200), else the existing file is opened (truncated with O_TRUNC, p_flags & 01000, which clears the set-user-ID/set-group-ID bits when p_uid, the caller, is not 0). Errors: EEXIST (TX017), EISDIR (TX021), ENOENT (TX002), ENOTDIR (TX020), ENAMETOOLONG (TX036), EROFS (TX030).';
