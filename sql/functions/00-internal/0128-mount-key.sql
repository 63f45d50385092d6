-- tarbox._mount_key(tenant, session): the two int4 keys of the advisory lock that a running
-- mount holds for its whole life (see the table tarbox.mount_session). The first key is
-- negative: inode locks (tarbox._lock_inode) use keys >= 0.
CREATE OR REPLACE FUNCTION tarbox._mount_key(p_tenant bigint, p_session bigint)
RETURNS int[]
LANGUAGE sql IMMUTABLE STRICT
AS $$
    SELECT ARRAY[(-1 - p_tenant % 2147483647)::int, (p_session % 2147483647)::int]
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
