-- tarbox._layer_discard_after(tenant, keep): delete every layer after `keep` and what they hold:
-- rows born after it are deleted, rows that died after it live again; blocks only the deleted
-- rows referenced are deleted too, and the live-inode count follows. Caller holds the
-- exclusive layer lock. Cost in proportion to the rows changed after `keep` (born/died indexes).
CREATE OR REPLACE FUNCTION tarbox._layer_discard_after(p_tenant bigint, p_keep int)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_hashes bytea[];
    v_more bytea[];
    v_gone bigint;
    v_back bigint;
BEGIN
    PERFORM tarbox._layer_unpublished(p_tenant, p_keep + 1, 2147483647);
    WITH d AS (DELETE FROM tarbox.inode WHERE tenant_id = p_tenant AND born > 1 AND born > p_keep
               RETURNING died)
    SELECT count(*) FILTER (WHERE died = 2147483647) INTO v_gone FROM d;
    DELETE FROM tarbox.dentry WHERE tenant_id = p_tenant AND born > 1 AND born > p_keep;
    WITH d AS (DELETE FROM tarbox.blockmap WHERE tenant_id = p_tenant AND born > 1 AND born > p_keep
               RETURNING hash)
    SELECT array_agg(DISTINCT hash) INTO v_hashes FROM d;
    WITH d AS (DELETE FROM tarbox.chunkmap WHERE tenant_id = p_tenant AND born > 1 AND born > p_keep
               RETURNING hash)
    SELECT array_agg(DISTINCT hash) INTO v_more FROM d;
    DELETE FROM tarbox.xattr WHERE tenant_id = p_tenant AND born > 1 AND born > p_keep;
    WITH u AS (UPDATE tarbox.inode SET died = 2147483647
                WHERE tenant_id = p_tenant AND died <> 2147483647 AND died > p_keep RETURNING 1)
    SELECT count(*) INTO v_back FROM u;
    UPDATE tarbox.dentry SET died = 2147483647 WHERE tenant_id = p_tenant AND died <> 2147483647 AND died > p_keep;
    UPDATE tarbox.blockmap SET died = 2147483647 WHERE tenant_id = p_tenant AND died <> 2147483647 AND died > p_keep;
    UPDATE tarbox.chunkmap SET died = 2147483647 WHERE tenant_id = p_tenant AND died <> 2147483647 AND died > p_keep;
    UPDATE tarbox.xattr SET died = 2147483647 WHERE tenant_id = p_tenant AND died <> 2147483647 AND died > p_keep;
    DELETE FROM tarbox.layer WHERE tenant_id = p_tenant AND layer_id > p_keep;
    PERFORM tarbox._block_release(p_tenant, coalesce(v_hashes, '{}') || coalesce(v_more, '{}'));
    PERFORM tarbox._usage_add(p_tenant, 0, v_back - v_gone);
END
$$;
ALTER FUNCTION tarbox._layer_discard_after(bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._layer_discard_after(bigint, int) FROM PUBLIC;
