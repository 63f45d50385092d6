-- tarbox._inode_at(tenant, ino, layer): the version of an inode visible at a layer (the newest
-- version born at or before it, if it has not died by then); all fields NULL when none.
-- One backward probe of the primary key, whatever the layer depth. PL/pgSQL rather than SQL
-- because PL/pgSQL keeps the plan for the session, while a SQL function is planned per call.
CREATE OR REPLACE FUNCTION tarbox._inode_at(p_tenant bigint, p_ino bigint, p_layer int)
RETURNS tarbox.inode
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v tarbox.inode;
BEGIN
    SELECT * INTO v FROM tarbox.inode i
     WHERE i.tenant_id = p_tenant AND i.ino = p_ino AND i.born <= p_layer
     ORDER BY i.born DESC LIMIT 1;
    IF v.died > p_layer THEN
        RETURN v;
    END IF;
    RETURN NULL;
END
$$;
ALTER FUNCTION tarbox._inode_at(bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._inode_at(bigint, bigint, int) FROM PUBLIC;
