-- tarbox._dentry_at(tenant, parent, name, layer): the inode a name points to in a directory at
-- a layer, or NULL. One backward probe of the primary key.
CREATE OR REPLACE FUNCTION tarbox._dentry_at(p_tenant bigint, p_parent bigint, p_name bytea, p_layer int)
RETURNS bigint
LANGUAGE sql STABLE
AS $$
    SELECT v.ino
      FROM (SELECT d.ino, d.died FROM tarbox.dentry d
             WHERE d.tenant_id = p_tenant AND d.parent_ino = p_parent AND d.name = p_name
               AND d.born <= p_layer
             ORDER BY d.born DESC LIMIT 1) v
     WHERE v.died > p_layer
$$;
ALTER FUNCTION tarbox._dentry_at(bigint, bigint, bytea, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._dentry_at(bigint, bigint, bytea, int) FROM PUBLIC;
