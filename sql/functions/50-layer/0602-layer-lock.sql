-- tarbox._layer_lock(): take the calling tenant's layer lock exclusively (writes take it shared)
-- and return a fresh context: checkpoints, switches and drops are serialised with each other and
-- with every write, so the history stays linear and no write lands in a layer being frozen.
-- (The lock is the advisory lock on the secret tarbox.tenant.lock_key, see tarbox._ctx.)
CREATE OR REPLACE FUNCTION tarbox._layer_lock()
RETURNS tarbox._context
LANGUAGE plpgsql
AS $$
DECLARE
    v_tenant bigint := (tarbox._ctx(NULL, false)).tenant_id;
BEGIN
    PERFORM pg_advisory_xact_lock(t.lock_key) FROM tarbox.tenant t WHERE t.tenant_id = v_tenant;
    RETURN tarbox._ctx(NULL, false);  -- re-read after the lock: a new statement, a new snapshot
END
$$;
ALTER FUNCTION tarbox._layer_lock() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._layer_lock() FROM PUBLIC;
