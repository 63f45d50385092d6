-- The remote API (HTTP routes, tarbox.remote_*) reads compositions (issue 15): remote_stat,
-- remote_list, remote_read, remote_readlink, remote_canonicalize and remote_xattrs answer below
-- a composition's mount point (and at it: its root) what the mount shows, with the numbers the
-- mount shows, as the path API does (89-path-compose.sql); the remote changes answer EROFS in a
-- read-only composition and change a copy-on-write one as the mount does; names that are not
-- UTF-8 come back as their bytes.
BEGIN;
SELECT plan(82);

SELECT role_name AS alice FROM tarbox.tenant_create('rc_alice') \gset
SELECT role_name AS bob FROM tarbox.tenant_create('rc_bob') \gset

SET ROLE :"alice";
SELECT tarbox.mkdir('/src');
SELECT tarbox.mkdir('/src/pkg');
SELECT tarbox.write('/src/a.txt', 'alpha');
SELECT tarbox.write('/src/pkg/b.txt', 'beta');
SELECT tarbox.write('/src/pkg/gone.txt', 'to be deleted by bob');
SELECT tarbox.setxattr('/src/pkg/b.txt', 'user.origin', 'alice');
SELECT tarbox.ln('pkg/b.txt', '/src/link', true);
SELECT tarbox.layer_new('v1');
SELECT (tarbox.stat('/src/a.txt')).ino AS a_ino \gset
SELECT (tarbox.stat('/src/pkg/b.txt')).ino AS b_ino \gset
RESET ROLE;
SELECT tarbox.publish('rc_alice', '1', 'rcimg', ARRAY['rc_bob']) IS NOT NULL;
SELECT tarbox.compose_add('rc_bob', '/mnt/ro', 'published:rcimg', 'ro') AS k_ro \gset
SELECT tarbox.compose_add('rc_bob', '/mnt/cow', 'published:rcimg', 'cow') AS k_cow \gset

SET ROLE :"bob";
SELECT tarbox.mkdir('/home');
SELECT tarbox.write('/home/note.txt', 'bob''s note');
SELECT count(*) FROM tarbox.compose_prepare();
SELECT tarbox.layer_new('work');
SELECT 72057594037927936::bigint | ((:k_cow - 1)::bigint << 40) AS base_cow,
       72057594037927936::bigint | ((:k_ro - 1)::bigint << 40) AS base_ro \gset

-- ---------------------------------------------------------------------------------------------
-- Read-only: what the mount shows, with its numbers.
SELECT is((tarbox.remote_stat('/mnt/ro')).ino, :base_ro::bigint | 1, 'remote_stat of the mount point: the composition''s root');
SELECT is((tarbox.remote_stat('/mnt/ro')).type, 'dir', 'a directory');
SELECT results_eq($$SELECT ino, type, size, mode, mtime_ns, nlink FROM tarbox.remote_stat('/mnt/ro/src/a.txt')$$,
                  $$SELECT ino, type, size, mode, mtime_ns, nlink FROM tarbox.stat('/mnt/ro/src/a.txt')$$,
                  'remote_stat below the mount point answers what tarbox.stat (and the mount) shows');
SELECT is((tarbox.remote_stat('/mnt/ro/src/a.txt')).name, 'a.txt'::bytea, 'with its name');
SELECT is((tarbox.remote_stat('/mnt/ro/src/link', false)).type, 'symlink', 'lstat of a symbolic link');
SELECT is((tarbox.remote_stat('/mnt/ro/src/link')).ino, :base_ro::bigint | :b_ino, 'stat follows it inside the composition');
SELECT ok((tarbox.remote_stat('/mnt/ro/src/a.txt')).etag LIKE 'k' || :k_ro || ':%', 'an etag of its own kind');
SELECT throws_ok($$SELECT * FROM tarbox.remote_stat('/mnt/ro/src/nope')$$, 'TX002', NULL, 'ENOENT below the mount point');
SELECT throws_ok($$SELECT * FROM tarbox.remote_stat('/mnt/ro/src/a.txt/x')$$, 'TX020', NULL, 'ENOTDIR');
SELECT is((SELECT array_agg(convert_from(name, 'UTF8') ORDER BY name) FROM tarbox.remote_list('/mnt/ro/src')),
          ARRAY['a.txt', 'link', 'pkg'], 'remote_list below the mount point');
