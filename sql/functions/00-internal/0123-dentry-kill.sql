-- tarbox._dentry_kill(tenant, head, parent, name): end the live entry in the head layer: a row
-- born in the head layer is deleted (no layer ever saw it), an older one gets died = head so the
-- layers before still see it.
CREATE OR REPLACE FUNCTION tarbox._dentry_kill(p_tenant bigint, p_head int, p_parent bigint, p_name bytea)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM tarbox.dentry d
     WHERE d.tenant_id = p_tenant AND d.parent_ino = p_parent AND d.name = p_name
       AND d.died = 2147483647 AND d.born = p_head;
    IF NOT FOUND THEN
        UPDATE tarbox.dentry d SET died = p_head
         WHERE d.tenant_id = p_tenant AND d.parent_ino = p_parent AND d.name = p_name
           AND d.died = 2147483647;
    END IF;
END
$$;
ALTER FUNCTION tarbox._dentry_kill(bigint, int, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._dentry_kill(bigint, int, bigint, bytea) FROM PUBLIC;
