-- 0105: blocks a call stops referencing are released when its transaction commits, not in the
-- middle of the call. A release locks the block rows FOR UPDATE and deletes them; taken before
-- the same call stores its new blocks (a truncation, or the cut of changed chunks, comes first),
-- it let two writers that swap contents between files deadlock on the block rows: each INSERT
-- ... ON CONFLICT waited for the other's uncommitted delete (test_gc_concurrency, "deadlock
-- detected ... ShareLock on transaction" in tarbox.write). At commit no store follows, and the
-- release itself never waits (stripes are tried, rows are locked SKIP LOCKED), so it closes no
-- cycle.
--
-- tarbox._block_drop(tenant, hashes) (sql/functions/00-internal) adds one row per call to
-- block_drop, numbered n = 1, 2, ... within the transaction; the first row (n = 1) queues the
-- deferred constraint trigger below, which at commit deletes the transaction's rows and
-- releases their hashes in one tarbox._block_release. A rolled-back (sub)transaction takes its
-- rows and its queued event with it. SET CONSTRAINTS tarbox.block_drop_at_commit IMMEDIATE
-- releases at the end of each statement instead (as before); it is harmless either way.
-- UNLOGGED: the rows live only inside a transaction (a crash loses nothing that committed).
CREATE UNLOGGED TABLE tarbox.block_drop (
    tenant_id bigint  NOT NULL,
    xid       xid8    NOT NULL,
    n         int     NOT NULL CHECK (n >= 1),
    hashes    bytea[] NOT NULL CHECK (cardinality(hashes) >= 1),
    PRIMARY KEY (tenant_id, xid, n)
);
ALTER TABLE tarbox.block_drop OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.block_drop IS
    'Blocks the open transaction xid stopped referencing (hashes), released when it commits by the deferred trigger block_drop_at_commit; empty between transactions. Written by tarbox._block_drop only.';
ALTER TABLE tarbox.block_drop ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.block_drop FORCE ROW LEVEL SECURITY;
CREATE POLICY block_drop_own ON tarbox.block_drop
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT ALL ON tarbox.block_drop TO tarbox_maint;
ALTER TABLE tarbox.block_drop ALTER COLUMN tenant_id SET STATISTICS 0;
ALTER TABLE tarbox.block_drop ALTER COLUMN xid SET STATISTICS 0;
ALTER TABLE tarbox.block_drop ALTER COLUMN n SET STATISTICS 0;
ALTER TABLE tarbox.block_drop ALTER COLUMN hashes SET STATISTICS 0;

-- The trigger function (here, not in sql/functions, because the trigger needs it): the
-- transaction's rows of the tenant go, their hashes are released once. SECURITY DEFINER owned
-- by tarbox_maint (BYPASSRLS): at commit the current user is the session's, which has no right
-- on block_drop, and the role may no longer be the tenant's (RESET ROLE before COMMIT), so the
-- rows are found by the row that queued the event (tenant, xid), not by tarbox._tenant_id().
-- Only code of the schema writes block_drop (tenants have no privilege on it), so that row is
-- trusted.
CREATE FUNCTION tarbox._block_drop_commit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_hashes bytea[];
BEGIN
    WITH d AS (
        DELETE FROM tarbox.block_drop b
         WHERE b.tenant_id = NEW.tenant_id AND b.xid = NEW.xid
        RETURNING b.hashes)
    SELECT array_agg(DISTINCT h) INTO v_hashes FROM d, unnest(d.hashes) h;
    PERFORM tarbox._block_release(NEW.tenant_id, v_hashes);
    RETURN NULL;
END
$$;
ALTER FUNCTION tarbox._block_drop_commit() OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._block_drop_commit() FROM PUBLIC;
COMMENT ON FUNCTION tarbox._block_drop_commit() IS
'Trigger function of block_drop_at_commit: releases the blocks the committing transaction dropped (tarbox._block_release).';

CREATE CONSTRAINT TRIGGER block_drop_at_commit AFTER INSERT ON tarbox.block_drop
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.n = 1) EXECUTE FUNCTION tarbox._block_drop_commit();
