CREATE OR REPLACE FUNCTION tarbox.compose_listxattr(p_compose int, p_ino bigint)
RETURNS SETOF bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v_ino bigint := p_ino;
    n record;
BEGIN
    IF tarbox._compose_is_cow(p_compose) THEN
        n := tarbox._cow_node(p_compose, p_ino);  -- the consumer's copy, when it has one
        IF n.upper IS NOT NULL THEN
            c := tarbox._ctx(NULL, false);
            v_ino := n.upper;
        END IF;
    ELSIF tarbox._inode_at(c.tenant_id, p_ino, c.layer) IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    END IF;
    RETURN QUERY
        SELECT x.name FROM tarbox.xattr x
         WHERE x.tenant_id = c.tenant_id AND x.ino = v_ino AND x.born <= c.layer AND x.died > c.layer
         ORDER BY x.name;
END
$$;
ALTER FUNCTION tarbox.compose_listxattr(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_listxattr(int, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_listxattr(int, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_listxattr(int, bigint) IS
'FUSE listxattr in composition p_compose: the names (bytes) of inode p_ino''s extended attributes, sorted (in a copy-on-write composition: the caller''s copy''s when it has one). Errors: ENOENT (TX002), EACCES (TX013).';
