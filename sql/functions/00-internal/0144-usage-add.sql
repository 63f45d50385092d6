-- tarbox._usage_add(tenant, bytes, inodes): add to the tenant's usage counters (content bytes
-- stored in blocks, live inodes of the newest layer), on the stripe of this backend: concurrent
-- writers of one tenant land on different rows (16 stripes), so no single hot row serialises
-- them. The row lock is held until commit, like any update.
CREATE OR REPLACE FUNCTION tarbox._usage_add(p_tenant bigint, p_bytes bigint, p_inodes bigint)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_bytes = 0 AND p_inodes = 0 THEN
        RETURN;
    END IF;
    INSERT INTO tarbox.usage_delta AS u (tenant_id, stripe, bytes, inodes)
    VALUES (p_tenant, (pg_backend_pid() % 16)::smallint, p_bytes, p_inodes)
    ON CONFLICT (tenant_id, stripe) DO UPDATE
       SET bytes = u.bytes + excluded.bytes, inodes = u.inodes + excluded.inodes;
END
$$;
ALTER FUNCTION tarbox._usage_add(bigint, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._usage_add(bigint, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._usage_add(bigint, bigint, bigint) TO tarbox_maint;

-- tarbox._usage_of(tenant): (bytes, inodes) used, the sum of the tenant's counter stripes as
-- this transaction sees them (committed work of others plus its own).
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

-- tarbox._usage_reset(tenant): recount the tenant's usage exactly (block bytes, live inodes of
-- the newest layer) and replace its stripes with the result. Callers hold the tenant's layer
-- lock exclusively (no writer in flight): layer discard, gc.
CREATE OR REPLACE FUNCTION tarbox._usage_reset(p_tenant bigint)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM tarbox.usage_delta u WHERE u.tenant_id = p_tenant;
    INSERT INTO tarbox.usage_delta (tenant_id, stripe, bytes, inodes)
    SELECT p_tenant, 0,
           (SELECT coalesce(sum(octet_length(b.data)), 0) FROM tarbox.block b WHERE b.tenant_id = p_tenant),
           (SELECT count(*) FROM tarbox.inode i WHERE i.tenant_id = p_tenant AND i.died = 2147483647);
END
$$;
ALTER FUNCTION tarbox._usage_reset(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._usage_reset(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._usage_reset(bigint) TO tarbox_maint;
