-- tarbox._dentry_kill(tenant, head, parent, name): end the live entry in the head layer: a row
-- born in the head layer is deleted (no layer ever saw it), an older one gets died = head so the
-- layers before still see it.
-- Why plan_cache_mode = force_custom_plan: after five calls PL/pgSQL switched both statements to
-- a generic plan, and without column statistics (migration 0041) its estimates for the
-- entry's key index (dentry_live, or the primary key) and for dentry_readdir (tenant, parent,
-- cookie) tie, and it took dentry_readdir: every rename and unlink read all the entries of the
-- directory (0.8-0.9 ms a call in a directory of 2,000). A custom plan sees the values and
-- takes the key.
CREATE OR REPLACE FUNCTION tarbox._dentry_kill(p_tenant bigint, p_head int, p_parent bigint, p_name bytea)
RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_custom_plan
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
