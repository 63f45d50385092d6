-- The WASI API does not serve compositions (issue 15): a WASI walk (tarbox._wasi_walk) that
-- steps onto a composition's mount point, or starts from a number a composition shows, is
-- EREMOTE for every WASI path function, whether the tenant's own tree holds a directory at the
-- mount point or nothing; nothing is created in the tenant's own tree below a mount point
-- (where the mount would hide it). Names equal to a mount point's elsewhere resolve as before.
BEGIN;
SELECT plan(27);

SELECT role_name AS alice FROM tarbox.tenant_create('wc_alice') \gset
SELECT role_name AS bob FROM tarbox.tenant_create('wc_bob') \gset

SET ROLE :"alice";
SELECT tarbox.mkdir('/src');
SELECT tarbox.write('/src/a.txt', 'alpha');
SELECT tarbox.ln('a.txt', '/src/link', true);
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
RESET ROLE;
-- a composition whose mount point bob's tree does not hold (added after compose_prepare)
SELECT tarbox.compose_add('wc_bob', '/home/img', 'published:wcimg', 'ro') AS k_img \gset
SET ROLE :"bob";
SELECT (tarbox.wasi_stat(1, 'mnt', false)).ino AS mnt \gset
SELECT (tarbox.wasi_stat(1, 'home', false)).ino AS home \gset
SELECT count(*) AS inodes_before FROM tarbox.inode \gset

-- ---- reads ----------------------------------------------------------------------------------
SELECT throws_ok($$SELECT tarbox.wasi_stat(1, 'mnt/ro', false)$$, 'TX066', NULL,
                 'stat of a read-only composition''s mount point -> EREMOTE (not the tenant''s placeholder)');
SELECT throws_ok($$SELECT tarbox.wasi_stat(1, 'mnt/ro/src/a.txt', false)$$, 'TX066', NULL,
                 'stat below it -> EREMOTE (not ENOENT)');
SELECT throws_ok($$SELECT tarbox.wasi_stat(1, 'mnt/cow/src/a.txt', false)$$, 'TX066', NULL,
                 'stat below a copy-on-write composition -> EREMOTE');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'ro/src', false)$$, :mnt), 'TX066', NULL,
                 'from a base above the mount point -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_stat(1, 'home/ro/../../mnt/ro', false)$$, 'TX066', NULL,
                 'after ".." -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_stat(1, 'home/to-ro/src', false)$$, 'TX066', NULL,
                 'through a symbolic link to the mount point -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_stat(1, 'home/img', false)$$, 'TX066', NULL,
                 'a mount point the tenant''s tree does not hold -> EREMOTE (not ENOENT)');
SELECT throws_ok($$SELECT tarbox.wasi_readlink(1, 'mnt/ro/src/link')$$, 'TX066', NULL, 'readlink below it -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_open(1, 'mnt/ro/src/a.txt', false, 0, false)$$, 'TX066', NULL, 'open below it -> EREMOTE');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'src', false)$$, (72057594037927936::bigint | (1::bigint << 40) | 1)),
                 'TX066', NULL, 'a base numbered as a composition shows it (tarbox.stat of /mnt/ro) -> EREMOTE');

-- ---- changes --------------------------------------------------------------------------------
SELECT throws_ok($$SELECT tarbox.wasi_open(1, 'mnt/cow/new.txt', false, 1, true)$$, 'TX066', NULL,
                 'open O_CREAT below a copy-on-write composition -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_open(1, 'home/img', false, 1, true)$$, 'TX066', NULL,
                 'open O_CREAT at a mount point the tree does not hold -> EREMOTE (no hidden file)');
SELECT throws_ok($$SELECT tarbox.wasi_mkdir(1, 'mnt/ro/d')$$, 'TX066', NULL, 'mkdir below it -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_mkdir(1, 'home/img')$$, 'TX066', NULL, 'mkdir at a mount point -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_rmdir(1, 'mnt/ro')$$, 'TX066', NULL, 'rmdir of the mount point -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_unlink(1, 'mnt/cow/src/a.txt')$$, 'TX066', NULL, 'unlink below it -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_rename(1, 'home/note.txt', 1, 'mnt/cow/note.txt')$$, 'TX066', NULL,
                 'rename into a composition -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_rename(1, 'mnt/cow/src', 1, 'home/src')$$, 'TX066', NULL,
                 'rename out of a composition -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_symlink('x', 1, 'mnt/ro/l')$$, 'TX066', NULL, 'symlink below it -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_link(1, 'home/note.txt', false, 1, 'mnt/cow/n')$$, 'TX066', NULL, 'link into it -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.wasi_set_times(1, 'mnt/cow', false, 0, 0, 5)$$, 'TX066', NULL, 'set times of the mount point -> EREMOTE');
SELECT is((SELECT count(*) FROM tarbox.inode), :inodes_before::bigint, 'nothing was created in the tenant''s tree');
SELECT is((SELECT count(*)::int FROM tarbox.ls('/mnt/cow')), 1, 'the copy-on-write composition is unchanged (only src)');

-- ---- the tenant's own tree ------------------------------------------------------------------
SELECT is((tarbox.wasi_stat(1, 'home/note.txt', false)).size, 10::bigint, 'the tenant''s own files resolve as before');
SELECT is((tarbox.wasi_stat(1, 'home/ro', false)).ino, (tarbox.stat('/home/ro')).ino, 'a name equal to a mount point''s elsewhere resolves');
SELECT is((tarbox.wasi_mkdir(:home, 'ro/sub')).mode & 61440, 16384, 'and can be changed');
SELECT is((SELECT count(*)::int FROM tarbox.fsck()), 0, 'fsck clean for bob');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
