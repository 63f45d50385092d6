-- The path API reads compositions (issue 15 item 7): tarbox.stat, ls, read, read_text,
-- readlink and the xattr reads answer below a composition's mount point (and at it: its root)
-- what the mount shows, with the numbers the mount shows; '..' of its root is the tenant's
-- directory, a symbolic link inside resolves as through the mount (an absolute target from the
-- tenant's root); a read-only composition answers EROFS to every change, a copy-on-write one
-- is changed through the compose_* change functions (copy-up, whiteouts). The comparison with
-- a real mount is tests/compose/test_path_api.py.
BEGIN;
SELECT plan(80);

SELECT role_name AS alice FROM tarbox.tenant_create('pc_alice') \gset
SELECT role_name AS bob FROM tarbox.tenant_create('pc_bob') \gset

SET ROLE :"alice";
SELECT tarbox.mkdir('/src');
SELECT tarbox.mkdir('/src/pkg');
SELECT tarbox.write('/src/a.txt', 'alpha');
SELECT tarbox.write('/src/pkg/b.txt', 'beta');
SELECT tarbox.write('/src/pkg/gone.txt', 'to be deleted by bob');
SELECT tarbox.setxattr('/src/pkg/b.txt', 'user.origin', 'alice');
SELECT tarbox.ln('pkg/b.txt', '/src/link', true);
SELECT tarbox.ln('/home/note.txt', '/src/abs', true);
SELECT tarbox.ln('../src/a.txt', '/src/up', true);
SELECT tarbox.layer_new('v1');
SELECT (tarbox.stat('/src/a.txt')).ino AS a_ino \gset
SELECT (tarbox.stat('/src/pkg/b.txt')).ino AS b_ino \gset
SELECT (tarbox.stat('/src')).ino AS src_ino \gset
SELECT count(*) AS alice_rows FROM tarbox.inode \gset
RESET ROLE;
SELECT tarbox.publish('pc_alice', '1', 'pcimg', ARRAY['pc_bob']) IS NOT NULL;
SELECT tarbox.compose_add('pc_bob', '/mnt/ro', 'published:pcimg', 'ro') AS k_ro \gset
SELECT tarbox.compose_add('pc_bob', '/mnt/cow', 'published:pcimg', 'cow') AS k_cow \gset

SET ROLE :"bob";
SELECT tarbox.mkdir('/home');
SELECT tarbox.write('/home/note.txt', 'bob''s note');
SELECT count(*) FROM tarbox.compose_prepare();
SELECT tarbox.layer_new('work');
-- The numbers the mount shows: 2^56 | slot << 40 | n, slot = compose_id - 1.
SELECT 72057594037927936::bigint | ((:k_cow - 1)::bigint << 40) AS base_cow,
       72057594037927936::bigint | ((:k_ro - 1)::bigint << 40) AS base_ro \gset

-- ---------------------------------------------------------------------------------------------
-- Read-only.
SELECT is((tarbox.stat('/mnt/ro')).ino, :base_ro::bigint | 1, 'stat of the mount point: the composition''s root, numbered as the mount shows it');
SELECT is((SELECT array_agg(name ORDER BY name) FROM tarbox.ls('/mnt/ro')), ARRAY['src'], 'ls of the mount point lists the published root');
SELECT is((SELECT array_agg(name ORDER BY name) FROM tarbox.ls('/mnt/ro/src')), ARRAY['a.txt', 'abs', 'link', 'pkg', 'up'],
          'ls below the mount point');
SELECT is((SELECT ino FROM tarbox.ls('/mnt/ro/src') WHERE name = 'a.txt'), :base_ro::bigint | :a_ino, 'ls gives the mount''s numbers');
SELECT is((SELECT target FROM tarbox.ls('/mnt/ro/src') WHERE name = 'link'), 'pkg/b.txt', 'and symbolic link targets');
SELECT results_eq($$SELECT ino, type, size, mode, mtime_ns FROM tarbox.stat('/mnt/ro/src/a.txt')$$,
                  format($$SELECT %s::bigint | a.ino, 'file'::text, a.size, a.mode, a.mtime_ns FROM tarbox.compose_getattr(%s, %s) a$$,
                         :base_ro, :k_ro, :a_ino),
                  'stat below the mount point: the attributes compose_getattr gives the mount');
SELECT is(tarbox.read_text('/mnt/ro/src/a.txt'), 'alpha', 'read_text');
SELECT is(tarbox.read('/mnt/ro/src/pkg/b.txt', 1, 2), 'et'::bytea, 'read of a range');
SELECT is(tarbox.readlink('/mnt/ro/src/link'), 'pkg/b.txt', 'readlink');
SELECT is((tarbox.stat('/mnt/ro/src/link', false)).type, 'symlink', 'lstat of a symbolic link');
SELECT is(tarbox.read_text('/mnt/ro/src/link'), 'beta', 'a relative symbolic link resolves inside the composition');
SELECT is(tarbox.read_text('/mnt/ro/src/up'), 'alpha', 'one through .. inside it');
SELECT is(tarbox.read_text('/mnt/ro/src/abs'), 'bob''s note', 'an absolute target starts at the tenant''s root, as through the mount');
SELECT is((tarbox.stat('/mnt/ro/src/../..')).ino, (tarbox.stat('/mnt')).ino, '.. of the composition''s root is the tenant''s directory');
SELECT is(tarbox.read_text('/mnt/ro/../ro/src/./a.txt'), 'alpha', 'out and in again');
SELECT is(tarbox.read_text('/mnt/ro/src/../../../home/note.txt'), 'bob''s note', 'out to the tenant''s tree');
SELECT is((tarbox.stat('/mnt/ro/src/pkg/')).type, 'dir', 'a trailing slash on a directory');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/mnt/ro/src/nope')$$, 'TX002', NULL, 'ENOENT below the mount point');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/mnt/ro/nope/x')$$, 'TX002', NULL, 'ENOENT for a missing directory on the way');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/mnt/ro/src/a.txt/x')$$, 'TX020', NULL, 'ENOTDIR');
SELECT throws_ok($$SELECT * FROM tarbox.ls('/mnt/ro/src/a.txt/')$$, 'TX020', NULL, 'ENOTDIR for a file with a trailing slash');
SELECT throws_ok($$SELECT tarbox.read('/mnt/ro/src')$$, 'TX021', NULL, 'EISDIR reading a directory');
SELECT is(convert_from(tarbox.getxattr('/mnt/ro/src/pkg/b.txt', 'user.origin'), 'UTF8'), 'alice', 'getxattr');
SELECT is((SELECT array_agg(n) FROM tarbox.listxattr('/mnt/ro/src/pkg/b.txt') n), ARRAY['user.origin'], 'listxattr');
SELECT is((SELECT array_agg(name || ':' || type || ':' || (ino = CASE name WHEN 'ro' THEN :base_ro::bigint ELSE :base_cow::bigint END | 1)
                            ORDER BY name) FROM tarbox.ls('/mnt')),
          ARRAY['cow:dir:true', 'ro:dir:true'], 'the parent lists each mount point as the composition''s root');
