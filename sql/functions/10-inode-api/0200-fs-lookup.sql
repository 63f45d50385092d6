CREATE OR REPLACE FUNCTION tarbox._do_fs_lookup(p_parent bigint, p_name bytea, p_layer int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(p_layer, false);
    v_dir tarbox.inode := tarbox._inode_at(c.tenant_id, p_parent, c.layer);
    v_ino bigint;
BEGIN
    IF v_dir.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('directory inode %s does not exist', p_parent));
    ELSIF (v_dir.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_parent));
    END IF;
    PERFORM tarbox._check_name(p_name);
    v_ino := CASE p_name WHEN '\x2e'::bytea THEN p_parent
                         WHEN '\x2e2e'::bytea THEN tarbox._parent_of(c.tenant_id, p_parent, c.layer)
                         ELSE tarbox._dentry_at(c.tenant_id, p_parent, p_name, c.layer) END;
    IF v_ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_name)));
    END IF;
    RETURN tarbox._attr(tarbox._inode_at(c.tenant_id, v_ino, c.layer));
END
$$;
ALTER FUNCTION tarbox._do_fs_lookup(bigint, bytea, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_lookup(bigint, bytea, int) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_lookup(bigint, bytea, int) IS
'FUSE lookup: the attributes (tarbox.attr) of entry p_name (bytes) in directory inode p_parent, at layer p_layer (NULL = current). ''.'' and ''..'' resolve to the directory and its parent. Errors: ENOENT (TX002) no such entry or directory, ENOTDIR (TX020), ENAMETOOLONG (TX036) name over 255 bytes, EINVAL (TX022) bad name, EACCES (TX013) caller is not a tenant.';