SELECT results_eq($$SELECT name, ino, type, size FROM tarbox.remote_list('/mnt/ro/src')$$,
                  $$SELECT convert_to(name, 'UTF8'), ino, type, size FROM tarbox.ls('/mnt/ro/src') ORDER BY convert_to(name, 'UTF8')$$,
                  'the same entries, numbers and sizes as tarbox.ls, in name order');
SELECT is((SELECT array_agg(convert_from(name, 'UTF8')) FROM tarbox.remote_list('/mnt/ro/src', 'a.txt', 1)),
          ARRAY['link'], 'paged after a name');
SELECT is((SELECT array_agg(convert_from(name, 'UTF8')) FROM tarbox.remote_list('/mnt/ro')), ARRAY['src'],
          'remote_list of the mount point lists the published root');
SELECT throws_ok($$SELECT * FROM tarbox.remote_list('/mnt/ro/src/a.txt')$$, 'TX020', NULL, 'remote_list of a file -> ENOTDIR');
SELECT is((tarbox.remote_read('/mnt/ro/src/a.txt')).data, 'alpha'::bytea, 'remote_read');
SELECT is((SELECT data FROM tarbox.remote_read('/mnt/ro/src/pkg/b.txt', 1, 2)), 'et'::bytea, 'a range');
SELECT is((SELECT data FROM tarbox.remote_read('/mnt/ro/src/pkg/b.txt', -2)), 'ta'::bytea, 'a suffix range');
SELECT is((SELECT data FROM tarbox.remote_read('/mnt/ro/src/a.txt', 0, NULL, NULL,
                                               ARRAY[(tarbox.remote_stat('/mnt/ro/src/a.txt')).etag])),
          'alpha'::bytea, 'If-Match with the etag remote_stat gave');
SELECT throws_ok($$SELECT * FROM tarbox.remote_read('/mnt/ro/src/a.txt', 0, NULL, NULL, ARRAY['1-1-1'])$$, 'TX116', NULL,
                 'another etag -> ESTALE');
SELECT throws_ok($$SELECT * FROM tarbox.remote_read('/mnt/ro/src')$$, 'TX021', NULL, 'remote_read of a directory -> EISDIR');
SELECT is(tarbox.remote_readlink('/mnt/ro/src/link'), 'pkg/b.txt'::bytea, 'remote_readlink');
SELECT is(tarbox.remote_canonicalize('/mnt/ro/src/./pkg/../link'), '/mnt/ro/src/pkg/b.txt'::bytea, 'remote_canonicalize');
SELECT is(tarbox.remote_canonicalize('/mnt/ro/src/pkg/'), '/mnt/ro/src/pkg'::bytea, 'remote_canonicalize of a directory');
SELECT is(tarbox.remote_canonicalize('/mnt/ro/src/..'), '/mnt/ro'::bytea, 'of the composition''s root');
SELECT is((SELECT array_agg(convert_from(name, 'UTF8') || '=' || convert_from(value, 'UTF8')) FROM tarbox.remote_xattrs('/mnt/ro/src/pkg/b.txt')),
          ARRAY['user.origin=alice'], 'remote_xattrs');
SELECT is((tarbox.remote_read('/mnt/ro/src/a.txt', 0, NULL, '1')).data, 'alpha'::bytea, 'at a historical layer too');
SELECT is((tarbox.remote_stat('/home/note.txt')).size, 10::bigint, 'the tenant''s own tree as before');