SELECT is(tarbox.read_text('/mnt/ro/src/a.txt', '1'), 'alpha', 'at a historical layer too (as a mount of that layer shows it)');
SELECT throws_ok($$SELECT tarbox.write('/mnt/ro/src/a.txt', 'x')$$, 'TX030', NULL, 'write in a read-only composition -> EROFS');
SELECT throws_ok($$SELECT tarbox.write('/mnt/ro/src/new.txt', 'x')$$, 'TX030', NULL, 'creating a file -> EROFS');
SELECT throws_ok($$SELECT tarbox.append('/mnt/ro/src/a.txt', 'x')$$, 'TX030', NULL, 'append -> EROFS');
SELECT throws_ok($$SELECT tarbox.truncate('/mnt/ro/src/a.txt', 0)$$, 'TX030', NULL, 'truncate -> EROFS');
SELECT throws_ok($$SELECT tarbox.mkdir('/mnt/ro/src/d')$$, 'TX030', NULL, 'mkdir -> EROFS');
SELECT throws_ok($$SELECT tarbox.rm('/mnt/ro/src/a.txt')$$, 'TX030', NULL, 'rm -> EROFS');
SELECT throws_ok($$SELECT tarbox.rmdir('/mnt/ro/src/pkg')$$, 'TX030', NULL, 'rmdir -> EROFS');
SELECT throws_ok($$SELECT tarbox.mv('/mnt/ro/src/a.txt', '/mnt/ro/src/a2.txt')$$, 'TX030', NULL, 'mv within -> EROFS');
SELECT throws_ok($$SELECT tarbox.mv('/mnt/ro/src/a.txt', '/home/a.txt')$$, 'TX030', NULL, 'mv out of it -> EROFS');
SELECT throws_ok($$SELECT tarbox.chmod('/mnt/ro/src/a.txt', 384)$$, 'TX030', NULL, 'chmod -> EROFS');
SELECT throws_ok($$SELECT tarbox.chmod('/mnt/ro', 448)$$, 'TX030', NULL, 'chmod of the mount point (the composition''s root) -> EROFS');
SELECT throws_ok($$SELECT tarbox.touch('/mnt/ro/src/a.txt')$$, 'TX030', NULL, 'touch -> EROFS');
SELECT throws_ok($$SELECT tarbox.setxattr('/mnt/ro/src/a.txt', 'user.x', 'y')$$, 'TX030', NULL, 'setxattr -> EROFS');
SELECT throws_ok($$SELECT tarbox.ln('a.txt', '/mnt/ro/src/l2', true)$$, 'TX030', NULL, 'symlink -> EROFS');
SELECT throws_ok($$SELECT tarbox.rm('/mnt/ro')$$, 'TX016', NULL, 'the mount point itself -> EBUSY');
SELECT is((tarbox.remote_stat('/mnt/ro/src')).ino, (tarbox.stat('/mnt/ro/src')).ino,
          'the remote (HTTP) API answers what the path API does (89-remote-compose.sql)');

