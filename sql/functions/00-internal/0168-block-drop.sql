-- tarbox._block_drop(tenant, hashes): the caller stopped referencing blocks p_hashes of tenant
-- p_tenant; release them (tarbox._block_release: deleted when nothing else references them)
-- when the transaction commits, after every store of the call (see migration 0105, which says
-- why: releasing before a store let writers deadlock on the block rows). A caller without a
-- tenant role (an administrator's maintenance: no row of block_drop is its own) releases at once.
CREATE OR REPLACE FUNCTION tarbox._block_drop(p_tenant bigint, p_hashes bytea[])
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_xid xid8;
BEGIN
    IF p_hashes IS NULL OR cardinality(p_hashes) = 0 THEN
        RETURN;
    END IF;
    IF tarbox._tenant_id() IS DISTINCT FROM p_tenant THEN
        PERFORM tarbox._block_release(p_tenant, p_hashes);
        RETURN;
    END IF;
    v_xid := pg_current_xact_id();
    INSERT INTO tarbox.block_drop (tenant_id, xid, n, hashes)
    SELECT p_tenant, v_xid, coalesce(max(b.n), 0) + 1, p_hashes
      FROM tarbox.block_drop b WHERE b.tenant_id = p_tenant AND b.xid = v_xid;
END
$$;
ALTER FUNCTION tarbox._block_drop(bigint, bytea[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._block_drop(bigint, bytea[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._block_drop(bigint, bytea[]) TO tarbox_maint;  -- tarbox.tenant_gc expires upload sessions (tarbox._upload_expire)
