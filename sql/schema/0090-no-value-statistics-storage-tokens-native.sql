-- 0041 took per-value planner statistics away from every column that carries a tenant's data
-- or identity; the storage (0030), token (0050) and native-mount (0070) migrations added such
-- columns after it was written: the chunk maps' hashes and sizes, an inode's stored bytes and
-- text layout, a tenant's quotas and text thresholds, token hashes, names and times, the usage
-- counters, and a tenant's native mount definitions. They get the same treatment (EXPLAIN's
-- row estimates would otherwise tell a tenant which hashes, sizes or paths other tenants have).
-- tests/security/test_statistics.py checks that no such column is left out.
DO $stats$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES
                ('chunkmap', 'tenant_id'), ('chunkmap', 'hash'), ('chunkmap', 'nbytes'), ('chunkmap', 'nlines'),
                ('inode', 'stored'), ('inode', 'text_bytes'), ('inode', 'text_lines'),
                ('tenant', 'quota_bytes'), ('tenant', 'quota_inodes'), ('tenant', 'quota_layers'),
                ('tenant', 'text_max_bytes'), ('tenant', 'text_max_lines'), ('tenant', 'tenant_id'),
                ('token', 'tenant_id'), ('token', 'hash'), ('token', 'name'), ('token', 'read_only'),
                ('token', 'created_at'), ('token', 'expires_at'), ('token', 'revoked_at'),
                ('usage_delta', 'tenant_id'), ('usage_delta', 'bytes'), ('usage_delta', 'inodes'),
                ('native_mount', 'tenant'), ('native_mount', 'mount_path'), ('native_mount', 'source_path'),
                ('native_mount', 'created_at')) AS c (tbl, col) LOOP
        EXECUTE format('ALTER TABLE tarbox.%I ALTER COLUMN %I SET STATISTICS 0', r.tbl, r.col);
        DELETE FROM pg_catalog.pg_statistic s
         USING pg_catalog.pg_attribute a
         WHERE a.attrelid = format('tarbox.%I', r.tbl)::regclass AND a.attname = r.col
           AND s.starelid = a.attrelid AND s.staattnum = a.attnum;
    END LOOP;
END
$stats$;