-- Read-only: changes are EROFS, as the mount answers (not EREMOTE).
SELECT throws_ok($$SELECT * FROM tarbox.remote_write('/mnt/ro/src/a.txt', 'x')$$, 'TX030', NULL, 'remote_write -> EROFS');
SELECT throws_ok($$SELECT * FROM tarbox.remote_write('/mnt/ro/src/new.txt', 'x')$$, 'TX030', NULL, 'creating a file -> EROFS');
SELECT throws_ok($$SELECT * FROM tarbox.remote_mkdir('/mnt/ro/src/d')$$, 'TX030', NULL, 'remote_mkdir -> EROFS');
-- as Linux's mkdir(2), EEXIST before EROFS: an existing directory is no change
SELECT is((tarbox.remote_mkdir('/mnt/ro/src/pkg', 493, true)).ino, (tarbox.remote_stat('/mnt/ro/src/pkg')).ino,
          'mkdir -p of a directory the composition has: its entry, with the number the mount shows');
SELECT is((tarbox.remote_mkdir('/mnt/ro', 493, true)).type, 'dir', 'mkdir -p of the mount point itself');
SELECT throws_ok($$SELECT * FROM tarbox.remote_mkdir('/mnt/ro/src/pkg')$$, 'TX017', NULL, 'mkdir of it -> EEXIST');
SELECT throws_ok($$SELECT * FROM tarbox.remote_mkdir('/mnt/ro/src/a.txt', 493, true)$$, 'TX020', NULL,
                 'mkdir -p of a file there -> ENOTDIR');
SELECT throws_ok($$SELECT * FROM tarbox.remote_mkdir('/mnt/ro/src/pkg/new/deeper', 493, true)$$, 'TX030', NULL,
                 'mkdir -p through an existing directory that must make one -> EROFS');
SELECT is((tarbox.remote_mkdir('/mnt/cow/src/pkg', 493, true)).type, 'dir', 'mkdir -p of an existing copy-on-write directory');
SELECT throws_ok($$SELECT * FROM tarbox.remote_remove('/mnt/ro/src/a.txt')$$, 'TX030', NULL, 'remote_remove -> EROFS');
SELECT throws_ok($$SELECT * FROM tarbox.remote_rename('/mnt/ro/src/a.txt', '/home/a.txt')$$, 'TX030', NULL, 'remote_rename -> EROFS');
SELECT throws_ok($$SELECT * FROM tarbox.remote_setattr('/mnt/ro/src/a.txt', 384)$$, 'TX030', NULL, 'remote_setattr -> EROFS');
SELECT throws_ok($$SELECT * FROM tarbox.remote_setxattr('/mnt/ro/src/a.txt', 'user.x', 'y')$$, 'TX030', NULL, 'remote_setxattr -> EROFS');
SELECT throws_ok($$SELECT * FROM tarbox.remote_symlink('a.txt', '/mnt/ro/src/l2')$$, 'TX030', NULL, 'remote_symlink -> EROFS');
SELECT throws_ok($$SELECT * FROM tarbox.remote_link('/home/note.txt', '/mnt/ro/src/n2')$$, 'TX030', NULL, 'remote_link -> EROFS');

-- ---------------------------------------------------------------------------------------------
-- Copy-on-write: reads show the merged view, the caller's copy once changed.
SELECT tarbox.write('/mnt/cow/src/a.txt', 'ALPHA!');
SELECT tarbox.rm('/mnt/cow/src/pkg/gone.txt');
SELECT is((tarbox.remote_read('/mnt/cow/src/a.txt')).data, 'ALPHA!'::bytea, 'remote_read of a copied-up file reads the copy');
SELECT is((tarbox.remote_stat('/mnt/cow/src/a.txt')).ino, :base_cow::bigint | :a_ino, 'which keeps the shown number');
SELECT isnt((tarbox.remote_stat('/mnt/cow/src/a.txt')).etag, (tarbox.remote_stat('/mnt/ro/src/a.txt')).etag,
            'and has another etag than the publisher''s version');
SELECT is((SELECT array_agg(convert_from(name, 'UTF8') ORDER BY name) FROM tarbox.remote_list('/mnt/cow/src/pkg')), ARRAY['b.txt'],
          'remote_list hides the whiteout');
SELECT is((tarbox.remote_read('/mnt/ro/src/a.txt')).data, 'alpha'::bytea, 'the read-only composition is unchanged');

