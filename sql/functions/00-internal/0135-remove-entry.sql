-- tarbox._remove_entry(ctx, parent, name, dir): remove entry `name` from directory `parent` in
-- the head layer: unlink(2) when p_dir is false, rmdir(2) when true. The inode's link count
-- drops (a directory's to 0, and its parent loses a link); an inode left with no link stays
-- until tarbox.fs_forget / tarbox.purge_orphans, so files unlinked while open remain readable.
-- Returns the inode number. Errors: ENOENT, ENOTDIR, EISDIR (unlink of a directory), ENOTEMPTY,
-- EBUSY (the root), EINVAL (rmdir of '.'), ENAMETOOLONG.
CREATE OR REPLACE FUNCTION tarbox._remove_entry(c tarbox._context, p_parent bigint, p_name bytea, p_dir boolean)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_par tarbox.inode;
    v_ino bigint;
    v tarbox.inode;
BEGIN
    PERFORM tarbox._check_name(p_name);
    IF p_name = '\x2e'::bytea THEN
        PERFORM tarbox._raise('EINVAL', 'cannot remove ''.''');
    ELSIF p_name = '\x2e2e'::bytea THEN
        PERFORM tarbox._raise('ENOTEMPTY', 'cannot remove ''..''');
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, p_parent);
    v_par := tarbox._inode_at(c.tenant_id, p_parent, c.head);
    IF v_par.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('directory inode %s does not exist', p_parent));
    ELSIF (v_par.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_parent));
    END IF;
    v_ino := tarbox._dentry_at(c.tenant_id, p_parent, p_name, c.head);
    IF v_ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_name)));
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, v_ino);
    v := tarbox._inode_at(c.tenant_id, v_ino, c.head);
    IF p_dir THEN
        IF (v.mode & 61440) <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('%s is not a directory', tarbox._name_text(p_name)));
        END IF;
        IF EXISTS (SELECT 1 FROM tarbox.dentry d
                    WHERE d.tenant_id = c.tenant_id AND d.parent_ino = v_ino AND d.died = 2147483647) THEN
            PERFORM tarbox._raise('ENOTEMPTY', format('%s: directory not empty', tarbox._name_text(p_name)));
        END IF;
    ELSIF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_name)));
    END IF;
    PERFORM tarbox._dentry_kill(c.tenant_id, c.head, p_parent, p_name);
    IF p_dir THEN
        PERFORM tarbox._inode_touch(c.tenant_id, c.head, v_ino, -v.nlink, false, true);
        PERFORM tarbox._inode_touch(c.tenant_id, c.head, p_parent, -1, true, true);
    ELSE
        PERFORM tarbox._inode_touch(c.tenant_id, c.head, v_ino, -1, false, true);
        PERFORM tarbox._inode_touch(c.tenant_id, c.head, p_parent, 0, true, true);
    END IF;
    PERFORM tarbox._notify(c.tenant_id, v_ino, p_parent, p_name);
    RETURN v_ino;
END
$$;
ALTER FUNCTION tarbox._remove_entry(tarbox._context, bigint, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._remove_entry(tarbox._context, bigint, bytea, boolean) FROM PUBLIC;