-- ---------------------------------------------------------------------------------------------
-- Copy-on-write.
SELECT is(tarbox.write('/mnt/cow/src/a.txt', 'ALPHA!'), 6::bigint, 'write copies the file up');
SELECT is(tarbox.read_text('/mnt/cow/src/a.txt'), 'ALPHA!', 'and reads the copy');
SELECT is(convert_from(tarbox.compose_read(:k_cow, :a_ino, 0, 100), 'UTF8'), 'ALPHA!', 'which the mount reads too');
SELECT is((tarbox.stat('/mnt/cow/src/a.txt')).ino, :base_cow::bigint | :a_ino, 'the copy keeps the shown number');
SELECT is(tarbox.read_text('/mnt/ro/src/a.txt'), 'alpha', 'the read-only composition of the same publication is unchanged');
SELECT is(tarbox.rm('/mnt/cow/src/pkg/gone.txt'), 1::bigint, 'rm of a publisher''s file');
SELECT is((SELECT array_agg(name ORDER BY name) FROM tarbox.ls('/mnt/cow/src/pkg')), ARRAY['b.txt'],
          'its whiteout is not listed');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/mnt/cow/src/pkg/gone.txt')$$, 'TX002', NULL, 'and it is ENOENT');
-- tarbox.history in a composition: the consumer's changes over the published layer
SELECT results_eq($$SELECT layer_name, change, type, size, ino FROM tarbox.history('/mnt/cow/src/a.txt')$$,
                  format($$VALUES ('work'::text, 'M'::text, 'file'::text, 6::bigint, %s::bigint | %s)$$, :base_cow, :a_ino),
                  'history of a copied-up file: modified in the layer of the copy-up, with the number the mount shows');
SELECT results_eq($$SELECT layer_name, change, type FROM tarbox.history('/mnt/cow/src/pkg/gone.txt')$$,
                  $$VALUES ('work'::text, 'D'::text, 'file'::text)$$, 'a whiteout is a deletion');
SELECT is((SELECT count(*)::int FROM tarbox.history('/mnt/cow/src/pkg/b.txt')), 0, 'an entry never changed has no history of the consumer''s');
SELECT is((SELECT count(*)::int FROM tarbox.history('/mnt/ro/src/a.txt')), 0, 'nor has any entry of a read-only composition');
SELECT is((SELECT array_agg(layer_name || ':' || change) FROM tarbox.history('/mnt/cow')), ARRAY['base:A'],
          'the mount point has the history of the consumer''s directory there');
SELECT throws_ok($$SELECT * FROM tarbox.history('/mnt/cow/src/nope/x')$$, 'TX002', NULL, 'a missing directory in it -> ENOENT');
SELECT tarbox.mkdir('/mnt/cow/src/new/deep', 493, true);
SELECT is(tarbox.write('/mnt/cow/src/new/deep/f.txt', 'fresh'), 5::bigint, 'mkdir -p and a new file');
SELECT ok((tarbox.stat('/mnt/cow/src/new/deep/f.txt')).ino >= :base_cow::bigint | 549755813888,
          'a new file is numbered in the consumer''s own range, as in the mount');
SELECT lives_ok($$SELECT tarbox.mv('/mnt/cow/src/new/deep/f.txt', '/mnt/cow/src/f2.txt')$$, 'mv within the composition');
SELECT is(tarbox.read_text('/mnt/cow/src/f2.txt'), 'fresh', 'moved');
SELECT results_eq($$SELECT layer_name, change, ino >= 72057594037927936 FROM tarbox.history('/mnt/cow/src/f2.txt')$$,
                  $$VALUES ('work'::text, 'A'::text, true)$$, 'history of a file the consumer made in it: added');
