-- What one tenant shares with the others and must not be able to take from them (issue 16):
-- locks in the database-wide advisory key space, the shared lock table, large objects,
-- objects owned by the tenant role, the NOTIFY queue, memory and temp space, planner
-- statistics. Alice acts through SET SESSION AUTHORIZATION (session_user = alice, as when she
-- logs in with her own password); the multi-session attacks are in tests/security/.
BEGIN;
SELECT plan(12);

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

SELECT * FROM finish();
ROLLBACK;
