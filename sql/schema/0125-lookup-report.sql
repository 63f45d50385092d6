-- tarbox.fs_lookup gains p_reported (sql/functions/80-audit/8100-fs-lookup.sql): a mount at
-- level full reports its lookups in batches (tarbox.fs_lookup_report) instead of making every
-- LOOKUP a writing transaction of its own. The six-argument form goes, so that no call has to
-- choose between two overloads.
DROP FUNCTION IF EXISTS tarbox.fs_lookup(bigint, bytea, int, bigint, bigint, int);