SELECT throws_ok($$SELECT tarbox.mv('/mnt/cow/src/f2.txt', '/home/f2.txt')$$, 'TX018', NULL, 'mv across its boundary -> EXDEV');
SELECT tarbox.chmod('/mnt/cow/src/pkg/b.txt', 384);
SELECT tarbox.setxattr('/mnt/cow/src/pkg/b.txt', 'user.x', 'bob');
SELECT is((SELECT array_agg(n ORDER BY n) FROM tarbox.listxattr('/mnt/cow/src/pkg/b.txt') n), ARRAY['user.origin', 'user.x'],
          'chmod and setxattr copy up (the publisher''s xattrs come along)');
SELECT is((tarbox.stat('/mnt/cow/src/pkg/b.txt')).mode & 4095, 384, 'chmod');
SELECT tarbox.ln('pkg/b.txt', '/mnt/cow/src/l2', true);
SELECT is(tarbox.read_text('/mnt/cow/src/l2'), 'beta', 'a symbolic link made in it resolves in it');
SELECT is(tarbox.rm('/mnt/cow/src/new', true), 2::bigint, 'rm -r of a directory made in it');
SELECT lives_ok($$SELECT tarbox.rm('/mnt/cow/src/pkg', true)$$, 'rm -r of a publisher''s directory');
SELECT is((SELECT array_agg(name ORDER BY name) FROM tarbox.ls('/mnt/cow/src')), ARRAY['a.txt', 'abs', 'f2.txt', 'l2', 'link', 'up'],
          'the merged listing after the changes');
RESET ROLE;
SELECT count(*) >= 0 FROM tarbox.gc('pc_bob');  -- the copied-up 'alpha' replaced in this layer (as with any overwrite)
SET ROLE :"bob";
SELECT is((SELECT count(*)::int FROM tarbox.fsck()), 0, 'fsck clean for bob');
RESET ROLE;

-- ---------------------------------------------------------------------------------------------
-- A composition's numbers are its own: adding or removing another leaves them as they were
-- (slot = compose_id - 1, not a rank by mount path), so a mount or WASI guest keeps what it learned.
SET ROLE :"bob";
SELECT (tarbox.stat('/mnt/ro/src/a.txt')).ino AS ro_a, (tarbox.stat('/mnt/cow/src/a.txt')).ino AS cow_a \gset
RESET ROLE;
SELECT is(tarbox.compose_add('pc_bob', '/aaa', 'published:pcimg', 'ro'), :k_cow + 1, 'a new composition takes the next compose_id');
SET ROLE :"bob";
SELECT is((tarbox.stat('/mnt/ro/src/a.txt')).ino, :ro_a::bigint,
          'one added at a mount path sorted before the others leaves their numbers');
SELECT is((tarbox.stat('/mnt/cow/src/a.txt')).ino, :cow_a::bigint, 'each of them');
SELECT is((tarbox.stat('/aaa/src/a.txt')).ino, 72057594037927936::bigint | (:k_cow::bigint << 40) | :a_ino,
          'the new one is numbered by its compose_id');
SELECT is((tarbox.wasi_stat(1, 'mnt/ro/src/a.txt', false)).ino, :ro_a::bigint, 'WASI gives the same number');
RESET ROLE;
SELECT tarbox.compose_rm('pc_bob', '/mnt/ro');
SELECT is(tarbox.compose_add('pc_bob', '/bbb', 'published:pcimg', 'ro'), :k_cow + 2,
          'the next after the highest: the removed one''s compose_id is not handed out again');
SET ROLE :"bob";
SELECT throws_ok(format('SELECT tarbox.fs_getattr(%s)', :ro_a), 'TX002', NULL, 'the removed composition''s numbers are ENOENT');
SELECT is((tarbox.stat('/mnt/cow/src/a.txt')).ino, :cow_a::bigint, 'the others keep theirs');
RESET ROLE;

SET ROLE :"alice";
SELECT is(tarbox.read_text('/src/a.txt'), 'alpha', 'alice''s file unchanged');
SELECT is((SELECT count(*)::int FROM tarbox.inode), :alice_rows::int, 'alice has no new rows');
SELECT is((SELECT count(*)::int FROM tarbox.fsck()), 0, 'fsck clean for alice');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
