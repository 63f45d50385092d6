-- The inode API of a composed subtree: what the FUSE bridge's composition component calls (one
-- call per kernel request). Inode numbers are the publisher's; p_compose names the calling
-- tenant's composition. Everything is read at the published layer through tarbox._compose_ctx,
-- under row-level security: the same helpers as the fs_* functions, with the publisher as the
-- context's tenant. Read-only: the bridge answers every change with EROFS.

CREATE OR REPLACE FUNCTION tarbox.compose_getattr(p_compose int, p_ino bigint)
RETURNS tarbox.attr
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox._attr(tarbox._compose_node(p_compose, p_ino));  -- ro, or the merged view of cow (0869)
END
$$;
ALTER FUNCTION tarbox.compose_getattr(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_getattr(int, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_getattr(int, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_getattr(int, bigint) IS
'FUSE getattr in composition p_compose of the calling tenant: the attributes (tarbox.attr) of the publisher''s inode p_ino at the published layer. Errors: ENOENT (TX002) no such inode, composition, or the publication is no longer shared with the caller; EACCES (TX013) not a tenant.';
