-- tarbox._dentry_add(tenant, head, parent, name, ino): add a live entry in the head layer.
-- Caller has checked that the name is free and holds the parent's lock.
CREATE OR REPLACE FUNCTION tarbox._dentry_add(p_tenant bigint, p_head int, p_parent bigint,
                                              p_name bytea, p_ino bigint)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO tarbox.dentry (tenant_id, parent_ino, name, born, died, ino)
    VALUES (p_tenant, p_parent, p_name, p_head, 2147483647, p_ino);
END
$$;
ALTER FUNCTION tarbox._dentry_add(bigint, int, bigint, bytea, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._dentry_add(bigint, int, bigint, bytea, bigint) FROM PUBLIC;
