-- tarbox._blockmap_cut(tenant, head, ino, from_blkno): end every live mapping of block
-- from_blkno and beyond in the head layer (truncate, purge, re-chunk). Mappings born in the
-- head layer are deleted and their blocks released at commit (tarbox._block_drop: deleted
-- when nothing else references them); older ones die at head and stay visible to the layers
-- before. Returns the bytes the file no longer references (>= 0). Caller holds the inode lock.
CREATE OR REPLACE FUNCTION tarbox._blockmap_cut(p_tenant bigint, p_head int, p_ino bigint, p_from bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_hashes bytea[];
    v_gone bigint;
    v_died bigint;
BEGIN
    WITH d AS (
        DELETE FROM tarbox.blockmap m
         WHERE m.tenant_id = p_tenant AND m.ino = p_ino AND m.blkno >= p_from
           AND m.died = 2147483647 AND m.born = p_head
        RETURNING m.hash)
    SELECT array_agg(DISTINCT d.hash),
           coalesce(sum((SELECT octet_length(b.data) FROM tarbox.block b
                          WHERE b.tenant_id = p_tenant AND b.hash = d.hash)), 0)
      INTO v_hashes, v_gone FROM d;
    WITH u AS (
        UPDATE tarbox.blockmap m SET died = p_head
         WHERE m.tenant_id = p_tenant AND m.ino = p_ino AND m.blkno >= p_from
           AND m.died = 2147483647
        RETURNING m.hash)
    SELECT coalesce(sum((SELECT octet_length(b.data) FROM tarbox.block b
                          WHERE b.tenant_id = p_tenant AND b.hash = u.hash)), 0)
      INTO v_died FROM u;
    PERFORM tarbox._block_drop(p_tenant, v_hashes);
    RETURN v_gone + v_died;
END
$$;
ALTER FUNCTION tarbox._blockmap_cut(bigint, int, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._blockmap_cut(bigint, int, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._blockmap_cut(bigint, int, bigint, bigint) TO tarbox_maint;  -- tarbox.tenant_gc expires upload sessions (tarbox._upload_expire)
