-- tarbox._compose_ctx(compose_id): the context in which the calling tenant reads its composition
-- p_compose: tenant_id = the publisher, layer = head = the published layer. Every read of a
-- composed subtree goes through the ordinary helpers (_inode_at, _dentry_at, _read ...) with this
-- context; row-level security (the *_published policies of 0100-compose.sql) is what lets them
-- see the publisher's rows, and only those of the published layer.
-- The composition, the caller's grant (which carries the layer) and a public publication are
-- what row-level security shows the caller of those tables: a revoked grant is simply gone.
-- Errors: EACCES (TX013) not a tenant; ENOENT (TX002) no such composition, or its publication is
-- no longer public nor granted to the caller (revoked).
CREATE OR REPLACE FUNCTION tarbox._compose_ctx(p_compose int) RETURNS tarbox._context
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_me bigint := tarbox._tenant_id();
    v tarbox._context;
BEGIN
    IF v_me IS NULL THEN
        PERFORM tarbox._raise('EACCES', format(
            'role %s is not a tenant: compositions are read as a tenant (SET ROLE to its role)', tarbox._caller()));
    END IF;
    SELECT k.publisher_id, coalesce(g.layer_id, p.layer_id) INTO v.tenant_id, v.layer
      FROM tarbox.composition k
      LEFT JOIN tarbox.publication_grant g
             ON g.tenant_id = v_me AND g.publisher_id = k.publisher_id AND g.name = k.publication
      LEFT JOIN tarbox.publication p
             ON p.tenant_id = k.publisher_id AND p.name = k.publication AND p.public
     WHERE k.tenant_id = v_me AND k.compose_id = p_compose
       AND coalesce(g.layer_id, p.layer_id) IS NOT NULL;
    v.head := v.layer;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format(
            'composition %s does not exist or its publication is no longer shared with this tenant', p_compose));
    END IF;
    RETURN v;
END
$$;
ALTER FUNCTION tarbox._compose_ctx(int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_ctx(int) FROM PUBLIC;
