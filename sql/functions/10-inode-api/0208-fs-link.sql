CREATE OR REPLACE FUNCTION tarbox._do_fs_link(p_ino bigint, p_newparent bigint, p_newname bytea)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v_par tarbox.inode;
    v tarbox.inode;
BEGIN
    PERFORM tarbox._check_name(p_newname);
    PERFORM tarbox._lock_inode(c.tenant_id, p_newparent);
    PERFORM tarbox._lock_inode(c.tenant_id, p_ino);
    v_par := tarbox._inode_at(c.tenant_id, p_newparent, c.head);
    v := tarbox._inode_at(c.tenant_id, p_ino, c.head);
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    ELSIF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EPERM', 'hard links to directories are not allowed');
    ELSIF v.nlink = 0 THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s has been removed', p_ino));
    ELSIF v.nlink >= 65000 THEN
        PERFORM tarbox._raise('EMLINK', format('inode %s has too many links', p_ino));
    ELSIF v_par.ino IS NULL OR v_par.nlink = 0 THEN
        PERFORM tarbox._raise('ENOENT', format('directory inode %s does not exist', p_newparent));
    ELSIF (v_par.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_newparent));
    ELSIF p_newname IN ('\x2e'::bytea, '\x2e2e'::bytea)
          OR tarbox._dentry_at(c.tenant_id, p_newparent, p_newname, c.head) IS NOT NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_newname)));
    END IF;
    PERFORM tarbox._dentry_add(c.tenant_id, c.head, p_newparent, p_newname, p_ino);
    PERFORM tarbox._inode_touch(c.tenant_id, c.head, p_ino, 1, false, true);
    PERFORM tarbox._inode_touch(c.tenant_id, c.head, p_newparent, 0, true, true);
    PERFORM tarbox._notify(c.tenant_id, p_ino, p_newparent, p_newname);
    RETURN tarbox._attr(tarbox._inode_at(c.tenant_id, p_ino, c.head));
END
$$;
ALTER FUNCTION tarbox._do_fs_link(bigint, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_link(bigint, bigint, bytea) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_link(bigint, bigint, bytea) IS
'FUSE link / link(2): add hard link p_newname (bytes) in directory p_newparent to inode p_ino; nlink grows by one, ctime updated. Errors: EPERM (TX001) directory, EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), EMLINK (TX031), ENAMETOOLONG (TX036), EROFS (TX030).';
