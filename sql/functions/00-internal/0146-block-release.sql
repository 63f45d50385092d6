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
-- Every probe is by hash: the blocks by a join of the hashes with block's primary key, the
-- references by scalar subqueries with LIMIT 1 (an index probe of blockmap_hash /
-- chunkmap_hash each). The generic plan of the obvious forms (tenant columns have no
-- statistics: an estimate of 7 rows per tenant) read all of the tenant's rows per call: NOT
-- EXISTS anti-joins put every blockmap row of the tenant into a Materialize (4 ms per release
-- with 1,847 rows during a Django extract: 6.0 of its 37 s of server CPU), and b.hash = ANY
-- (p_hashes) became a filter on an index scan of the tenant's blocks (3.5 ms per release on a
-- tenant of 15,000 blocks, /tmp-style loop of 1,000 tar-like files: 6.7 of 17.8 ms per file).
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
    SELECT array_agg(b.hash) INTO v_locked
      FROM (SELECT b.hash FROM (SELECT DISTINCT h FROM unnest(p_hashes) h) x
              JOIN tarbox.block b ON b.tenant_id = p_tenant AND b.hash = x.h
             WHERE (SELECT true FROM tarbox.blockmap m WHERE m.tenant_id = p_tenant AND m.hash = b.hash LIMIT 1) IS NULL
               AND (SELECT true FROM tarbox.chunkmap k WHERE k.tenant_id = p_tenant AND k.hash = b.hash LIMIT 1) IS NULL
             FOR UPDATE OF b SKIP LOCKED) b;
    IF v_locked IS NULL THEN
        RETURN;
    END IF;
    WITH gone AS (
        DELETE FROM tarbox.block b
         USING unnest(v_locked) x(h)
         WHERE b.tenant_id = p_tenant AND b.hash = x.h
           AND (SELECT true FROM tarbox.blockmap m WHERE m.tenant_id = p_tenant AND m.hash = b.hash LIMIT 1) IS NULL
           AND (SELECT true FROM tarbox.chunkmap k WHERE k.tenant_id = p_tenant AND k.hash = b.hash LIMIT 1) IS NULL
        RETURNING octet_length(b.data) AS n)
    SELECT count(*), coalesce(sum(n), 0) INTO blocks, bytes FROM gone;
    PERFORM tarbox._usage_add(p_tenant, -bytes, 0);
END
$$;
ALTER FUNCTION tarbox._block_release(bigint, bytea[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._block_release(bigint, bytea[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._block_release(bigint, bytea[]) TO tarbox_maint;
