CREATE OR REPLACE FUNCTION tarbox.compose_getxattr(p_compose int, p_ino bigint, p_name bytea)
RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v_ino bigint := p_ino;
    n record;
    v_value bytea;
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
    PERFORM tarbox._check_xattr_name(p_name);
    SELECT x.value INTO v_value
      FROM (SELECT x.value, x.died FROM tarbox.xattr x
             WHERE x.tenant_id = c.tenant_id AND x.ino = v_ino AND x.name = p_name AND x.born <= c.layer
             ORDER BY x.born DESC LIMIT 1) x
     WHERE x.died > c.layer;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENODATA', format('no attribute %s', tarbox._name_text(p_name)));
    END IF;
    RETURN v_value;
END
$$;
ALTER FUNCTION tarbox.compose_getxattr(int, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_getxattr(int, bigint, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_getxattr(int, bigint, bytea) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_getxattr(int, bigint, bytea) IS
'FUSE getxattr in composition p_compose: the value (bytes) of extended attribute p_name of inode p_ino (in a copy-on-write composition: of the caller''s copy when it has one, else the publisher''s). Errors: ENODATA (TX061), ENOENT (TX002), EOPNOTSUPP (TX095) system.* names, EINVAL (TX022), EACCES (TX013).';
