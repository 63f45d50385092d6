-- What one tenant shares with the others and must not be able to take from them (issue 16):
-- locks in the database-wide advisory key space, the shared lock table, large objects,
-- objects owned by the tenant role, the NOTIFY queue, memory and temp space, planner
-- statistics. Alice acts through SET SESSION AUTHORIZATION (session_user = alice, as when she
-- logs in with her own password); the multi-session attacks are in tests/security/.
BEGIN;
SELECT plan(30);

SELECT tenant_id AS alice_id, role_name AS alice FROM tarbox.tenant_create('res_alice') \gset
SELECT tenant_id AS bob_id, role_name AS bob FROM tarbox.tenant_create('res_bob') \gset
SELECT lock_key AS bob_key FROM tarbox.tenant WHERE tenant_id = :bob_id \gset

-- ---- Advisory locks: no tenant can take any (item 4) --------------------------------------
SET SESSION AUTHORIZATION :"alice";
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc p WHERE p.proname ~ '^pg_(try_)?advisory_'
                    AND has_function_privilege(p.oid, 'EXECUTE')$$,
                'no advisory-lock function is executable by a tenant');
SELECT throws_ok(format('SELECT pg_advisory_lock(%s)', :bob_id), '42501', NULL,
                 'pg_advisory_lock(<bob''s tenant id>) -> 42501');
SELECT throws_ok(format('SELECT pg_advisory_xact_lock(%s)', :bob_key), '42501', NULL,
                 'pg_advisory_xact_lock(<bob''s layer lock key>) -> 42501');
SELECT throws_ok(format('SELECT pg_try_advisory_lock_shared(%s, 2)', :bob_id), '42501', NULL,
                 'pg_try_advisory_lock_shared(<bob>, <an inode>) -> 42501');
SELECT throws_ok($$SELECT pg_advisory_lock(hashtext('tarbox.tenant'))$$, '42501', NULL,
                 'the tenant-creation lock -> 42501');
SELECT throws_ok($$SELECT pg_advisory_xact_lock(hashtext('tarbox.init'))$$, '42501', NULL,
                 'the migration runner''s lock -> 42501');
SELECT throws_ok('SELECT pg_advisory_unlock_all()', '42501', NULL, 'pg_advisory_unlock_all -> 42501');
-- Alice's own writes still lock what they must: one advisory lock (her layer lock, keyed by
-- her secret lock_key, not her id) for any number of inodes (row locks for those). (The
-- transaction also holds the tenant-creation lock of the set-up.)
SELECT count(*) AS locks_before FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory' \gset
SELECT lives_ok($$SELECT count(tarbox.write('/f' || g, 'x')) FROM generate_series(1, 200) g$$,
                '200 writes in one transaction');
