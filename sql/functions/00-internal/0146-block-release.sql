-- tarbox._block_release(tenant, hashes): a reference to each of these blocks has just been
-- removed; delete those that no block map or chunk map row references any more (garbage the
-- moment it was replaced: the old version of a block rewritten in the layer it was born in, a
-- file deleted in the layer it was made in). A block some other transaction holds locked (it
-- is about to reference it, see _block_store) is skipped, never waited for; the references are
-- checked after the lock is taken (a new statement, so a new snapshot under READ COMMITTED).
-- Two transactions that each drop a reference to the same block (two files with a common chunk
-- rewritten at once) would each still see the other's reference and both keep the block: so a
-- releaser first takes a transaction advisory lock on the hash's stripe (one of 64 per tenant)
-- and checks under it. The lock is only tried, never waited for: a transaction releases in
-- several calls (chunks, then blocks) while holding row locks of the blocks it is about to
-- reference, so waiting deadlocked writers (tests/storage/test_gc_concurrency.py: with a wait
-- in every call, and with a wait in the first call only, against the block row locks); the
-- hashes of a stripe another releaser holds are skipped and left for gc.
-- Only up to 64 hashes per call take stripes; bulk releases (layer discard and drop, under
-- the exclusive layer lock; gc) need none.
-- The release of a few hashes (the hot path: a write that replaced a block, a text file
-- re-chunked at release) goes hash by hash, each statement an equality probe of block's primary
-- key and of blockmap_hash / chunkmap_hash. Set-based forms left the choice to the generic plan
-- of the session (tenant columns have no statistics: an estimate of 7 rows per tenant), and
-- each chose a scan of the tenant's rows: NOT EXISTS anti-joins a Materialize of all its
-- blockmap rows (4 ms per release with 1,847 rows: 6.0 of the 37 s of server CPU of a Django
-- extract); b.hash = ANY (p_hashes) a filter on an index scan of all its blocks (3.5 ms on a
-- tenant of 15,000 blocks); a join with unnest(p_hashes), planned while block was empty, a
-- hash join over a sequential scan of every tenant's blocks (3.6 ms per release, 35 of 88 s of
-- server CPU in an extract right after the tables had been vacuumed empty).
-- Anything skipped is left for tarbox.gc(). Returns the blocks and bytes freed.
CREATE OR REPLACE FUNCTION tarbox._block_release(p_tenant bigint, p_hashes bytea[],
                                                 OUT blocks bigint, OUT bytes bigint)
LANGUAGE plpgsql
-- generic plans: the statements are index probes whatever the hashes; replanning them for
-- every call (the plan cache's custom plans) cost more than running them
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_locked bytea[];
    v_h bytea;
    v_n bigint;
BEGIN
    blocks := 0;
    bytes := 0;
    IF p_hashes IS NULL OR cardinality(p_hashes) = 0 THEN
        RETURN;
    END IF;
    IF cardinality(p_hashes) <= 64 THEN
        -- One of 64 stripes per tenant (the first byte of the hash, mod 64), keyed by the
        -- tenant's secret lock key: a transaction holds at most 64 such locks however many
        -- blocks it releases, and pg_locks shows neither the tenant nor the content's hash.
        SELECT array_agg(h) INTO p_hashes
          FROM unnest(p_hashes) h
         WHERE get_byte(h, 0) % 64 = ANY (ARRAY(
                   SELECT x.stripe
                     FROM tarbox.tenant t,
                          (SELECT DISTINCT get_byte(h2, 0) % 64 AS stripe FROM unnest(p_hashes) h2) x
                    WHERE t.tenant_id = p_tenant AND pg_try_advisory_xact_lock(t.lock_key # (1 + x.stripe))));
        IF p_hashes IS NULL THEN
            RETURN;
        END IF;
    END IF;
    IF cardinality(p_hashes) <= 64 THEN
        -- hash by hash: every statement is a probe of a primary key or of blockmap_hash /
        -- chunkmap_hash by equality with a parameter, the only plan that stays cheap whatever
        -- the statistics were when the session planned it
        FOREACH v_h IN ARRAY ARRAY(SELECT DISTINCT h FROM unnest(p_hashes) h) LOOP
            PERFORM 1 FROM tarbox.block b
              WHERE b.tenant_id = p_tenant AND b.hash = v_h
                AND NOT EXISTS (SELECT 1 FROM tarbox.blockmap m WHERE m.tenant_id = p_tenant AND m.hash = v_h)
                AND NOT EXISTS (SELECT 1 FROM tarbox.chunkmap k WHERE k.tenant_id = p_tenant AND k.hash = v_h)
                FOR UPDATE SKIP LOCKED;
            CONTINUE WHEN NOT FOUND;
            DELETE FROM tarbox.block b
             WHERE b.tenant_id = p_tenant AND b.hash = v_h
               AND NOT EXISTS (SELECT 1 FROM tarbox.blockmap m WHERE m.tenant_id = p_tenant AND m.hash = v_h)
               AND NOT EXISTS (SELECT 1 FROM tarbox.chunkmap k WHERE k.tenant_id = p_tenant AND k.hash = v_h)
            RETURNING octet_length(b.data) INTO v_n;
            IF FOUND THEN
                blocks := blocks + 1;
                bytes := bytes + v_n;
            END IF;
        END LOOP;
    ELSE
        -- bulk (layer discard and drop, gc): one pass over the tenant's blocks
        SELECT array_agg(b.hash) INTO v_locked
          FROM (SELECT b.hash FROM tarbox.block b
                 WHERE b.tenant_id = p_tenant AND b.hash = ANY (p_hashes)
                   AND (SELECT true FROM tarbox.blockmap m WHERE m.tenant_id = p_tenant AND m.hash = b.hash LIMIT 1) IS NULL
                   AND (SELECT true FROM tarbox.chunkmap k WHERE k.tenant_id = p_tenant AND k.hash = b.hash LIMIT 1) IS NULL
                 FOR UPDATE SKIP LOCKED) b;
        IF v_locked IS NULL THEN
            RETURN;
        END IF;
        WITH gone AS (
            DELETE FROM tarbox.block b
             WHERE b.tenant_id = p_tenant AND b.hash = ANY (v_locked)
               AND (SELECT true FROM tarbox.blockmap m WHERE m.tenant_id = p_tenant AND m.hash = b.hash LIMIT 1) IS NULL
               AND (SELECT true FROM tarbox.chunkmap k WHERE k.tenant_id = p_tenant AND k.hash = b.hash LIMIT 1) IS NULL
            RETURNING octet_length(b.data) AS n)
        SELECT count(*), coalesce(sum(n), 0) INTO blocks, bytes FROM gone;
    END IF;
    PERFORM tarbox._usage_add(p_tenant, -bytes, 0);
END
$$;
ALTER FUNCTION tarbox._block_release(bigint, bytea[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._block_release(bigint, bytea[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._block_release(bigint, bytea[]) TO tarbox_maint;
