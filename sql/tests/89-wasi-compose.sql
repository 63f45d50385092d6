-- The WASI API serves compositions as the mount shows them (issue 15): a WASI walk
-- (tarbox._wasi_walk) that steps onto a composition's mount point enters the composition,
-- whatever the tenant's own tree holds there, every number is the one the mount shows, and the
-- inode functions the WASI client calls with those numbers (fs_getattr, fs_read, fs_readdir,
-- fs_setattr, wasi_write, wasi_allocate, wasi_close) serve them. A read-only composition is
-- EROFS for every change; a copy-on-write one changes the caller's copy (copy-up, whiteouts),
-- EXDEV across its boundary, never the publisher's rows. Each change has one audit record.
BEGIN;
SELECT plan(75);

SELECT role_name AS alice FROM tarbox.tenant_create('wc_alice') \gset
SELECT role_name AS bob FROM tarbox.tenant_create('wc_bob') \gset

SET ROLE :"alice";
SELECT tarbox.mkdir('/src');
SELECT tarbox.write('/src/a.txt', 'alpha');
SELECT tarbox.ln('a.txt', '/src/link', true);
SELECT tarbox.mkdir('/src/sub');
SELECT tarbox.write('/src/sub/b.txt', 'bravo');
SELECT tarbox.layer_new('v1');
RESET ROLE;
SELECT tarbox.publish('wc_alice', '1', 'wcimg', ARRAY['wc_bob']) IS NOT NULL;
SELECT tarbox.compose_add('wc_bob', '/mnt/ro', 'published:wcimg', 'ro') AS k_ro \gset
SELECT tarbox.compose_add('wc_bob', '/mnt/cow', 'published:wcimg', 'cow') AS k_cow \gset

SET ROLE :"bob";
SELECT tarbox.mkdir('/home');
SELECT tarbox.mkdir('/home/ro');  -- the same name as a mount point, elsewhere
SELECT tarbox.write('/home/note.txt', 'bob''s note');
SELECT tarbox.ln('../mnt/ro', '/home/to-ro', true);
SELECT count(*) FROM tarbox.compose_prepare();  -- makes /mnt, /mnt/ro, /mnt/cow in bob's tree
SELECT tarbox.mkdir('/mnt/zz');  -- bob's own, listed after the mount points
RESET ROLE;
-- a composition whose mount point bob's tree does not hold (added after compose_prepare)
SELECT tarbox.compose_add('wc_bob', '/home/img', 'published:wcimg', 'ro') AS k_img \gset
SET ROLE :"bob";
SELECT (tarbox.stat('/mnt')).ino AS mnt, (tarbox.stat('/home')).ino AS home,
       (tarbox.stat('/mnt/ro')).ino AS ro_root, (tarbox.stat('/mnt/cow')).ino AS cow_root,
       (tarbox.stat('/mnt/ro/src/a.txt')).ino AS ro_a, (tarbox.stat('/mnt/cow/src/a.txt')).ino AS cow_a,
       (tarbox.stat('/mnt/ro/src')).ino AS ro_src, (tarbox.stat('/mnt/cow/src')).ino AS cow_src \gset

-- ---- reads ----------------------------------------------------------------------------------
SELECT is((tarbox.wasi_stat(1, 'mnt/ro', false)).ino, :ro_root::bigint,
          'the mount point is the composition''s root (the number the mount and tarbox.stat show)');
SELECT ok(:ro_root::bigint >= 72057594037927936, 'a number in the composition range (2^56 and above)');
SELECT is((tarbox.wasi_stat(1, 'mnt/ro/src/a.txt', false)).ino, :ro_a::bigint, 'a file below it');
SELECT is((tarbox.wasi_stat(1, 'mnt/ro/src/a.txt', false)).size, 5::bigint, 'with the publisher''s size');
SELECT is((tarbox.wasi_stat(:mnt, 'ro/src/a.txt', false)).ino, :ro_a::bigint, 'from a base above the mount point');
SELECT is((tarbox.wasi_stat(:ro_root, 'src/a.txt', false)).ino, :ro_a::bigint, 'from the composition''s root as base');
SELECT is((tarbox.wasi_stat(1, 'home/ro/../../mnt/ro/src/a.txt', false)).ino, :ro_a::bigint, 'after ".."');
SELECT is((tarbox.wasi_stat(1, 'home/to-ro/src/a.txt', false)).ino, :ro_a::bigint, 'through a symbolic link to the mount point');
SELECT is((tarbox.wasi_stat(1, 'mnt/ro/src/link', true)).ino, :ro_a::bigint, 'a symbolic link inside it, followed');
SELECT is(tarbox.wasi_readlink(1, 'mnt/ro/src/link'), '\x612e747874'::bytea, 'readlink inside it');
SELECT is((tarbox.wasi_stat(1, 'mnt/ro/src/..', false)).ino, :ro_root::bigint, '".." inside it');
SELECT is((tarbox.wasi_stat(1, 'mnt/ro/..', false)).ino, :mnt::bigint, '".." of its root is the tenant''s directory above it');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, '../home', false)$$, :ro_root), 'TX001', NULL,
                 '".." above a base in a composition leaves the base -> EPERM');