-- Copy-on-write: the remote changes change the caller's copy, as the mount and the path API do.
SELECT is((tarbox.remote_write('/mnt/cow/src/pkg/b.txt', 'BETA', 0, true, true)).ino, :base_cow::bigint | :b_ino,
          'remote_write of a file of the publication: copied up, the number the mount shows kept');
SELECT is((tarbox.remote_read('/mnt/cow/src/pkg/b.txt')).data, 'BETA'::bytea, 'and reads the copy');
SELECT is((tarbox.remote_read('/mnt/ro/src/pkg/b.txt')).data, 'beta'::bytea, 'the publication is unchanged');
SELECT throws_ok($$SELECT * FROM tarbox.remote_write('/mnt/cow/src/pkg/b.txt', 'x', 0, true, true, false, ARRAY['1-1-1'])$$,
                 'TX116', NULL, 'If-Match with another etag -> ESTALE');
SELECT is((tarbox.remote_write('/mnt/cow/src/pkg/b.txt', '!', 0, false, false, false, NULL, false, true)).size, 5::bigint,
          'an append (O_APPEND) to the copy');
SELECT is((tarbox.remote_write('/mnt/cow/src/pkg/b.txt', 'If', 0, false, false, false,
                               ARRAY[(tarbox.remote_stat('/mnt/cow/src/pkg/b.txt')).etag])).size, 5::bigint,
          'If-Match with the etag remote_stat gave');
SELECT is((tarbox.remote_write('/mnt/cow/src/new.txt', 'n', 0, false, false, true, NULL, false, false, 384)).mode & 4095, 384,
          'a new file in the copied-up directory, with the mode asked for');
SELECT throws_ok($$SELECT * FROM tarbox.remote_write('/mnt/cow/src/new.txt', 'n', 0, false, false, true)$$, 'TX017', NULL,
                 'createNew of an existing file -> EEXIST');
SELECT throws_ok($$SELECT * FROM tarbox.remote_write('/mnt/cow/nodir/f', 'n')$$, 'TX002', NULL,
                 'a missing directory -> ENOENT');
SELECT is((tarbox.remote_mkdir('/mnt/cow/src/d2/e', 493, true)).type, 'dir', 'remote_mkdir -p in the copy');
SELECT throws_ok($$SELECT * FROM tarbox.remote_mkdir('/mnt/cow/src/d2')$$, 'TX017', NULL, 'mkdir of it again -> EEXIST');
SELECT is((tarbox.remote_symlink('a.txt', '/mnt/cow/src/l3')).type, 'symlink', 'remote_symlink');
SELECT is(tarbox.remote_readlink('/mnt/cow/src/l3'), 'a.txt'::bytea, 'which reads back');
SELECT is((tarbox.remote_setattr('/mnt/cow/src/pkg/b.txt', 384)).mode & 4095, 384, 'remote_setattr (chmod)');
SELECT is((tarbox.remote_setxattr('/mnt/cow/src/pkg/b.txt', 'user.k'::bytea, 'v'::bytea)).type, 'file', 'remote_setxattr');
SELECT throws_ok($$SELECT * FROM tarbox.remote_setxattr('/mnt/cow/src/nope', 'user.k'::bytea, 'v'::bytea)$$, 'TX002', NULL,
                 'remote_setxattr of a missing file -> ENOENT');
SELECT is((SELECT array_agg(convert_from(name, 'UTF8') || '=' || convert_from(value, 'UTF8') ORDER BY name)
             FROM tarbox.remote_xattrs('/mnt/cow/src/pkg/b.txt')),
          ARRAY['user.k=v', 'user.origin=alice'], 'the copy keeps the publisher''s attribute and has the new one');
SELECT is((tarbox.remote_rename('/mnt/cow/src/new.txt', '/mnt/cow/src/renamed.txt')).name, 'renamed.txt'::bytea, 'remote_rename');
SELECT is((SELECT array_agg(convert_from(name, 'UTF8') ORDER BY name) FROM tarbox.remote_list('/mnt/cow/src')),
          ARRAY['a.txt', 'd2', 'l3', 'link', 'pkg', 'renamed.txt'], 'the copy-on-write directory as the mount shows it');
