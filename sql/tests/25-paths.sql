-- Paths (issue 16, items 3 and 12): a trailing '/' names a directory for every call that makes
-- or moves an entry (open(2) with O_CREAT: EISDIR; link(2), symlink(2), mknod(2) of a missing
-- name: ENOENT; rename(2) of a non-directory: ENOTDIR), as Linux does (checked against ext4);
-- paths are bytes (the bytea forms of the path API) and so are symbolic link targets; errors
-- that were raw PostgreSQL ones are errnos now.
BEGIN;
SELECT plan(39);

SELECT role_name AS t FROM tarbox.tenant_create('paths') \gset
SET ROLE :"t";
SELECT tarbox.write('/f', 'file') AS w \gset
SELECT tarbox.mkdir('/d') AS w \gset

-- ---- Trailing slash (item 3) ----------------------------------------------------------------
SELECT throws_ok($$SELECT tarbox.write('/new/', 'x')$$, 'TX021', NULL, 'write(/new/) -> EISDIR (it used to create a file /new)');
SELECT throws_ok($$SELECT tarbox.write('/new/', 'x'::bytea, 0)$$, 'TX021', NULL, 'write at an offset to /new/ -> EISDIR');
SELECT throws_ok($$SELECT tarbox.append('/new/', 'x')$$, 'TX021', NULL, 'append(/new/) -> EISDIR');
SELECT throws_ok($$SELECT tarbox.touch('/new/')$$, 'TX021', NULL, 'touch(/new/) -> EISDIR');
SELECT throws_ok($$SELECT tarbox.write('/f/', 'x')$$, 'TX020', NULL, 'write(/f/) over a file -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.write('/d/', 'x')$$, 'TX021', NULL, 'write(/d/) over a directory -> EISDIR');
SELECT throws_ok($$SELECT tarbox.truncate('/f/', 0)$$, 'TX020', NULL, 'truncate(/f/) -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.ln('/f', '/new/')$$, 'TX002', NULL, 'link(/f, /new/) -> ENOENT');
SELECT throws_ok($$SELECT tarbox.ln('/f', '/d/')$$, 'TX017', NULL, 'link(/f, /d/) -> EEXIST');
SELECT throws_ok($$SELECT tarbox.ln('/f/', '/new')$$, 'TX020', NULL, 'link(/f/, /new) -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.ln('f', '/new/', true)$$, 'TX002', NULL, 'symlink(f, /new/) -> ENOENT');
SELECT throws_ok($$SELECT tarbox.mknod('/new/', 4516)$$, 'TX002', NULL, 'mknod fifo /new/ -> ENOENT');
SELECT throws_ok($$SELECT tarbox.mknod('/f/', 4516)$$, 'TX020', NULL, 'mknod /f/ -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.mv('/f', '/new/')$$, 'TX020', NULL, 'mv(/f, /new/) -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.mv('/f/', '/new')$$, 'TX020', NULL, 'mv(/f/, /new) -> ENOTDIR');
SELECT is((SELECT count(*)::int FROM tarbox.ls('/') WHERE name = 'new'), 0, 'none of them made /new');
SELECT lives_ok($$SELECT tarbox.mkdir('/new/')$$, 'mkdir(/new/) works');
SELECT lives_ok($$SELECT tarbox.mv('/new', '/moved/')$$, 'mv of a directory to /moved/ works');
SELECT lives_ok($$SELECT tarbox.mv('/f', '/moved/')$$, 'mv of a file into an existing directory /moved/ works (mv(1))');
SELECT is((SELECT type FROM tarbox.stat('/moved/f')), 'file', '... it is /moved/f');

-- ---- Paths are bytes (item 12) --------------------------------------------------------------
SELECT lives_ok($$SELECT tarbox.write('\x2fff2e62696e'::bytea, 'not UTF-8'::bytea)$$, 'write to /\xff.bin (bytes)');
SELECT is(tarbox.read('\x2fff2e62696e'::bytea), 'not UTF-8'::bytea, 'read it back by its bytes');
SELECT is((SELECT name FROM tarbox.ls('/') WHERE ino = (SELECT ino FROM tarbox.stat('\x2fff2e62696e'::bytea))),
          '\xff.bin', 'ls shows the byte as \xNN');
SELECT throws_ok($$SELECT tarbox.write('\x2f61006262'::bytea, 'x'::bytea)$$, 'TX022', NULL, 'a NUL byte in a path -> EINVAL');
SELECT throws_ok($$SELECT tarbox.stat('\x61'::bytea)$$, 'TX022', NULL, 'a relative byte path -> EINVAL');
SELECT lives_ok($$SELECT tarbox.mkdir('\x2fff'::bytea); SELECT tarbox.write('\x2fff2f696e'::bytea, 'in'::bytea)$$,
                'a directory whose name is not UTF-8');
SELECT lives_ok($$SELECT tarbox.ln('\x2fff'::bytea, '\x2f6c696e6b'::bytea, true)$$, 'a symbolic link /link -> /\xff (a target that is not UTF-8)');
SELECT is(tarbox.read('/link/in'), 'in'::bytea,
          'a text path through a symbolic link whose target is not UTF-8 (it raised 22021)');
SELECT is(tarbox.readlink('/link'), '/\xff', 'readlink shows the target''s byte as \xNN');
SELECT is((SELECT target FROM tarbox.ls('/') WHERE name = 'link'), '/\xff',
          'ls shows a link''s target that is not UTF-8 as \xNN (it raised 22021)');
SELECT lives_ok($$SELECT tarbox.mv('\x2fff'::bytea, '\x2ffe'::bytea); SELECT tarbox.rm('\x2ffe'::bytea, true)$$,
                'mv and rm by bytes');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean');

-- ---- Errnos instead of raw PostgreSQL errors (item 12) -------------------------------------
SELECT ino AS d_ino FROM tarbox.stat('/d') \gset
SELECT throws_ok(format('SELECT tarbox.fs_setattr(%s, NULL, 4294967295, NULL, NULL, NULL, NULL)', :d_ino), 'TX022', NULL,
                 'fs_setattr uid 4294967295 -> EINVAL, as fs_create');
SELECT throws_ok(format('SELECT tarbox.fs_setattr(%s, NULL, NULL, 4294967295, NULL, NULL, NULL)', :d_ino), 'TX022', NULL,
                 'fs_setattr gid 4294967295 -> EINVAL');
SELECT throws_ok($$SELECT tarbox.chown('/d', 4294967295)$$, 'TX022', NULL, 'chown uid 4294967295 -> EINVAL');
SELECT lives_ok($$SELECT tarbox.chown('/d', -1, 7)$$, 'chown with -1 leaves the uid (chown(2))');
SELECT is((SELECT array[uid, gid] FROM tarbox.stat('/d')), ARRAY[0, 7]::bigint[], '... uid unchanged, gid set');
SELECT throws_ok('SELECT * FROM tarbox.layer_switch(NULL)', 'TX022', NULL, 'layer_switch(NULL) -> EINVAL (it did nothing, silently)');
SELECT throws_ok($$SELECT tarbox.layer_tag(NULL, 'x')$$, 'TX022', NULL, 'layer_tag(NULL, ...) -> EINVAL');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
