-- tarbox._dentry_at(tenant, parent, name, layer): the inode a name points to in a directory at
-- a layer, or NULL. One backward probe of the primary key.
CREATE OR REPLACE FUNCTION tarbox._dentry_at(p_tenant bigint, p_parent bigint, p_name bytea, p_layer int)
RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_ino bigint;
    v_died int;
BEGIN
    SELECT d.ino, d.died INTO v_ino, v_died FROM tarbox.dentry d
     WHERE d.tenant_id = p_tenant AND d.parent_ino = p_parent AND d.name = p_name AND d.born <= p_layer
     ORDER BY d.born DESC LIMIT 1;
    RETURN CASE WHEN v_died > p_layer THEN v_ino END;
END
$$;
ALTER FUNCTION tarbox._dentry_at(bigint, bigint, bytea, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._dentry_at(bigint, bigint, bytea, int) FROM PUBLIC;