SELECT throws_ok($$SELECT * FROM tarbox.remote_rename('/mnt/cow/src/renamed.txt', '/home/x.txt')$$, 'TX018', NULL,
                 'a rename out of the composition -> EXDEV');
SELECT throws_ok($$SELECT * FROM tarbox.remote_link('/home/note.txt', '/mnt/cow/src/n2')$$, 'TX018', NULL,
                 'a hard link into it -> EXDEV');
SELECT is(tarbox.remote_remove('/mnt/cow/src/renamed.txt'), 1::bigint, 'remote_remove of a file');
SELECT throws_ok($$SELECT * FROM tarbox.remote_remove('/mnt/cow/src/pkg', 'file')$$, 'TX021', NULL, 'a directory as a file -> EISDIR');
SELECT ok(tarbox.remote_remove('/mnt/cow/src/pkg', 'dir', true) >= 2, 'remote_remove -r of a directory of the publication');
SELECT is((SELECT array_agg(convert_from(name, 'UTF8') ORDER BY name) FROM tarbox.remote_list('/mnt/cow/src')),
          ARRAY['a.txt', 'd2', 'l3', 'link'], 'gone from what the mount shows');
SELECT is((SELECT array_agg(convert_from(name, 'UTF8')) FROM tarbox.remote_list('/mnt/cow/src', NULL, 2)),
          ARRAY['a.txt', 'd2'], 'paged: the first page of the merged directory, in name order');
SELECT is((SELECT array_agg(convert_from(name, 'UTF8')) FROM tarbox.remote_list('/mnt/cow/src', 'd2', 2)),
          ARRAY['l3', 'link'], 'the next page: the caller''s entry, then the publisher''s');
SELECT is((SELECT count(*)::int FROM tarbox.remote_list('/mnt/cow/src', 'link', 5)), 0,
          'after the last name: nothing (the whiteout of pkg is no entry)');
SELECT is((SELECT array_agg(convert_from(name, 'UTF8') ORDER BY name) FROM tarbox.remote_list('/mnt/ro/src')),
          ARRAY['a.txt', 'link', 'pkg'], 'and still in the publication');
SELECT throws_ok($$SELECT * FROM tarbox.remote_remove('/mnt/cow', 'dir', true)$$, 'TX016', NULL, 'the mount point -> EBUSY');
-- (blocks that the overwrites left are released at commit, which this test's transaction never
-- reaches: garbage, not corruption)
SELECT is((SELECT count(*)::int FROM tarbox.fsck() WHERE check_name <> 'garbage'), 0, 'fsck clean for bob');
RESET ROLE;
SET ROLE :"alice";
SELECT is(tarbox.read('/src/pkg/b.txt'), 'beta'::bytea, 'the publisher''s file is unchanged');
SELECT is((SELECT count(*)::int FROM tarbox.fsck()), 0, 'fsck clean for alice');
-- A directory name that is not UTF-8, in a publication: remote_canonicalize gives its bytes
SELECT tarbox.mkdir('\x2f6f64642fff'::bytea, 493, true);
SELECT tarbox.write('\x2f6f64642fff2f66'::bytea, 'f'::bytea);
SELECT tarbox.layer_new('v2');
RESET ROLE;
SELECT tarbox.publish('rc_alice', 'v1', 'rcodd', ARRAY['rc_bob']) IS NOT NULL;  -- the layer the directory was made in
SELECT tarbox.compose_add('rc_bob', '/mnt/odd', 'published:rcodd', 'ro') AS k_odd \gset
SET ROLE :"bob";
SELECT count(*) FROM tarbox.compose_prepare();
SELECT is(tarbox.remote_canonicalize('\x2f6d6e742f6f64642f6f64642fff2f2e2f'::bytea), '\x2f6d6e742f6f64642f6f64642fff'::bytea,
          'remote_canonicalize of a directory whose name is not UTF-8, in a composition: its bytes (/mnt/odd/odd/\xff)');
SELECT is(tarbox.remote_canonicalize('\x2f6d6e742f6f64642f6f64642fff2f66'::bytea), '\x2f6d6e742f6f64642f6f64642fff2f66'::bytea,
          '... and of a file in it');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
