-- tarbox._ctx(layer, write): the context of one API call: the calling tenant, the layer it reads
-- (p_layer, or the tenant's current layer when NULL) and the newest layer.
-- For a write it also takes the tenant's layer lock in shared mode (a checkpoint takes it
-- exclusively, so no write lands in a layer being frozen) and requires the layer to be the
-- newest one. The layer lock is the transaction-scoped advisory lock on tarbox.tenant.lock_key
-- (secret and random: pg_locks does not tell who holds it; tenants cannot take advisory locks).
-- One advisory lock per transaction, whatever the transaction does: the shared lock table
-- cannot be filled through it.
-- Errors: EACCES when the caller is not a tenant role; ENOENT for an unknown layer; EROFS for a
-- write to a historical layer.
CREATE OR REPLACE FUNCTION tarbox._ctx(p_layer int, p_write boolean) RETURNS tarbox._context
LANGUAGE plpgsql
AS $$
DECLARE
    v tarbox._context;
BEGIN
    v.tenant_id := tarbox._tenant_id();
    IF v.tenant_id IS NULL THEN
        PERFORM tarbox._raise('EACCES', format(
            'role %s is not a tenant: connect as a tenant role or SET ROLE to one (tarbox tenant info NAME shows it)',
            tarbox._caller()));
    END IF;
    IF p_write THEN
        PERFORM pg_advisory_xact_lock_shared(t.lock_key) FROM tarbox.tenant t
          WHERE t.tenant_id = v.tenant_id;
    END IF;
    -- The newest layer by a backward probe of the layer primary key (ORDER BY .. LIMIT 1 keeps
    -- the planner on the index even before the layer table has statistics; max() did not,
    -- and scanned every layer of every tenant on each call).
    SELECT t.current_layer,
           (SELECT l.layer_id FROM tarbox.layer l WHERE l.tenant_id = t.tenant_id
             ORDER BY l.layer_id DESC LIMIT 1)
      INTO v.layer, v.head
      FROM tarbox.tenant t
     WHERE t.tenant_id = v.tenant_id;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('EACCES', format('tenant %s no longer exists', v.tenant_id));
    END IF;
    IF p_layer IS NOT NULL AND p_layer <> v.layer THEN
        IF NOT EXISTS (SELECT 1 FROM tarbox.layer l
                        WHERE l.tenant_id = v.tenant_id AND l.layer_id = p_layer) THEN
            PERFORM tarbox._raise('ENOENT', format('no layer %s', p_layer));
        END IF;
        v.layer := p_layer;
    END IF;
    IF p_write AND v.layer <> v.head THEN
        PERFORM tarbox._raise('EROFS', format(
            'layer %s is a historical layer and read-only; switch to the newest layer (%s) or create a new layer on it',
            v.layer, v.head));
    END IF;
    RETURN v;
END
$$;
ALTER FUNCTION tarbox._ctx(int, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._ctx(int, boolean) FROM PUBLIC;
