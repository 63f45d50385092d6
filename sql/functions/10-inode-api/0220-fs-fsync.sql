CREATE OR REPLACE FUNCTION tarbox.fs_fsync()
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._ctx(NULL, false);
    -- Commit this transaction synchronously after writing one WAL record of its own, so that
    -- its commit flushes the WAL up to its commit record; the WAL is flushed in order, so every
    -- change committed before (asynchronously) is durable when this call's commit returns.
    -- (A transaction whose only WAL is its commit record is committed asynchronously whatever
    -- synchronous_commit says: PostgreSQL flushes only if the transaction wrote WAL before.)
    PERFORM set_config('synchronous_commit', 'on', true);
    PERFORM pg_logical_emit_message(true, 'tarbox.fsync', '');
END
$$;
ALTER FUNCTION tarbox.fs_fsync() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_fsync() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_fsync() TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_fsync() IS
'FUSE fsync/fsyncdir/flush-to-disk (fsync(2), fdatasync(2), syncfs(2)): when the transaction calling it commits, everything committed before it, including changes committed with synchronous_commit = off, is on disk. Call it in its own transaction (autocommit). Errors: EACCES (TX013) caller is not a tenant.';
