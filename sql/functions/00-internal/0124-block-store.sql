-- tarbox._block_store(tenant, data): store one block's bytes (1..65536) content-addressed and
-- return its sha256. Storing content the tenant already holds writes no block; either way the
-- block row is KEY SHARE locked until this transaction ends, so the collector (which deletes
-- only rows it can lock FOR UPDATE SKIP LOCKED) cannot take it away before the reference this
-- transaction is about to make commits. If a collector deleted the row between the insert
-- attempt and the lock, the loop stores it again (INSERT ... ON CONFLICT waits for a deleter
-- in flight, then inserts).
-- A new block counts against the tenant's byte quota. Errors: EDQUOT.
CREATE OR REPLACE FUNCTION tarbox._block_store(p_tenant bigint, p_data bytea) RETURNS bytea
LANGUAGE plpgsql
AS $$
DECLARE
    v_hash bytea := sha256(p_data);
    v_quota bigint;
    v_new boolean;
BEGIN
    LOOP
        v_new := false;
        INSERT INTO tarbox.block (tenant_id, hash, data) VALUES (p_tenant, v_hash, p_data)
        ON CONFLICT (tenant_id, hash) DO NOTHING
        RETURNING true INTO v_new;
        IF v_new THEN
            SELECT t.quota_bytes INTO v_quota FROM tarbox.tenant t WHERE t.tenant_id = p_tenant;
            IF v_quota IS NOT NULL
               AND (tarbox._usage_of(p_tenant)).bytes + octet_length(p_data) > v_quota THEN
                PERFORM tarbox._raise('EDQUOT', format(
                    'byte quota of %s bytes exceeded (%s stored); remove files, drop layers, then run tarbox.gc()',
                    v_quota, (tarbox._usage_of(p_tenant)).bytes));
            END IF;
            PERFORM tarbox._usage_add(p_tenant, octet_length(p_data), 0);
            RETURN v_hash;
        END IF;
        PERFORM 1 FROM tarbox.block b WHERE b.tenant_id = p_tenant AND b.hash = v_hash FOR KEY SHARE;
        IF FOUND THEN
            RETURN v_hash;
        END IF;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._block_store(bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._block_store(bigint, bytea) FROM PUBLIC;
