CREATE OR REPLACE FUNCTION tarbox._do_fs_readlink(p_ino bigint, p_layer int DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(p_layer, false);
    v tarbox.inode := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
BEGIN
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    ELSIF v.target IS NULL THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s is not a symbolic link', p_ino));
    END IF;
    RETURN v.target;
END
$$;
ALTER FUNCTION tarbox._do_fs_readlink(bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_readlink(bigint, int) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_readlink(bigint, int) IS
'FUSE readlink / readlink(2): the target bytes of symbolic link p_ino at layer p_layer (NULL = current). Errors: ENOENT (TX002), EINVAL (TX022) not a symbolic link.';
