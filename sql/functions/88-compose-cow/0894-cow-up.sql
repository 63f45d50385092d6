-- tarbox._cow_up(compose, shown ino): the consumer's inode for shown inode p_ino of its cow
-- composition p_compose, copied up first when it is still the publisher's: its directory is
-- copied up (recursively, up to the mount point, the copy of the publisher's root), then the
-- entry is made in the consumer's current layer with the publisher's mode, owner, times, xattrs
-- and, for a regular file, its data written into the consumer's own blocks (never referenced
-- across tenants). tarbox.compose_origin records the copy so that the shown number stays.
-- Runs inside the caller's change: one SQL call, one transaction.
-- Errors: ENOENT (TX002) no such inode, or the mount point is missing (mount again: compose_prepare).
CREATE OR REPLACE FUNCTION tarbox._cow_up(p_compose int, p_ino bigint) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    n record := tarbox._cow_node(p_compose, p_ino);
    c tarbox._context;
    u tarbox._context := tarbox._ctx(NULL, true);
    v tarbox.inode;
    x record;
    v_parent bigint;
    v_up bigint;
    v_name bytea;
    v_new bigint;
    v_off bigint := 0;
    v_data bytea;
BEGIN
    IF n.upper IS NOT NULL THEN
        RETURN n.upper;
    END IF;
    c := tarbox._compose_ctx(p_compose);
    IF n.lower = 1 THEN
        SELECT (tarbox._walk(u, convert_to(k.mount_path, 'UTF8'), false)).ino INTO v_new
          FROM tarbox.composition k WHERE k.tenant_id = u.tenant_id AND k.compose_id = p_compose;
        IF v_new IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('the mount point of composition %s is missing: mount again', p_compose));
        END IF;
        DELETE FROM tarbox.compose_origin o WHERE o.tenant_id = u.tenant_id AND o.compose_id = p_compose
                                               AND (o.ino = v_new OR o.origin_ino = 1);
        INSERT INTO tarbox.compose_origin (tenant_id, compose_id, ino, origin_ino) VALUES (u.tenant_id, p_compose, v_new, 1);
        RETURN v_new;
    END IF;
    v := tarbox._inode_at(c.tenant_id, n.lower, c.layer);
    v_parent := tarbox._parent_of(c.tenant_id, n.lower, c.layer);
    SELECT d.name INTO v_name FROM tarbox.dentry d
     WHERE d.tenant_id = c.tenant_id AND d.parent_ino = v_parent AND d.ino = n.lower
       AND d.born <= c.layer AND d.died > c.layer
     ORDER BY d.cookie LIMIT 1;
    v_up := tarbox._cow_up(p_compose, v_parent);
    IF tarbox._dentry_at(u.tenant_id, v_up, v_name, u.layer) IS NOT NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s is hidden in composition %s', p_ino, p_compose));
    END IF;
    CASE v.mode & 61440
        WHEN 16384 THEN v_new := (tarbox._do_fs_mkdir(v_up, v_name, v.mode & 4095, v.uid, v.gid)).ino;
        WHEN 32768 THEN
            v_new := (tarbox._do_fs_create(v_up, v_name, v.mode, v.uid, v.gid, 0)).ino;
            WHILE v_off < v.size LOOP
                v_data := tarbox._read(c.tenant_id, c.layer, v, v_off, tarbox._io_max());
                EXIT WHEN v_data IS NULL OR length(v_data) = 0;
                PERFORM tarbox._do_fs_write(v_new, v_off, v_data);
                v_off := v_off + length(v_data);
            END LOOP;
        WHEN 40960 THEN v_new := (tarbox._do_fs_symlink(v_up, v_name, v.target, v.uid, v.gid)).ino;
        ELSE v_new := (tarbox._do_fs_mknod(v_up, v_name, v.mode, v.rdev, v.uid, v.gid)).ino;
    END CASE;
    FOR x IN SELECT a.name, a.value FROM tarbox.xattr a
              WHERE a.tenant_id = c.tenant_id AND a.ino = n.lower AND a.born <= c.layer AND a.died > c.layer LOOP
        PERFORM tarbox._do_fs_setxattr(v_new, x.name, x.value, 0);
    END LOOP;
    IF (v.mode & 61440) <> 40960 THEN
        PERFORM tarbox._do_fs_setattr(v_new, v.mode & 4095, NULL, NULL, NULL, v.atime_ns, v.mtime_ns);
    END IF;
    INSERT INTO tarbox.compose_origin (tenant_id, compose_id, ino, origin_ino) VALUES (u.tenant_id, p_compose, v_new, n.lower)
    ON CONFLICT (tenant_id, compose_id, origin_ino) DO UPDATE SET ino = EXCLUDED.ino;
    RETURN v_new;
END
$$;
ALTER FUNCTION tarbox._cow_up(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_up(int, bigint) FROM PUBLIC;
