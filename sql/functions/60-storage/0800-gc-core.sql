-- tarbox._gc(tenant): mark and sweep one tenant's blocks: every block that no block map or chunk
-- map row references, in any layer, is deleted, safely while the tenant is being written
-- (tarbox._block_release: a block a concurrent transaction holds locked because it is about to
-- reference it is skipped, and references are checked again after the lock). Holds the
-- tenant's layer lock shared, like a writer, so no layer is dropped or discarded meanwhile.
-- Also folds the usage counters of backends that are gone (tarbox._usage_fold) and drops the
-- tenant's expired upload sessions and download URLs (tarbox._upload_expire).
-- Returns (blocks freed, bytes freed, blocks kept after the sweep, milliseconds).
CREATE OR REPLACE FUNCTION tarbox._gc(p_tenant bigint, OUT blocks_freed bigint, OUT bytes_freed bigint,
                                      OUT blocks_kept bigint, OUT ms numeric)
LANGUAGE plpgsql
AS $$
DECLARE
    v_t0 timestamptz := clock_timestamp();
    v_candidates bytea[];
    r record;
BEGIN
    -- the layer lock (tarbox._layer_lock takes it exclusively), shared as a writer holds it
    PERFORM pg_advisory_xact_lock_shared(t.lock_key) FROM tarbox.tenant t WHERE t.tenant_id = p_tenant;
    PERFORM tarbox._usage_fold(p_tenant);
    -- first the tenant's expired upload sessions and download URLs go (with their staged data),
    -- whether the tenant collects its own or an administrator runs tarbox.tenant_gc (as
    -- tarbox_maint, BYPASSRLS): an abandoned upload of a tenant that never calls gc again must
    -- not keep its staged blocks for ever
    PERFORM tarbox._upload_expire(p_tenant, (SELECT l.layer_id FROM tarbox.layer l WHERE l.tenant_id = p_tenant
                                              ORDER BY l.layer_id DESC LIMIT 1));
    SELECT array_agg(b.hash) INTO v_candidates
      FROM tarbox.block b
     WHERE b.tenant_id = p_tenant
       AND NOT EXISTS (SELECT 1 FROM tarbox.blockmap m WHERE m.tenant_id = p_tenant AND m.hash = b.hash)
       AND NOT EXISTS (SELECT 1 FROM tarbox.chunkmap k WHERE k.tenant_id = p_tenant AND k.hash = b.hash);
    r := tarbox._block_release(p_tenant, v_candidates);
    blocks_freed := r.blocks;
    bytes_freed := r.bytes;
    SELECT count(*) INTO blocks_kept FROM tarbox.block b WHERE b.tenant_id = p_tenant;
    ms := round(extract(epoch FROM clock_timestamp() - v_t0)::numeric * 1000, 1);
    PERFORM tarbox._audit_for(p_tenant, 'gc', jsonb_build_object('blocks_freed', blocks_freed, 'blocks_kept', blocks_kept, 'ms', ms), bytes_freed);
END
$$;
ALTER FUNCTION tarbox._gc(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._gc(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._gc(bigint) TO tarbox_maint;

-- tarbox._usage(tenant): one tenant's storage figures (see tarbox.usage). Reads only the
-- tenant's own rows.
CREATE OR REPLACE FUNCTION tarbox._usage(p_tenant bigint)
RETURNS TABLE (logical_bytes bigint, referenced_bytes bigint, unique_bytes bigint, stored_bytes bigint,
               metadata_bytes bigint, garbage_bytes bigint, inodes bigint, layers bigint, blocks bigint,
               text_files bigint, chunks bigint, dedup_ratio numeric,
               used_bytes bigint, used_inodes bigint, quota_bytes bigint, quota_inodes bigint, quota_layers int,
               text_max_bytes bigint, text_max_lines bigint)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    u record;
BEGIN
    u := tarbox._usage_of(p_tenant);
    RETURN QUERY
    WITH live AS (
        SELECT coalesce(sum(i.size) FILTER (WHERE (i.mode & 61440) = 32768), 0)::bigint AS logical,
               coalesce(sum(i.stored), 0)::bigint AS referenced,
               count(*) AS n,
               count(*) FILTER (WHERE i.text_bytes > 0) AS texts
          FROM tarbox.inode i WHERE i.tenant_id = p_tenant AND i.died = 2147483647),
    blk AS (
        SELECT coalesce(sum(octet_length(b.data)), 0)::bigint AS uniq,
               coalesce(sum(pg_column_size(b.data)), 0)::bigint AS stored,
               count(*) AS n
          FROM tarbox.block b WHERE b.tenant_id = p_tenant),
    garbage AS (
        SELECT coalesce(sum(octet_length(b.data)), 0)::bigint AS bytes
          FROM tarbox.block b
         WHERE b.tenant_id = p_tenant
           AND NOT EXISTS (SELECT 1 FROM tarbox.blockmap m WHERE m.tenant_id = p_tenant AND m.hash = b.hash)
           AND NOT EXISTS (SELECT 1 FROM tarbox.chunkmap k WHERE k.tenant_id = p_tenant AND k.hash = b.hash)),
    meta AS (
        SELECT (SELECT coalesce(sum(pg_column_size(x.*)), 0) FROM tarbox.inode x WHERE x.tenant_id = p_tenant)
             + (SELECT coalesce(sum(pg_column_size(x.*)), 0) FROM tarbox.dentry x WHERE x.tenant_id = p_tenant)
             + (SELECT coalesce(sum(pg_column_size(x.*)), 0) FROM tarbox.blockmap x WHERE x.tenant_id = p_tenant)
             + (SELECT coalesce(sum(pg_column_size(x.*)), 0) FROM tarbox.chunkmap x WHERE x.tenant_id = p_tenant)
             + (SELECT coalesce(sum(pg_column_size(x.*)), 0) FROM tarbox.xattr x WHERE x.tenant_id = p_tenant) AS bytes,
               (SELECT count(*) FROM tarbox.chunkmap x WHERE x.tenant_id = p_tenant AND x.died = 2147483647) AS chunks)
    SELECT live.logical, live.referenced, blk.uniq, blk.stored, meta.bytes::bigint, garbage.bytes,
           live.n, (SELECT count(*) FROM tarbox.layer l WHERE l.tenant_id = p_tenant), blk.n,
           live.texts, meta.chunks,
           CASE WHEN blk.uniq > 0 THEN round(live.referenced::numeric / blk.uniq, 3) END,
           u.bytes, u.inodes, t.quota_bytes, t.quota_inodes, t.quota_layers, t.text_max_bytes, t.text_max_lines
      FROM live, blk, garbage, meta, tarbox.tenant t
     WHERE t.tenant_id = p_tenant;
END
$$;
ALTER FUNCTION tarbox._usage(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._usage(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._usage(bigint) TO tarbox_maint;
