-- tarbox._parent_of(tenant, dir, layer): the directory holding directory `dir` at a layer (a
-- directory has exactly one entry); the root is its own parent. NULL for an unlinked directory.
CREATE OR REPLACE FUNCTION tarbox._parent_of(p_tenant bigint, p_dir bigint, p_layer int)
RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_parent bigint;
BEGIN
    IF p_dir = 1 THEN
        RETURN 1;
    END IF;
    SELECT d.parent_ino INTO v_parent FROM tarbox.dentry d
     WHERE d.tenant_id = p_tenant AND d.ino = p_dir AND d.born <= p_layer AND d.died > p_layer
     LIMIT 1;
    RETURN v_parent;
END
$$;
ALTER FUNCTION tarbox._parent_of(bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._parent_of(bigint, bigint, int) FROM PUBLIC;
