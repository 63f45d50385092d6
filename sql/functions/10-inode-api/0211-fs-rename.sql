-- tarbox._fs_rename_once(...): one attempt of tarbox._do_fs_rename (see its comment, in
-- 0244-fs-rename-retry.sql, which retries this attempt when it is chosen as a deadlock victim).
CREATE OR REPLACE FUNCTION tarbox._fs_rename_once(p_parent bigint, p_name bytea, p_newparent bigint,
                                                  p_newname bytea, p_flags int DEFAULT 0)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v_flags int := coalesce(p_flags, 0);
    v_p1 tarbox.inode;
    v_p2 tarbox.inode;
    v_src bigint;
    v_dst bigint;
    v_s tarbox.inode;
    v_d tarbox.inode;
    v_s_dir boolean;
    v_d_dir boolean;
    v_serial boolean := false;
BEGIN
    IF v_flags NOT IN (0, 1, 2) THEN
        PERFORM tarbox._raise('EINVAL', format('unsupported rename flags %s (RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2)', v_flags));
    END IF;
    PERFORM tarbox._check_name(p_name);
    PERFORM tarbox._check_name(p_newname);
    IF p_name IN ('\x2e'::bytea, '\x2e2e'::bytea) OR p_newname IN ('\x2e'::bytea, '\x2e2e'::bytea) THEN
        PERFORM tarbox._raise('EBUSY', 'cannot rename ''.'' or ''..''');
    END IF;
    -- A directory moving to another parent: one such rename per tenant at a time (see
    -- tarbox._rename_lock), taken before the inode locks. Decided on a look without locks;
    -- re-checked below under the parents' locks.
    IF p_parent <> p_newparent
       AND ((tarbox._inode_at(c.tenant_id, tarbox._dentry_at(c.tenant_id, p_parent, p_name, c.head), c.head)).mode & 61440 = 16384
            OR (v_flags = 2 AND (tarbox._inode_at(c.tenant_id, tarbox._dentry_at(c.tenant_id, p_newparent, p_newname, c.head), c.head)).mode & 61440 = 16384)) THEN
        PERFORM tarbox._rename_lock(c.tenant_id);
        v_serial := true;
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, least(p_parent, p_newparent));
    PERFORM tarbox._lock_inode(c.tenant_id, greatest(p_parent, p_newparent));
    v_p1 := tarbox._inode_at(c.tenant_id, p_parent, c.head);
    v_p2 := tarbox._inode_at(c.tenant_id, p_newparent, c.head);
    IF v_p1.ino IS NULL OR v_p2.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', 'directory does not exist');
    ELSIF (v_p1.mode & 61440) <> 16384 OR (v_p2.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', 'rename parent is not a directory');
    ELSIF v_p2.nlink = 0 THEN
        PERFORM tarbox._raise('ENOENT', 'target directory has been removed');
    END IF;
    v_src := tarbox._dentry_at(c.tenant_id, p_parent, p_name, c.head);
    IF v_src IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_name)));
    END IF;
    v_dst := tarbox._dentry_at(c.tenant_id, p_newparent, p_newname, c.head);
    IF v_flags = 2 AND v_dst IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory (RENAME_EXCHANGE)', tarbox._name_text(p_newname)));
    ELSIF v_flags = 1 AND v_dst IS NOT NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists (RENAME_NOREPLACE)', tarbox._name_text(p_newname)));
    END IF;
    IF v_src = v_dst THEN
        RETURN;  -- both names link the same inode: POSIX says do nothing
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, least(v_src, coalesce(v_dst, v_src)));
    PERFORM tarbox._lock_inode(c.tenant_id, greatest(v_src, coalesce(v_dst, v_src)));
    v_s := tarbox._inode_at(c.tenant_id, v_src, c.head);
    v_s_dir := (v_s.mode & 61440) = 16384;
    IF v_dst IS NOT NULL THEN
        v_d := tarbox._inode_at(c.tenant_id, v_dst, c.head);
        v_d_dir := (v_d.mode & 61440) = 16384;
    END IF;
    IF p_parent <> p_newparent AND NOT v_serial AND (v_s_dir OR (v_flags = 2 AND v_d_dir)) THEN
        -- The entry became a directory since the look above (another session replaced it):
        -- take the rename lock now. A rename holding it and waiting for one of our inode
        -- locks makes a deadlock, which PostgreSQL breaks (40P01; callers retry).
        PERFORM tarbox._rename_lock(c.tenant_id);
        v_serial := true;
    END IF;
    -- (Statements from here on see every rename committed before the rename lock was ours.)
    IF v_s_dir AND p_parent <> p_newparent
       AND tarbox._is_ancestor(c.tenant_id, c.head, v_src, p_newparent) THEN
        PERFORM tarbox._raise('EINVAL', 'cannot move a directory into itself or its own subdirectory');
    END IF;

    IF v_flags = 2 THEN
        IF v_d_dir AND p_parent <> p_newparent
           AND tarbox._is_ancestor(c.tenant_id, c.head, v_dst, p_parent) THEN
            PERFORM tarbox._raise('EINVAL', 'cannot move a directory into itself or its own subdirectory');
        END IF;
        PERFORM tarbox._dentry_kill(c.tenant_id, c.head, p_parent, p_name);
        PERFORM tarbox._dentry_kill(c.tenant_id, c.head, p_newparent, p_newname);
        PERFORM tarbox._dentry_add(c.tenant_id, c.head, p_parent, p_name, v_dst);
        PERFORM tarbox._dentry_add(c.tenant_id, c.head, p_newparent, p_newname, v_src);
        IF p_parent <> p_newparent AND v_s_dir <> v_d_dir THEN
            PERFORM tarbox._inode_touch(c.tenant_id, c.head, p_parent, CASE WHEN v_s_dir THEN -1 ELSE 1 END, false, false);
            PERFORM tarbox._inode_touch(c.tenant_id, c.head, p_newparent, CASE WHEN v_s_dir THEN 1 ELSE -1 END, false, false);
        END IF;
        PERFORM tarbox._inode_touch(c.tenant_id, c.head, v_dst, 0, false, true);
    ELSE
        IF v_dst IS NOT NULL THEN
            IF v_s_dir AND NOT v_d_dir THEN
                PERFORM tarbox._raise('ENOTDIR', format('%s is not a directory', tarbox._name_text(p_newname)));
            ELSIF NOT v_s_dir AND v_d_dir THEN
                PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_newname)));
            ELSIF v_d_dir AND EXISTS (SELECT 1 FROM tarbox.dentry d
                                       WHERE d.tenant_id = c.tenant_id AND d.parent_ino = v_dst
                                         AND d.died = 2147483647) THEN
                PERFORM tarbox._raise('ENOTEMPTY', format('%s: directory not empty', tarbox._name_text(p_newname)));
            END IF;
            PERFORM tarbox._dentry_kill(c.tenant_id, c.head, p_newparent, p_newname);
            IF v_d_dir THEN
                PERFORM tarbox._inode_touch(c.tenant_id, c.head, v_dst, -v_d.nlink, false, true);
                PERFORM tarbox._inode_touch(c.tenant_id, c.head, p_newparent, -1, false, false);
            ELSE
                PERFORM tarbox._inode_touch(c.tenant_id, c.head, v_dst, -1, false, true);
            END IF;
        END IF;
        PERFORM tarbox._dentry_kill(c.tenant_id, c.head, p_parent, p_name);
        PERFORM tarbox._dentry_add(c.tenant_id, c.head, p_newparent, p_newname, v_src);
        IF v_s_dir AND p_parent <> p_newparent THEN
            PERFORM tarbox._inode_touch(c.tenant_id, c.head, p_parent, -1, false, false);
            PERFORM tarbox._inode_touch(c.tenant_id, c.head, p_newparent, 1, false, false);
        END IF;
    END IF;
    PERFORM tarbox._inode_touch(c.tenant_id, c.head, v_src, 0, false, true);
    PERFORM tarbox._inode_touch(c.tenant_id, c.head, p_parent, 0, true, true);
    IF p_newparent <> p_parent THEN
        PERFORM tarbox._inode_touch(c.tenant_id, c.head, p_newparent, 0, true, true);
    END IF;
    PERFORM tarbox._notify(c.tenant_id, v_src, p_parent, p_name);
    PERFORM tarbox._notify(c.tenant_id, coalesce(v_dst, v_src), p_newparent, p_newname);
END
$$;
ALTER FUNCTION tarbox._fs_rename_once(bigint, bytea, bigint, bytea, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._fs_rename_once(bigint, bytea, bigint, bytea, int) FROM PUBLIC;
