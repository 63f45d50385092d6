CREATE OR REPLACE FUNCTION tarbox._do_fs_setattr(p_ino bigint, p_mode int, p_uid bigint, p_gid bigint,
                                             p_size bigint, p_atime_ns bigint, p_mtime_ns bigint,
                                             p_ctime_ns bigint DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v tarbox.inode;
    k record;
    a tarbox.attr;
BEGIN
    IF p_ino >= 72057594037927936 THEN
        -- a number a composition shows: the caller's copy changes (copied up first; EROFS
        -- unless the composition is copy-on-write), as the mount's compose_setattr
        k := tarbox._compose_number(p_ino);
        PERFORM tarbox._cow_require(k.compose);
        a := tarbox._cow_attr(k.compose, tarbox._do_fs_setattr(tarbox._cow_up(k.compose, k.n), p_mode, p_uid, p_gid,
                                                                p_size, p_atime_ns, p_mtime_ns, p_ctime_ns));
        a.ino := k.base | a.ino;
        RETURN a;
    END IF;
    -- Valid attribute changes (no size) of an inode whose live row was born in the newest layer
    -- (no copy-on-write needed: the common case) are one UPDATE; its row lock orders it with
    -- the other writers of the inode. Anything else takes the general path below.
    IF p_size IS NULL
       AND num_nonnulls(p_mode, p_uid, p_gid, p_atime_ns, p_mtime_ns, p_ctime_ns) > 0
       AND (p_mode IS NULL OR (p_mode & ~(61440 | 4095)) = 0)
       AND (p_uid IS NULL OR p_uid BETWEEN 0 AND 4294967294)
       AND (p_gid IS NULL OR p_gid BETWEEN 0 AND 4294967294) THEN
        v := tarbox._inode_set(c.tenant_id, c.head, p_ino, p_mode, p_uid, p_gid, p_atime_ns,
                               p_mtime_ns, p_ctime_ns);
        IF v.ino IS NOT NULL THEN
            PERFORM tarbox._notify(c.tenant_id, p_ino, NULL, NULL);
            RETURN tarbox._attr(v);
        END IF;
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, p_ino);
    v := tarbox._inode_at(c.tenant_id, p_ino, c.head);
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    END IF;
    IF p_mode IS NOT NULL AND (p_mode & ~(61440 | 4095)) <> 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid mode %s', p_mode));
    END IF;
    IF p_mode IS NOT NULL AND (p_mode & 61440) <> 0 AND (p_mode & 61440) <> (v.mode & 61440) THEN
        PERFORM tarbox._raise('EINVAL', 'setattr cannot change the file type');
    END IF;
    -- 4294967295 is (uid_t) -1, chown(2)'s "leave it": never an owner (fs_create refuses it too)
    IF (p_uid IS NOT NULL AND p_uid NOT BETWEEN 0 AND 4294967294)
       OR (p_gid IS NOT NULL AND p_gid NOT BETWEEN 0 AND 4294967294) THEN
        PERFORM tarbox._raise('EINVAL', format('invalid owner %s:%s', p_uid, p_gid));
    END IF;
    IF p_size IS NOT NULL THEN
        PERFORM tarbox._truncate(c, p_ino, p_size);
    END IF;
    IF p_mode IS NOT NULL OR p_uid IS NOT NULL OR p_gid IS NOT NULL OR p_atime_ns IS NOT NULL
       OR p_mtime_ns IS NOT NULL OR p_ctime_ns IS NOT NULL THEN
        PERFORM tarbox._inode_cow(c.tenant_id, c.head, p_ino);
        PERFORM tarbox._inode_set(c.tenant_id, c.head, p_ino, p_mode, p_uid, p_gid, p_atime_ns,
                                  p_mtime_ns, p_ctime_ns);
    END IF;
    PERFORM tarbox._notify(c.tenant_id, p_ino, NULL, NULL);
    RETURN tarbox._attr(tarbox._inode_at(c.tenant_id, p_ino, c.head));
END
$$;
ALTER FUNCTION tarbox._do_fs_setattr(bigint, int, bigint, bigint, bigint, bigint, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_setattr(bigint, int, bigint, bigint, bigint, bigint, bigint, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_setattr(bigint, int, bigint, bigint, bigint, bigint, bigint, bigint) IS
'FUSE setattr (chmod, chown, truncate, utimensat): change the given attributes of inode p_ino in the newest layer; NULL leaves one unchanged. p_mode: permission bits (07777; file type bits, if given, must match); p_uid/p_gid: 0..2^32-2 (2^32-1 is (uid_t) -1, not an owner); p_size: bytes (shrinking frees blocks, growing makes a hole; mtime/ctime follow when the size changes); times in ns since the epoch; ctime becomes now unless p_ctime_ns is given. Returns the new attributes. A number a composition shows (2^56 | slot << 40 | n) changes the caller''s copy, copied up first, as the mount does (tarbox.compose_setattr). Errors: ENOENT (TX002), EINVAL (TX022), EISDIR (TX021) size on a directory, EFBIG (TX027), EROFS (TX030) historical layer or a read-only composition.';
