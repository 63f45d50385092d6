-- tarbox._mount_key(tenant, session): the two int4 keys of the advisory lock that a running
-- mount holds for its whole life (see the table tarbox.mount_session): the high half of the
-- tenant's secret tarbox.tenant.lock_key (so pg_locks does not tell whose mount it is) and the
-- session id (unique across tenants: one sequence). No other Tarbox lock uses the two-int4
-- form. NULL keys when the tenant does not exist.
CREATE OR REPLACE FUNCTION tarbox._mount_key(p_tenant bigint, p_session bigint)
RETURNS int[]
LANGUAGE plpgsql STABLE STRICT
AS $$
DECLARE
    v_key bigint;
BEGIN
    SELECT t.lock_key INTO v_key FROM tarbox.tenant t WHERE t.tenant_id = p_tenant;
    RETURN ARRAY[(v_key >> 32)::int, (p_session % 2147483647)::int];
END
$$;
ALTER FUNCTION tarbox._mount_key(bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._mount_key(bigint, bigint) FROM PUBLIC;

-- tarbox._mount_lock_held(key): whether this connection holds the session lock of key (from
-- tarbox._mount_key). Advisory locks stack per connection, so callers take it at most once.
CREATE OR REPLACE FUNCTION tarbox._mount_lock_held(p_key int[])
RETURNS boolean
LANGUAGE sql STABLE STRICT
AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
                    WHERE l.locktype = 'advisory' AND l.pid = pg_catalog.pg_backend_pid() AND l.granted
                      AND l.classid = p_key[1]::oid AND l.objid = p_key[2]::oid AND l.objsubid = 2)
$$;
ALTER FUNCTION tarbox._mount_lock_held(int[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._mount_lock_held(int[]) FROM PUBLIC;
