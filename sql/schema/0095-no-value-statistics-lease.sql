-- 0065 gave tarbox.mount_session a lease_until column (the time a lease session of the WASI
-- host over HTTP lives to) after 0041 took per-value statistics away from that table's other
-- columns: it gets the same treatment (EXPLAIN's row estimates would otherwise tell a tenant
-- when other tenants' clients run). tests/security/test_statistics.py checks it.
ALTER TABLE tarbox.mount_session ALTER COLUMN lease_until SET STATISTICS 0;
DELETE FROM pg_catalog.pg_statistic s
 USING pg_catalog.pg_attribute a
 WHERE a.attrelid = 'tarbox.mount_session'::regclass AND a.attname = 'lease_until'
   AND s.starelid = a.attrelid AND s.staattnum = a.attnum;
