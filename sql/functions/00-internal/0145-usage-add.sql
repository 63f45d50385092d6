-- tarbox._usage_add(tenant, bytes, inodes): add to the tenant's usage counters (content bytes
-- stored in blocks, live inodes of the newest layer), on the row of this backend (stripe = its
-- pid): two running transactions never update the same row, so counting neither serialises a
-- tenant's writers nor adds a lock they could deadlock on. Now and then (1 call in 1,000) the
-- rows of backends that are gone are folded into row 0 (tarbox._usage_fold), so the rows to
-- sum stay about as many as the tenant's connections.
CREATE OR REPLACE FUNCTION tarbox._usage_add(p_tenant bigint, p_bytes bigint, p_inodes bigint)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_bytes = 0 AND p_inodes = 0 THEN
        RETURN;
    END IF;
    INSERT INTO tarbox.usage_delta AS u (tenant_id, stripe, bytes, inodes)
    VALUES (p_tenant, pg_backend_pid(), p_bytes, p_inodes)
    ON CONFLICT (tenant_id, stripe) DO UPDATE
       SET bytes = u.bytes + excluded.bytes, inodes = u.inodes + excluded.inodes;
    IF random() < 0.001 THEN
        PERFORM tarbox._usage_fold(p_tenant);
    END IF;
END
$$;
ALTER FUNCTION tarbox._usage_add(bigint, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._usage_add(bigint, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._usage_add(bigint, bigint, bigint) TO tarbox_maint;

-- tarbox._usage_fold(tenant): add the counter rows of backends that no longer exist to row 0
-- and delete them. Never waits: when another backend holds row 0 (folding too), it does nothing.
-- Returns the number of rows folded.
CREATE OR REPLACE FUNCTION tarbox._usage_fold(p_tenant bigint)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
    v_bytes bigint;
    v_inodes bigint;
    v_n int;
BEGIN
    INSERT INTO tarbox.usage_delta (tenant_id, stripe, bytes, inodes) VALUES (p_tenant, 0, 0, 0)
    ON CONFLICT (tenant_id, stripe) DO NOTHING;
    PERFORM 1 FROM tarbox.usage_delta u WHERE u.tenant_id = p_tenant AND u.stripe = 0 FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    WITH gone AS (
        DELETE FROM tarbox.usage_delta u
         WHERE u.tenant_id = p_tenant AND u.stripe <> 0 AND u.stripe <> pg_backend_pid()
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_get_activity(NULL) a WHERE a.pid = u.stripe)
        RETURNING u.bytes, u.inodes)
    SELECT coalesce(sum(bytes), 0), coalesce(sum(inodes), 0), count(*) INTO v_bytes, v_inodes, v_n FROM gone;
    UPDATE tarbox.usage_delta u SET bytes = u.bytes + v_bytes, inodes = u.inodes + v_inodes
     WHERE u.tenant_id = p_tenant AND u.stripe = 0;
    RETURN v_n;
END
$$;
ALTER FUNCTION tarbox._usage_fold(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._usage_fold(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._usage_fold(bigint) TO tarbox_maint;

-- tarbox._usage_of(tenant): (bytes, inodes) used, the sum of the tenant's counter rows as this
-- transaction sees them (committed work of others plus its own).
CREATE OR REPLACE FUNCTION tarbox._usage_of(p_tenant bigint, OUT bytes bigint, OUT inodes bigint)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    SELECT coalesce(sum(u.bytes), 0), coalesce(sum(u.inodes), 0) INTO bytes, inodes
      FROM tarbox.usage_delta u WHERE u.tenant_id = p_tenant;
END
$$;
ALTER FUNCTION tarbox._usage_of(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._usage_of(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._usage_of(bigint) TO tarbox_maint;
