-- tarbox._rename_lock(tenant): serialise the renames of one tenant that move a directory to
-- another parent (transaction-scoped advisory lock on a key derived from the tenant's secret
-- lock_key). Such a rename checks that the directory is not moved into its own subtree by
-- walking up from the new parent; two of them running at once each check a tree without the
-- other's move and can both succeed, detaching a cycle of directories from the root (A into
-- B's subtree while B goes into A's). Linux serialises them with the per-filesystem
-- s_vfs_rename_mutex for the same reason. Taken before any inode lock (lock order: rename
-- lock, then parents, then children), so it cannot deadlock with other operations. One
-- advisory lock per transaction.
CREATE OR REPLACE FUNCTION tarbox._rename_lock(p_tenant bigint) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(t.lock_key # 6148914691236517205) FROM tarbox.tenant t
      WHERE t.tenant_id = p_tenant;
END
$$;
ALTER FUNCTION tarbox._rename_lock(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._rename_lock(bigint) FROM PUBLIC;