SELECT is((tarbox.wasi_stat(1, 'home/img/src/sub/b.txt', false)).size, 5::bigint,
          'a mount point the tenant''s tree does not hold resolves too (as the mount shows it)');
SELECT is((tarbox.wasi_stat(1, 'home/ro', false)).ino, (tarbox.stat('/home/ro')).ino,
          'a name equal to a mount point''s elsewhere is the tenant''s own');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'src', false)$$, (72057594037927936::bigint | (9::bigint << 40) | 1)),
                 'TX002', NULL, 'a base numbered as no composition of the tenant''s shows -> ENOENT');
SELECT is((tarbox.wasi_open(1, 'mnt/ro/src/a.txt', false, 0, false)).ino, :ro_a::bigint, 'open for reading');
SELECT is(tarbox.fs_read(:ro_a, 0, 100), '\x616c706861'::bytea, 'fs_read of the shown number reads the publisher''s bytes');
SELECT is((tarbox.fs_getattr(:ro_a)).ino, :ro_a::bigint, 'fs_getattr of the shown number');
SELECT is((SELECT array_agg(r.name ORDER BY r.next_offset) FROM tarbox.fs_readdir(:ro_root, 0, 100) r),
          ARRAY['\x2e'::bytea, '\x2e2e'::bytea, '\x737263'::bytea], 'fs_readdir of the root: ".", "..", src');
SELECT is((SELECT (r.a).ino FROM tarbox.fs_readdir(:ro_root, 0, 100) r WHERE r.name = '\x2e2e'), :mnt::bigint,
          'its ".." is the tenant''s directory above the mount point');
SELECT is((SELECT (r.a).ino FROM tarbox.fs_readdir(:ro_src, 0, 100) r WHERE r.name = '\x612e747874'),
          :ro_a::bigint, 'entries carry the numbers the mount shows');
SELECT is((SELECT count(*)::int FROM tarbox.fs_readdir(:ro_src, 2, 1) r), 1,
          'paged after ".." with a limit');

-- ---- listing the mount points' parent: as the mount lists it (tarbox.wasi_readdir) -----------
SELECT is((SELECT array_agg(r.name ORDER BY r.name) FROM tarbox.wasi_readdir(:mnt, 0, 100) r),
          ARRAY['\x2e'::bytea, '\x2e2e'::bytea, '\x636f77'::bytea, '\x726f'::bytea, '\x7a7a'::bytea],
          'wasi_readdir of the mount points'' parent: ".", "..", cow, ro, zz');
SELECT is((SELECT (r.a).ino FROM tarbox.wasi_readdir(:mnt, 0, 100) r WHERE r.name = '\x726f'), :ro_root::bigint,
          'a mount point carries the number of the composition''s root (as wasi_stat and the mount)');
SELECT is((SELECT (r.a).ino FROM tarbox.wasi_readdir(:mnt, 0, 100) r WHERE r.name = '\x636f77'), :cow_root::bigint,
          'each its own composition''s');
SELECT is((SELECT (r.a).ino FROM tarbox.wasi_readdir(:mnt, 0, 100) r WHERE r.name = '\x7a7a'), (tarbox.stat('/mnt/zz')).ino,
          'the tenant''s own entry keeps its number');
SELECT is((SELECT (r.a).ino FROM tarbox.wasi_readdir(:home, 0, 100) r WHERE r.name = '\x726f'), (tarbox.stat('/home/ro')).ino,
          'a name equal to a mount point''s elsewhere is the tenant''s own');
SELECT results_eq(format($$SELECT r.name, r.next_offset, (r.a).ino FROM tarbox.wasi_readdir(%s, 0, 100) r$$, :ro_src),
                  format($$SELECT r.name, r.next_offset, (r.a).ino FROM tarbox.fs_readdir(%s, 0, 100) r$$, :ro_src),
                  'inside a composition it lists as fs_readdir');

