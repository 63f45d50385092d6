-- tarbox._new_inode(ctx, parent, name, mode, rdev, uid, gid, target): create an inode and its
-- entry `name` in directory `parent` in the head layer; the one implementation behind mknod,
-- mkdir, create and symlink. mode is the full st_mode (type bits + permissions, umask already
-- applied by the caller). In a set-group-ID directory the new inode takes the directory's group
-- and a new directory inherits the set-group-ID bit (as on ext4).
-- Errors: ENOENT (parent missing or removed), ENOTDIR, EEXIST, EINVAL (bad name or mode),
-- ENAMETOOLONG.
CREATE OR REPLACE FUNCTION tarbox._new_inode(c tarbox._context, p_parent bigint, p_name bytea,
                                             p_mode int, p_rdev bigint, p_uid bigint, p_gid bigint,
                                             p_target bytea)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    v_par tarbox.inode;
    v_new tarbox.inode;
    v_is_dir boolean := (p_mode & 61440) = 16384;
    v_now bigint := tarbox._now_ns();
BEGIN
    PERFORM tarbox._check_name(p_name);
    IF p_name IN ('\x2e'::bytea, '\x2e2e'::bytea) THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_name)));
    END IF;
    IF p_mode IS NULL OR (p_mode & ~(61440 | 4095)) <> 0
       OR (p_mode & 61440) NOT IN (4096, 8192, 16384, 24576, 32768, 40960, 49152) THEN
        PERFORM tarbox._raise('EINVAL', format('invalid mode %s', p_mode));
    END IF;
    IF p_uid IS NULL OR p_gid IS NULL OR p_uid NOT BETWEEN 0 AND 4294967294
       OR p_gid NOT BETWEEN 0 AND 4294967294 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid owner %s:%s', p_uid, p_gid));
    END IF;
    IF p_target IS NOT NULL AND (octet_length(p_target) = 0 OR octet_length(p_target) > 4095) THEN
        PERFORM tarbox._raise(CASE WHEN octet_length(p_target) = 0 THEN 'ENOENT' ELSE 'ENAMETOOLONG' END,
            format('symbolic link target of %s bytes (1..4095 allowed)', octet_length(p_target)));
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, p_parent);
    v_par := tarbox._inode_at(c.tenant_id, p_parent, c.head);
    IF v_par.ino IS NULL OR v_par.nlink = 0 THEN
        PERFORM tarbox._raise('ENOENT', format('directory inode %s does not exist', p_parent));
    ELSIF (v_par.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_parent));
    END IF;
    IF tarbox._dentry_at(c.tenant_id, p_parent, p_name, c.head) IS NOT NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_name)));
    END IF;

    v_new.tenant_id := c.tenant_id;
    v_new.ino := nextval(format('tarbox.ino_seq_%s', c.tenant_id)::regclass);
    v_new.born := c.head;
    v_new.died := 2147483647;
    v_new.mode := p_mode;
    v_new.gid := p_gid;
    IF (v_par.mode & 1024) <> 0 THEN
        v_new.gid := v_par.gid;
        IF v_is_dir THEN
            v_new.mode := v_new.mode | 1024;
        END IF;
    END IF;
    v_new.nlink := CASE WHEN v_is_dir THEN 2 ELSE 1 END;
    v_new.uid := p_uid;
    v_new.rdev := CASE WHEN (p_mode & 61440) IN (8192, 24576) THEN coalesce(p_rdev, 0) ELSE 0 END;
    v_new.target := CASE WHEN (p_mode & 61440) = 40960 THEN p_target END;
    v_new.size := coalesce(octet_length(v_new.target), 0);
    v_new.atime_ns := v_now;
    v_new.mtime_ns := v_now;
    v_new.ctime_ns := v_now;
    v_new.btime_ns := v_now;
    v_new.stored := 0;
    v_new.text_bytes := 0;
    v_new.text_lines := 0;
    IF ((v_new.mode & 61440) = 40960) <> (p_target IS NOT NULL) THEN
        PERFORM tarbox._raise('EINVAL', 'a symbolic link needs a target and only a symbolic link has one');
    END IF;
    PERFORM tarbox._quota_inodes(c.tenant_id);
    INSERT INTO tarbox.inode VALUES (v_new.*);
    PERFORM tarbox._usage_add(c.tenant_id, 0, 1);
    PERFORM tarbox._dentry_add(c.tenant_id, c.head, p_parent, p_name, v_new.ino);
    PERFORM tarbox._inode_touch(c.tenant_id, c.head, p_parent, CASE WHEN v_is_dir THEN 1 ELSE 0 END, true, true);
    PERFORM tarbox._notify(c.tenant_id, NULL, p_parent, p_name);
    RETURN tarbox._attr(v_new);
END
$$;
ALTER FUNCTION tarbox._new_inode(tarbox._context, bigint, bytea, int, bigint, bigint, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._new_inode(tarbox._context, bigint, bytea, int, bigint, bigint, bigint, bytea) FROM PUBLIC;
