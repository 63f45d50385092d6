-- tarbox._lock_inode(tenant, ino): serialise changes to one inode: a row lock (FOR UPDATE) on
-- its live version, held until the transaction ends. Taken before reading what will be
-- changed, so that under READ COMMITTED the following statements see the committed result of
-- the previous holder. Lock order: parents before children, lower inode numbers first.
--
-- A row lock, not an advisory lock: row locks live in the tuple, not in the shared lock table,
-- so a transaction may lock any number of inodes (rm -r of a large tree, an import of many
-- files, a tenant's `SELECT tarbox.write(...) FROM generate_series(1, 100000)`) without
-- exhausting the lock table for the whole cluster ("out of shared memory"), and a lock key
-- never shows in pg_locks. The live row stays the same row across copy-on-write (see
-- tarbox._inode_cow), so a waiter wakes up holding the live version; when the holder purged
-- the inode, the waiter finds no live row and the caller reports ENOENT. Locks nothing when
-- the inode has no live version.
CREATE OR REPLACE FUNCTION tarbox._lock_inode(p_tenant bigint, p_ino bigint) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM 1 FROM tarbox.inode i
     WHERE i.tenant_id = p_tenant AND i.ino = p_ino AND i.died = 2147483647
       FOR UPDATE;
END
$$;
ALTER FUNCTION tarbox._lock_inode(bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._lock_inode(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._lock_inode(bigint, bigint) TO tarbox_maint;  -- tarbox.tenant_gc expires upload sessions (tarbox._upload_expire)
