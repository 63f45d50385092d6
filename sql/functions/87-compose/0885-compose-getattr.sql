-- The inode API of a composed subtree: what the FUSE bridge's composition component calls (one
-- call per kernel request). Inode numbers are the publisher's; p_compose names the calling
-- tenant's composition. Everything is read at the published layer through tarbox._compose_ctx,
-- under row-level security: the same helpers as the fs_* functions, with the publisher as the
-- context's tenant. Read-only: the bridge answers every change with EROFS.

CREATE OR REPLACE FUNCTION tarbox.compose_getattr(p_compose int, p_ino bigint)
RETURNS tarbox.attr
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v tarbox.inode := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
BEGIN
    IF tarbox._compose_is_cow(p_compose) THEN
        RETURN tarbox._attr(tarbox._cow_inode(p_compose, p_ino));  -- the merged view (88-compose-cow)
    END IF;
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    END IF;
    RETURN tarbox._attr(v);
END
$$;
ALTER FUNCTION tarbox.compose_getattr(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_getattr(int, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_getattr(int, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_getattr(int, bigint) IS
'FUSE getattr in composition p_compose of the calling tenant: the attributes (tarbox.attr) of the publisher''s inode p_ino at the published layer. Errors: ENOENT (TX002) no such inode, composition, or the publication is no longer shared with the caller; EACCES (TX013) not a tenant.';