-- ---- a read-only composition: EROFS ----------------------------------------------------------
SELECT count(*) AS inodes_before FROM tarbox.inode \gset
SELECT throws_ok($$SELECT tarbox.wasi_open(1, 'mnt/ro/new.txt', false, 1, true)$$, 'TX030', NULL, 'open O_CREAT -> EROFS');
SELECT throws_ok($$SELECT tarbox.wasi_open(1, 'mnt/ro/src/a.txt', false, 0, true)$$, 'TX030', NULL, 'open for writing -> EROFS');
SELECT throws_ok($$SELECT tarbox.wasi_open(1, 'mnt/ro/src/a.txt', false, 8, false)$$, 'TX030', NULL, 'open O_TRUNC -> EROFS');
SELECT throws_ok(format($$SELECT tarbox.wasi_write(%s, 0, 'x')$$, :ro_a), 'TX030', NULL, 'wasi_write -> EROFS');
SELECT throws_ok(format($$SELECT tarbox.fs_setattr(%s, NULL, NULL, NULL, 0, NULL, NULL)$$, :ro_a), 'TX030', NULL, 'truncate -> EROFS');
SELECT throws_ok(format($$SELECT tarbox.wasi_allocate(%s, 0, 10)$$, :ro_a), 'TX030', NULL, 'wasi_allocate -> EROFS');
SELECT throws_ok($$SELECT tarbox.wasi_mkdir(1, 'mnt/ro/d')$$, 'TX030', NULL, 'mkdir -> EROFS');
SELECT throws_ok($$SELECT tarbox.wasi_unlink(1, 'mnt/ro/src/a.txt')$$, 'TX030', NULL, 'unlink -> EROFS');
SELECT throws_ok($$SELECT tarbox.wasi_rmdir(1, 'mnt/ro/src/sub')$$, 'TX030', NULL, 'rmdir -> EROFS');
SELECT throws_ok($$SELECT tarbox.wasi_symlink('x', 1, 'mnt/ro/l')$$, 'TX030', NULL, 'symlink -> EROFS');
SELECT throws_ok($$SELECT tarbox.wasi_set_times(1, 'mnt/ro/src/a.txt', false, 0, 0, 5)$$, 'TX030', NULL, 'set times -> EROFS');
SELECT throws_ok($$SELECT tarbox.wasi_rename(1, 'home/note.txt', 1, 'mnt/ro/note.txt')$$, 'TX030', NULL, 'rename into it -> EROFS');
SELECT throws_ok($$SELECT tarbox.wasi_rmdir(1, 'mnt/ro')$$, 'TX016', NULL, 'rmdir of the mount point -> EBUSY');
SELECT throws_ok($$SELECT tarbox.wasi_rename(1, 'mnt/ro', 1, 'home/x')$$, 'TX016', NULL, 'rename of the mount point -> EBUSY');
SELECT is((SELECT count(*) FROM tarbox.inode), :inodes_before::bigint, 'nothing was created in the tenant''s tree');

-- ---- a copy-on-write composition: the caller's copy ------------------------------------------
SELECT ok((tarbox.wasi_open(1, 'mnt/cow/new.txt', false, 1, true)).ino >= 72057594037927936,
          'open O_CREAT makes a file with a number the composition shows');
