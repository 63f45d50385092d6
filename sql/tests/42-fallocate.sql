-- fs_fallocate (FUSE FALLOCATE, fallocate(2) / posix_fallocate(3)): mode 0 extends with a hole,
-- FALLOC_FL_KEEP_SIZE keeps the size, other modes EOPNOTSUPP; bad arguments change nothing;
-- a range that cannot fit in the byte quota is ENOSPC.
BEGIN;
SELECT plan(17);

SELECT role_name AS tenant FROM tarbox.tenant_create('fallocatetest') \gset
SET ROLE :"tenant";
SELECT tarbox.write('/f', 'hello'::bytea) AS w \gset
SELECT (tarbox.stat('/f')).ino AS f \gset
SELECT tarbox.mkdir('/d') AS w \gset
SELECT (tarbox.stat('/d')).ino AS d \gset
SELECT tarbox.fs_setattr(:f, NULL, NULL, NULL, NULL, NULL, 1000) AS w \gset

SELECT is((SELECT row(size, mtime_ns)::text FROM tarbox.fs_fallocate(:f, 0, 0, 5)), '(5,1000)',
          'mode 0 inside the file changes neither size nor mtime');
SELECT is((SELECT size FROM tarbox.fs_fallocate(:f, 1, 0, 1048576)), 5::bigint,
          'FALLOC_FL_KEEP_SIZE past the end keeps the size');
SELECT is((SELECT size FROM tarbox.fs_fallocate(:f, 0, 1048576, 1048576)), 2097152::bigint,
          'mode 0 past the end extends the size to offset + length');
SELECT isnt((SELECT mtime_ns FROM tarbox.fs_getattr(:f)), 1000::bigint, '... and updates mtime');
SELECT is((SELECT blocks FROM tarbox.stat('/f')), 1::bigint, 'the new range is a hole: nothing stored');
SELECT is(tarbox.read('/f', 0, 8), '\x68656c6c6f000000'::bytea, 'it reads as zeros after the old data');

SELECT throws_ok(format('SELECT tarbox.fs_fallocate(%s, 3, 0, 10)', :f), 'TX095', NULL,
                 'FALLOC_FL_PUNCH_HOLE -> EOPNOTSUPP');
SELECT throws_ok(format('SELECT tarbox.fs_fallocate(%s, 0, 0, 0)', :f), 'TX022', NULL, 'length 0 -> EINVAL');
SELECT throws_ok(format('SELECT tarbox.fs_fallocate(%s, 0, -1, 10)', :f), 'TX022', NULL, 'negative offset -> EINVAL');
SELECT throws_ok(format('SELECT tarbox.fs_fallocate(%s, 0, 9223372036854775000, 10)', :f), 'TX027', NULL,
                 'a range past 16 TiB -> EFBIG (no bigint overflow)');
SELECT throws_ok(format('SELECT tarbox.fs_fallocate(%s, 0, 0, 10)', :d), 'TX021', NULL, 'a directory -> EISDIR');
SELECT throws_ok('SELECT tarbox.fs_fallocate(999999999, 0, 0, 10)', 'TX002', NULL, 'a missing inode -> ENOENT');
SELECT is((SELECT size FROM tarbox.fs_getattr(:f)), 2097152::bigint, 'the failed calls changed nothing');

RESET ROLE;
SELECT quota_bytes AS w FROM tarbox.tenant_quota('fallocatetest', 100000) \gset
SET ROLE :"tenant";
SELECT throws_ok(format('SELECT tarbox.fs_fallocate(%s, 0, 0, 10485760)', :f), 'TX028', NULL,
                 'a range that cannot fit in the byte quota -> ENOSPC');
SELECT is((SELECT size FROM tarbox.fs_getattr(:f)), 2097152::bigint, '... and the size is unchanged');
SELECT is((SELECT size FROM tarbox.fs_fallocate(:f, 0, 2097152, 4096)), 2101248::bigint,
          'a range that fits is allocated');

SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after fallocate');

SELECT * FROM finish();
ROLLBACK;
