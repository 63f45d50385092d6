-- No per-value planner statistics on the audit tables (as 0041 and 0090 for the others): a
-- record's path, message, details, role, client address, times and ids are a tenant's data,
-- and EXPLAIN's row estimates would otherwise tell a tenant which paths or operations other
-- tenants have. On tarbox.audit_log the setting reaches its partitions existing now; those
-- made later get it from tarbox._audit_partition_make and tarbox._audit_expire
-- (tarbox._audit_no_statistics). tests/security/test_statistics.py checks every column.
DO $stats$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.oid::regclass AS tbl, a.attname AS col, a.attnum
               FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p')
                AND c.relname ~ '^audit_' AND NOT c.relispartition
              ORDER BY c.relname, a.attnum LOOP
        EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET STATISTICS 0', r.tbl, r.col);
    END LOOP;
    DELETE FROM pg_catalog.pg_statistic s
     USING pg_catalog.pg_class c
     WHERE s.starelid = c.oid AND c.relnamespace = 'tarbox'::regnamespace AND c.relname ~ '^audit_';
END
$stats$;
