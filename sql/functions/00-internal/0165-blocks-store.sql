-- tarbox._blocks_store(tenant, hashes, datas): tarbox._block_store for many blocks at once
-- (hashes[i] = sha256(datas[i]), computed by the caller; duplicates allowed): one INSERT for
-- all of them, one usage update, one statement taking the KEY SHARE locks that keep the
-- collector away until this transaction ends; a block a collector deleted in between is
-- inserted again. Used where a re-chunk stores a run of chunks. Errors: EDQUOT.
CREATE OR REPLACE FUNCTION tarbox._blocks_store(p_tenant bigint, p_hashes bytea[], p_datas bytea[])
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_quota bigint;
    v_new bigint;
    v_want int;
    v_locked int;
BEGIN
    IF p_hashes IS NULL OR cardinality(p_hashes) = 0 THEN
        RETURN;
    END IF;
    SELECT count(DISTINCT h) INTO v_want FROM unnest(p_hashes) h;
    LOOP
        WITH ins AS (
            INSERT INTO tarbox.block (tenant_id, hash, data)
            SELECT DISTINCT ON (x.h) p_tenant, x.h, x.d FROM unnest(p_hashes, p_datas) AS x(h, d)
            ON CONFLICT (tenant_id, hash) DO NOTHING
            RETURNING octet_length(data) AS n)
        SELECT coalesce(sum(n), 0) INTO v_new FROM ins;
        IF v_new > 0 THEN
            SELECT t.quota_bytes INTO v_quota FROM tarbox.tenant t WHERE t.tenant_id = p_tenant;
            IF v_quota IS NOT NULL AND (tarbox._usage_of(p_tenant)).bytes + v_new > v_quota THEN
                PERFORM tarbox._raise('EDQUOT', format(
                    'byte quota of %s bytes exceeded (%s stored); remove files, drop layers, then run tarbox.gc()',
                    v_quota, (tarbox._usage_of(p_tenant)).bytes));
            END IF;
            PERFORM tarbox._usage_add(p_tenant, v_new, 0);
        END IF;
        SELECT count(*) INTO v_locked
          FROM (SELECT 1 FROM tarbox.block b
                 WHERE b.tenant_id = p_tenant AND b.hash = ANY (p_hashes) FOR KEY SHARE) l;
        EXIT WHEN v_locked = v_want;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._blocks_store(bigint, bytea[], bytea[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._blocks_store(bigint, bytea[], bytea[]) FROM PUBLIC;