SELECT (tarbox.wasi_stat(1, 'mnt/cow/new.txt', false)).ino AS cow_new \gset
SELECT is(tarbox.wasi_write(:cow_new, 0, 'hello'), 5::bigint, 'wasi_write returns the new position');
SELECT is(tarbox.wasi_close(:cow_new, 5, ' world', false, false), 11::bigint, 'wasi_close writes what the client held');
SELECT is(tarbox.read('/mnt/cow/new.txt'), '\x68656c6c6f20776f726c64'::bytea, 'the path API reads it at the same path');
SELECT is((tarbox.wasi_open(1, 'mnt/cow/src/a.txt', false, 8, true)).size, 0::bigint, 'O_TRUNC of a publisher''s file empties the copy');
SELECT is(tarbox.wasi_write(:cow_a, 0, 'beta'), 4::bigint, 'and a write goes to the copy');
SELECT is(tarbox.fs_read(:cow_a, 0, 100), '\x62657461'::bytea, 'read back through the same number');
SELECT is((tarbox.stat('/mnt/cow/src/a.txt')).ino, :cow_a::bigint, 'the shown number survives the copy-up');
SELECT is(tarbox.read('/mnt/ro/src/a.txt'), '\x616c706861'::bytea, 'the read-only composition still shows the publisher''s bytes');
SELECT is((tarbox.wasi_allocate(:cow_a, 0, 10)).size, 10::bigint, 'wasi_allocate extends the copy');
SELECT is((tarbox.fs_setattr(:cow_a, NULL, NULL, NULL, 2, NULL, NULL)).size, 2::bigint, 'fs_setattr truncates it');
SELECT is((tarbox.wasi_set_times(1, 'mnt/cow/src/a.txt', false, 0, 1000, 4)).mtime_ns, 1000::bigint, 'set times');
SELECT is((tarbox.wasi_mkdir(1, 'mnt/cow/d')).mode & 61440, 16384, 'mkdir');
SELECT lives_ok($$SELECT tarbox.wasi_rmdir(1, 'mnt/cow/d')$$, 'rmdir of the caller''s own directory');
SELECT lives_ok($$SELECT tarbox.wasi_unlink(1, 'mnt/cow/src/link')$$, 'unlink of a publisher''s entry (a whiteout)');
SELECT throws_ok($$SELECT tarbox.wasi_stat(1, 'mnt/cow/src/link', false)$$, 'TX002', NULL, 'and it is gone');
SELECT lives_ok($$SELECT tarbox.wasi_rename(1, 'mnt/cow/new.txt', 1, 'mnt/cow/src/sub/new.txt')$$, 'rename inside the composition');
SELECT is((tarbox.wasi_stat(1, 'mnt/cow/src/sub/new.txt', false)).size, 11::bigint, 'the file moved');
SELECT throws_ok($$SELECT tarbox.wasi_rename(1, 'home/note.txt', 1, 'mnt/cow/note.txt')$$, 'TX018', NULL,
                 'rename across the boundary -> EXDEV');
SELECT throws_ok($$SELECT tarbox.wasi_link(1, 'mnt/cow/src/sub/b.txt', false, 1, 'home/b.txt')$$, 'TX018', NULL,
                 'link across the boundary -> EXDEV');
SELECT is((tarbox.wasi_symlink('a.txt', 1, 'mnt/cow/src/l2')).mode & 61440, 40960, 'symlink');
SELECT is(tarbox.wasi_readlink(1, 'mnt/cow/src/l2'), '\x612e747874'::bytea, 'and readlink of it');
SELECT is((tarbox.wasi_link(1, 'mnt/cow/src/sub/b.txt', false, 1, 'mnt/cow/b2.txt')).nlink, 2, 'a hard link inside it');
SELECT is((SELECT array_agg(r.name ORDER BY r.name) FROM tarbox.fs_readdir(:cow_src, 2, 100) r),
          ARRAY['\x612e747874'::bytea, '\x6c32'::bytea, '\x737562'::bytea], 'fs_readdir shows the merged directory (no link)');
SELECT is((SELECT count(*)::int FROM tarbox.audit_log WHERE op = 'unlink' AND path = '/mnt/cow/src/link'), 1,
          'the unlink has one audit record, with the path the mount shows');
SELECT is((SELECT count(*)::int FROM tarbox.fsck() WHERE check_name <> 'garbage'), 0, 'fsck clean for bob');
RESET ROLE;
SELECT tarbox.publish_revoke('wcimg', 'wc_bob');
SET ROLE :"bob";
SELECT throws_ok($$SELECT tarbox.wasi_stat(1, 'mnt/ro/src/a.txt', false)$$, 'TX002', NULL,
                 'once the grant is revoked the composition is ENOENT');
SELECT is((SELECT array_agg(r.name ORDER BY r.next_offset) FROM tarbox.wasi_readdir(:mnt, 0, 100) r),
          ARRAY['\x2e'::bytea, '\x2e2e'::bytea, '\x7a7a'::bytea], 'and its mount points are not listed, as in the mount');
SELECT is((SELECT array_agg(r.name) FROM tarbox.wasi_readdir(:mnt, 2, 1) r), ARRAY['\x7a7a'::bytea],
          'a page after ".." is not short for the entries left out: it reads on to zz');
SET ROLE :"alice";
SELECT is(tarbox.read('/src/a.txt'), '\x616c706861'::bytea, 'the publisher''s file is unchanged');
SELECT is((SELECT count(*)::int FROM tarbox.fsck()), 0, 'fsck clean for alice');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
