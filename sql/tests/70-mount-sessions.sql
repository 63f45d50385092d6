-- Mount sessions: a running mount registers (tarbox.mount_register) and holds an advisory lock;
-- while another mount of the tenant runs, inodes without links are kept (it may hold them open)
-- and purged only once no other mount runs. One backend cannot hold another's lock, so the
-- live-elsewhere case is tested in tests/fuse/test_session.py; here: registration, errors,
-- the registering connection never counting as "another" mount, dead sessions reaped, isolation.
BEGIN;
SELECT plan(23);

SELECT role_name AS alice FROM tarbox.tenant_create('sess_alice') \gset
SELECT role_name AS bob FROM tarbox.tenant_create('sess_bob') \gset
SELECT tenant_id AS alice_id FROM tarbox.tenant WHERE name = 'sess_alice' \gset

SELECT throws_ok('SELECT tarbox.mount_register(false)', 'TX013', NULL, 'mount_register as a non-tenant -> EACCES');

SET ROLE :"alice";
SELECT tarbox.mount_register(false) AS s1 \gset
SELECT cmp_ok(:s1::bigint, '>=', 1::bigint, 'mount_register returns a session id');
SELECT results_eq('SELECT session_id, backend_pid, read_only FROM tarbox.mount_session',
                  format('VALUES (%s::bigint, %s, false)', :s1, pg_backend_pid()),
                  'the session is recorded with this connection''s pid');
SELECT throws_ok('SELECT tarbox.mount_register(NULL)', 'TX022', NULL, 'read_only NULL -> EINVAL');
SELECT throws_ok(format('SELECT tarbox.mount_register(true, %s)', :s1::bigint + 1000000),
                 'TX022', NULL, 'a session id never handed out -> EINVAL');
SELECT is(tarbox.mount_register(true, :s1), :s1::bigint, 're-registering the same session on its connection keeps the id');
SELECT is((SELECT read_only FROM tarbox.mount_session WHERE session_id = :s1), true, '... and updates it');

-- The registering connection is not "another mount": its own purges proceed.
SELECT (tarbox.fs_create(1, 'o1'::bytea, 420, 0, 0)).ino AS o1 \gset
SELECT tarbox.fs_unlink(1, 'o1'::bytea) AS w \gset
SELECT is(tarbox.fs_forget(:o1), true, 'fs_forget on the registering connection purges the orphan');

-- A session nobody holds the lock of is dead: it blocks nothing and its row is reaped.
RESET ROLE;
SELECT is((SELECT count(*)::int FROM pg_locks l
            WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.granted
              AND l.mode = 'ExclusiveLock' AND l.objsubid = 2
              AND l.classid = ((tarbox._mount_key(:alice_id, :s1))[1])::oid
              AND l.objid = ((tarbox._mount_key(:alice_id, :s1))[2])::oid), 1,
          'the registering connection holds the session lock exclusively');
SELECT nextval('tarbox.mount_session_seq') AS dead \gset
SELECT (tarbox._mount_key(:alice_id, :dead))[1] AS dk1, (tarbox._mount_key(:alice_id, :dead))[2] AS dk2 \gset
INSERT INTO tarbox.mount_session (tenant_id, session_id, backend_pid, read_only)
VALUES (:alice_id, :dead, 2147483647, false);
SET ROLE :"alice";
SELECT is((SELECT count(*)::int FROM tarbox.mount_session), 2, 'a dead session''s row is there');
SELECT (tarbox.fs_create(1, 'o2'::bytea, 420, 0, 0)).ino AS o2 \gset
SELECT tarbox.fs_unlink(1, 'o2'::bytea) AS w \gset
SELECT is(tarbox.fs_forget(:o2), true, 'a dead session does not keep an orphan');
SELECT is((SELECT array_agg(session_id)::bigint[] FROM tarbox.mount_session), ARRAY[:s1::bigint],
          'the dead session''s row was reaped, the live one kept');
-- (advisory locks and the helpers are not granted to tenants: called as the administrator)
RESET ROLE;
SELECT ok(pg_try_advisory_xact_lock_shared(:dk1, :dk2), 'nobody holds the dead session''s lock');
SELECT is(tarbox._other_mounts_live(:alice_id), false, '_other_mounts_live: none besides this connection''s');

-- tarbox.mount_session setting: the mount's pool connections name their own session.
SELECT set_config('tarbox.mount_session', :'s1', true) AS w \gset
SELECT is(tarbox._other_mounts_live(:alice_id), false, 'the caller''s own session (setting) is not another mount');
SELECT set_config('tarbox.mount_session', 'not-a-number', true) AS w \gset
SELECT is(tarbox._other_mounts_live(:alice_id), false, 'a malformed setting is ignored, not an error');

-- Isolation: bob sees none of alice's sessions and cannot end them.
SET ROLE :"bob";
SELECT is_empty('SELECT * FROM tarbox.mount_session', 'bob sees no session of alice');
SELECT is(tarbox.mount_unregister(:s1), false, 'bob cannot end alice''s session');
SET ROLE :"alice";
SELECT is((SELECT count(*)::int FROM tarbox.mount_session), 1, 'alice''s session is still there');

-- Unregister: the row goes, the lock is released; a second call finds nothing.
SELECT is(tarbox.mount_unregister(:s1), true, 'mount_unregister releases the session lock');
SELECT is_empty('SELECT * FROM tarbox.mount_session', 'the session row is gone');
SELECT is(tarbox.mount_unregister(:s1), false, 'a second mount_unregister finds nothing to release');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean');

SELECT * FROM finish();
ROLLBACK;
