CREATE OR REPLACE FUNCTION tarbox.fs_getattr(p_ino bigint, p_layer int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(p_layer, false);
    v tarbox.inode;
BEGIN
    IF p_ino >= 72057594037927936 THEN  -- a number a composition shows: what the mount shows
        RETURN tarbox._compose_shown_attr(p_ino);
    END IF;
    v := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    END IF;
    RETURN tarbox._attr(v);
END
$$;
ALTER FUNCTION tarbox.fs_getattr(bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_getattr(bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_getattr(bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_getattr(bigint, int) IS
'FUSE getattr / stat(2): the attributes of inode p_ino at layer p_layer (NULL = current). A number a composition shows (2^56 | slot << 40 | n, as tarbox.stat, ls and the WASI functions report it) answers what the mount shows there, at any p_layer. Errors: ENOENT (TX002) (also: the composition''s publication is no longer shared), EACCES (TX013) caller is not a tenant.';