SELECT is((SELECT count(*)::int FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'), :locks_before + 1,
          '... hold one advisory lock, not one per inode (the shared lock table cannot be filled)');
SELECT is((SELECT count(*)::int FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'
              AND (objid::bigint = :alice_id OR classid::bigint = :alice_id
                   OR (classid::bigint << 32 | objid::bigint) = :alice_id)), 0,
          '... and its key does not name alice');
SELECT is((SELECT lock_key FROM tarbox.tenant), (SELECT lock_key FROM tarbox.tenant WHERE tenant_id = :alice_id),
          'alice reads her own lock key only');
RESET SESSION AUTHORIZATION;
SELECT isnt(:bob_key::bigint, :bob_id::bigint, 'a lock key is not the tenant id');

-- ---- Memory and temporary space per call (item 5) -----------------------------------------
SET SESSION AUTHORIZATION :"alice";
SELECT lives_ok($$SELECT tarbox.write('/s', ''::bytea); SELECT tarbox.truncate('/s', 1099511627776)$$,
                'a sparse file of 1 TiB (costs nothing)');
SELECT ino AS s_ino FROM tarbox.stat('/s') \gset
SELECT throws_ok($$SELECT length(tarbox.read('/s'))$$, 'TX027', NULL,
                 'reading it whole -> EFBIG at once (it used to spill its 1 TiB to temporary files)');
SELECT throws_ok($$SELECT length(tarbox.read_text('/s'))$$, 'TX027', NULL, 'read_text of it -> EFBIG');
SELECT is(length(tarbox.read('/s', 0, 1099511627776)), 16777216,
          'an explicit long range is a short read of 16 MiB (tarbox.limits io_max)');
SELECT is(length(tarbox.read('/s', 1099511627776 - 10, 100)), 10, 'a range past the end is cut at the end');
SELECT is(length(tarbox.fs_read(:s_ino, 0, 2147483647)), 16777216, 'fs_read returns at most 16 MiB too');
SELECT is((SELECT value FROM tarbox.limits() WHERE name = 'io_max'), 16777216::bigint, 'tarbox.limits() documents it');
SELECT throws_ok(format('SELECT tarbox.fs_write(%s, 9223372036854775807, %L::bytea)', :s_ino, 'x'), 'TX027', NULL,
                 'fs_write at offset 2^63-1 -> EFBIG (not 22003 bigint out of range)');
SELECT throws_ok($$SELECT tarbox.write('/s', 'x'::bytea, 9223372036854775807)$$, 'TX027', NULL,
                 'tarbox.write at offset 2^63-1 -> EFBIG');
SELECT throws_ok($$SELECT tarbox.write('/big', decode(repeat('00', 16777217), 'hex'))$$, 'TX027', NULL,
                 'one write of 16 MiB + 1 byte -> EFBIG');
SELECT throws_ok($$SELECT tarbox.append('/big', decode(repeat('00', 16777217), 'hex'))$$, 'TX027', NULL,
                 'one append of 16 MiB + 1 byte -> EFBIG');
SELECT is((SELECT bfree * frsize FROM tarbox.fs_statfs()), 1099511627776::bigint,
          'statfs: the sparse file does not make the file system full');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean');
RESET SESSION AUTHORIZATION;

-- ---- Planner statistics do not tell one tenant about another's rows (item 9) --------------
CREATE FUNCTION pg_temp.estimate(p_query text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE v json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || p_query INTO v;
    RETURN (v -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
END $$;
SET ROLE :"bob";
SELECT count(tarbox.write(format('/p%s', g), 'same content')) AS w FROM generate_series(1, 400) g \gset
SELECT count(tarbox.mkdir(format('/d%s', g))) + count(tarbox.write(format('/d%s/__init__.py', g), '')) AS w
  FROM generate_series(1, 300) g \gset
RESET ROLE;
ANALYZE tarbox.dentry;
ANALYZE tarbox.inode;
ANALYZE tarbox.block;
SELECT is((SELECT count(*)::int FROM pg_statistic s JOIN pg_attribute a ON a.attrelid = s.starelid AND a.attnum = s.staattnum
            WHERE (s.starelid, a.attname) IN (('tarbox.dentry'::regclass, 'name'), ('tarbox.dentry'::regclass, 'cookie'),
                                               ('tarbox.dentry'::regclass, 'tenant_id'), ('tarbox.inode'::regclass, 'tenant_id'),
                                               ('tarbox.inode'::regclass, 'size'), ('tarbox.inode'::regclass, 'mtime_ns'),
                                               ('tarbox.block'::regclass, 'hash'), ('tarbox.block'::regclass, 'data'))), 0,
          'after ANALYZE: no statistics on names, contents, sizes, times or tenant ids');
SELECT cmp_ok((SELECT count(*)::int FROM pg_statistic WHERE starelid = 'tarbox.dentry'::regclass), '>', 0,
              '... while the structural columns keep theirs');
SET SESSION AUTHORIZATION :"alice";
SELECT is(pg_temp.estimate($$SELECT 1 FROM tarbox.dentry WHERE name = '__init__.py'::bytea$$),
          pg_temp.estimate($$SELECT 1 FROM tarbox.dentry WHERE name = 'no tenant has this name'::bytea$$),
          'EXPLAIN estimates a name 300 of bob''s entries have like a name nobody has');
SELECT is(pg_temp.estimate(format('SELECT 1 FROM tarbox.inode WHERE tenant_id = %s', :bob_id)),
          pg_temp.estimate('SELECT 1 FROM tarbox.inode WHERE tenant_id = 123456789'),
          'EXPLAIN does not tell how many inodes bob has');
SELECT is(pg_temp.estimate('SELECT 1 FROM tarbox.inode WHERE size = 12'),
          pg_temp.estimate('SELECT 1 FROM tarbox.inode WHERE size = 987654'),
          'nor the sizes of bob''s 400 files of 12 bytes');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
