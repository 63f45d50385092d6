-- Planner statistics are collected over all tenants' rows and used for every tenant's
-- queries: EXPLAIN's row estimates (which row-level security does not hide, unlike pg_stats)
-- told a tenant which names, contents, owners, sizes and times other tenants have (plain
-- EXPLAIN SELECT 1 FROM tarbox.dentry WHERE name = '__init__.py'::bytea estimated 424 rows for
-- a tenant without such a file) and, through tenant_id, how many rows each tenant holds.
-- Every column that carries a tenant's data or identity gets no per-value statistics; the
-- structural columns the plans rest on keep theirs (inode numbers, parents, block numbers,
-- layer positions born/died, link counts). ANALYZE leaves old entries of a column it no longer
-- samples in pg_statistic: they are removed here.
DO $stats$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES
                ('tenant', 'name'), ('tenant', 'notify_channel'), ('tenant', 'lock_key'),
                ('tenant', 'default_uid'), ('tenant', 'default_gid'), ('tenant', 'created_at'),
                ('tenant', 'current_layer'),
                ('layer', 'tenant_id'), ('layer', 'name'), ('layer', 'description'), ('layer', 'created_at'),
                ('layer_tag', 'tenant_id'), ('layer_tag', 'tag'), ('layer_tag', 'created_at'),
                ('inode', 'tenant_id'), ('inode', 'mode'), ('inode', 'uid'), ('inode', 'gid'),
                ('inode', 'rdev'), ('inode', 'size'), ('inode', 'atime_ns'), ('inode', 'mtime_ns'),
                ('inode', 'ctime_ns'), ('inode', 'btime_ns'), ('inode', 'target'),
                ('dentry', 'tenant_id'), ('dentry', 'name'), ('dentry', 'cookie'),
                ('block', 'tenant_id'), ('block', 'hash'), ('block', 'data'),
                ('blockmap', 'tenant_id'), ('blockmap', 'hash'),
                ('xattr', 'tenant_id'), ('xattr', 'name'), ('xattr', 'value'),
                ('mount_session', 'tenant_id'), ('mount_session', 'backend_pid'),
                ('mount_session', 'started_at'), ('mount_session', 'read_only')) AS c (tbl, col) LOOP
        EXECUTE format('ALTER TABLE tarbox.%I ALTER COLUMN %I SET STATISTICS 0', r.tbl, r.col);
        DELETE FROM pg_catalog.pg_statistic s
         USING pg_catalog.pg_attribute a
         WHERE a.attrelid = format('tarbox.%I', r.tbl)::regclass AND a.attname = r.col
           AND s.starelid = a.attrelid AND s.staattnum = a.attnum;
    END LOOP;
END
$stats$;
