-- tarbox._layer_discard_after(tenant, keep): delete every layer after `keep` and what they hold:
-- rows born after it are deleted, rows that died after it live again. Caller holds the
-- exclusive layer lock. Cost in proportion to the rows changed after `keep` (born/died indexes).
CREATE OR REPLACE FUNCTION tarbox._layer_discard_after(p_tenant bigint, p_keep int)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM tarbox.inode WHERE tenant_id = p_tenant AND born > 1 AND born > p_keep;
    DELETE FROM tarbox.dentry WHERE tenant_id = p_tenant AND born > 1 AND born > p_keep;
    DELETE FROM tarbox.blockmap WHERE tenant_id = p_tenant AND born > 1 AND born > p_keep;
    DELETE FROM tarbox.xattr WHERE tenant_id = p_tenant AND born > 1 AND born > p_keep;
    UPDATE tarbox.inode SET died = 2147483647 WHERE tenant_id = p_tenant AND died <> 2147483647 AND died > p_keep;
    UPDATE tarbox.dentry SET died = 2147483647 WHERE tenant_id = p_tenant AND died <> 2147483647 AND died > p_keep;
    UPDATE tarbox.blockmap SET died = 2147483647 WHERE tenant_id = p_tenant AND died <> 2147483647 AND died > p_keep;
    UPDATE tarbox.xattr SET died = 2147483647 WHERE tenant_id = p_tenant AND died <> 2147483647 AND died > p_keep;
    DELETE FROM tarbox.layer WHERE tenant_id = p_tenant AND layer_id > p_keep;
END
$$;
ALTER FUNCTION tarbox._layer_discard_after(bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._layer_discard_after(bigint, int) FROM PUBLIC;
