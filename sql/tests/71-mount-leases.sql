-- Lease sessions (tarbox.mount_lease, mount_lease_end): a mount without a connection of its own
-- (the WASI host over HTTP) is alive until its lease runs out; while it is, inodes without links
-- are kept and purge_orphans removes nothing; its end purges them. Errors, the per-tenant
-- bound, expiry, isolation, and a connection taking a lease session over.
BEGIN;
SELECT plan(25);

SELECT role_name AS alice FROM tarbox.tenant_create('lease_alice') \gset
SELECT role_name AS bob FROM tarbox.tenant_create('lease_bob') \gset
SELECT tenant_id AS alice_id FROM tarbox.tenant WHERE name = 'lease_alice' \gset

SELECT throws_ok('SELECT tarbox.mount_lease(NULL, 60)', 'TX013', NULL, 'mount_lease as a non-tenant -> EACCES');

SET ROLE :"alice";
SELECT tarbox.mount_lease(NULL, 60) AS s1 \gset
SELECT results_eq('SELECT session_id, backend_pid, lease_until = now() + interval ''60 seconds'' FROM tarbox.mount_session',
                  format('VALUES (%s::bigint, NULL::int, true)', :s1),
                  'a lease session has no connection and a lease of 60 s');
SELECT throws_ok('SELECT tarbox.mount_lease(NULL, 0)', 'TX022', NULL, 'a lease of 0 s -> EINVAL');
SELECT throws_ok('SELECT tarbox.mount_lease(NULL, 3601)', 'TX022', NULL, 'a lease over an hour -> EINVAL');
SELECT throws_ok('SELECT tarbox.mount_lease(NULL, NULL)', 'TX022', NULL, 'a lease of NULL s -> EINVAL');
SELECT is(tarbox.mount_lease(:s1, 120), :s1::bigint, 'renewing keeps the id');
SELECT is((SELECT lease_until FROM tarbox.mount_session WHERE session_id = :s1), now() + interval '120 seconds',
          '... and moves the lease');
SELECT throws_ok(format('SELECT tarbox.mount_lease(%s, 60)', :s1::bigint + 1000000), 'TX002', NULL,
                 'renewing a session that is not there -> ENOENT');

-- While the lease runs, an orphan survives purge_orphans (even on this connection: a lease
-- session belongs to no connection).
SELECT (tarbox.fs_create(1, 'o1'::bytea, 420, 0, 0)).ino AS o1 \gset
SELECT tarbox.fs_unlink(1, 'o1'::bytea) AS w \gset
SELECT is(tarbox.purge_orphans(), 0::bigint, 'purge_orphans removes nothing while a lease runs');
SELECT is((SELECT nlink FROM tarbox.fs_getattr(:o1)), 0, 'the unlinked inode is still readable');
RESET ROLE;
SELECT is(tarbox._other_mounts_live(:alice_id), true, '_other_mounts_live: a live lease counts');

-- A connection-held session and a lease at once is refused by the table.
SELECT throws_ok(format('INSERT INTO tarbox.mount_session (tenant_id, session_id, backend_pid, read_only, lease_until) '
                        'VALUES (%s, nextval(''tarbox.mount_session_seq''), 1, false, now())', :alice_id),
                 '23514', NULL, 'a session is held by a connection or by a lease, not both');

-- Isolation: bob neither sees, renews nor ends alice's lease.
SET ROLE :"bob";
SELECT is_empty('SELECT * FROM tarbox.mount_session', 'bob sees no lease of alice');
SELECT throws_ok(format('SELECT tarbox.mount_lease(%s, 60)', :s1), 'TX002', NULL, 'bob cannot renew alice''s lease');
SELECT is(tarbox.mount_lease_end(:s1), 0::bigint, 'bob''s mount_lease_end of alice''s lease purges nothing of alice''s');
SET ROLE :"alice";
SELECT is((SELECT count(*)::int FROM tarbox.mount_session), 1, 'alice''s lease is still there');

-- At most 64 live leases per tenant.
SELECT is((SELECT count(tarbox.mount_lease(NULL, 60))::int FROM generate_series(1, 63)), 63, '63 more leases');
SELECT throws_ok('SELECT tarbox.mount_lease(NULL, 60)', 'TX122', NULL, 'the 65th live lease -> EDQUOT');

-- An expired lease counts no more, and its row goes on the way.
RESET ROLE;
DELETE FROM tarbox.mount_session WHERE session_id <> :s1;
UPDATE tarbox.mount_session SET lease_until = now() - interval '1 second' WHERE session_id = :s1;
SELECT is(tarbox._other_mounts_live(:alice_id), false, 'an expired lease is no running mount');
SELECT is((SELECT count(*)::int FROM tarbox.mount_session WHERE session_id = :s1), 0, 'its row was reaped');

-- The end of a lease purges the orphans it kept.
SET ROLE :"alice";
SELECT tarbox.mount_lease(NULL, 60) AS s2 \gset
SELECT (tarbox.fs_create(1, 'o2'::bytea, 420, 0, 0)).ino AS o2 \gset
SELECT tarbox.fs_unlink(1, 'o2'::bytea) AS w \gset
SELECT is(tarbox.mount_lease_end(:s2), 2::bigint, 'mount_lease_end purges the two orphans');

-- A connection that registers a lease session's id takes it over: held by its lock from then.
SELECT tarbox.mount_lease(NULL, 60) AS s3 \gset
SELECT is(tarbox.mount_register(false, :s3), :s3::bigint, 'mount_register of a lease session keeps its id');
SELECT results_eq(format('SELECT backend_pid, lease_until FROM tarbox.mount_session WHERE session_id = %s', :s3),
                  format('VALUES (%s, NULL::timestamptz)', pg_backend_pid()),
                  '... and holds it by this connection, without a lease');
SELECT is(tarbox.mount_unregister(:s3), true, 'it ends as a connection-held session');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean');

SELECT * FROM finish();
ROLLBACK;
