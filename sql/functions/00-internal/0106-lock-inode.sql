-- tarbox._lock_inode(tenant, ino): serialise changes to one inode (transaction-scoped advisory
-- lock). Taken before reading what will be changed, so that under READ COMMITTED the following
-- statements see the committed result of the previous holder. Lock order: parents before
-- children, lower inode numbers first.
CREATE OR REPLACE FUNCTION tarbox._lock_inode(p_tenant bigint, p_ino bigint) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock((p_tenant % 2147483647)::int, (p_ino % 2147483647)::int);
END
$$;
ALTER FUNCTION tarbox._lock_inode(bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._lock_inode(bigint, bigint) FROM PUBLIC;
