-- Copy-on-write composition (issue 15 item 4, 88-compose-cow): as each tenant role, the
-- consumer's changes land in its own rows below the mount point (copy-up, whiteouts), the
-- publisher's rows stay as they were, a third tenant sees nothing, a copy-up keeps the shown
-- inode number, rename (with a whiteout at the old name), link, mknod and xattrs work on the merged
-- view, fsck is clean for all three. The mount is tested in tests/compose/test_cow.py.
BEGIN;
SELECT plan(53);

SELECT role_name AS alice FROM tarbox.tenant_create('cow_alice') \gset
SELECT role_name AS bob FROM tarbox.tenant_create('cow_bob') \gset
SELECT role_name AS carol FROM tarbox.tenant_create('cow_carol') \gset

SET ROLE :"alice";
SELECT tarbox.mkdir('/src');
SELECT tarbox.mkdir('/src/pkg');
SELECT tarbox.write('/src/a.txt', 'alpha');
SELECT tarbox.write('/src/pkg/b.txt', 'beta');
SELECT tarbox.write('/src/pkg/gone.txt', 'to be deleted by bob');
SELECT tarbox.setxattr('/src/pkg/b.txt', 'user.origin', 'alice');
SELECT tarbox.layer_new('v1');
SELECT (tarbox.stat('/src')).ino AS src_ino \gset
SELECT (tarbox.stat('/src/a.txt')).ino AS a_ino \gset
SELECT (tarbox.stat('/src/pkg')).ino AS pkg_ino \gset
SELECT (tarbox.stat('/src/pkg/b.txt')).ino AS b_ino \gset
SELECT count(*) AS alice_rows FROM tarbox.inode \gset
RESET ROLE;
SELECT tarbox.publish('cow_alice', '1', 'cowimg', ARRAY['cow_bob']) IS NOT NULL;
SELECT tarbox.compose_add('cow_bob', '/base', 'published:cowimg', 'cow') AS k \gset

SET ROLE :"bob";
SELECT ok((SELECT bool_and(created) FROM tarbox.compose_prepare()), 'the mount point /base is made');
SELECT tarbox.layer_new('work');
SELECT is((SELECT count(*)::int FROM tarbox.compose_readdir(:k, 1, 0, 100)), 1, 'the merged root lists src');
SELECT is((tarbox.compose_lookup(:k, 1, 'src')).ino, :src_ino::bigint, 'lookup shows the publisher''s inode');
SELECT is(convert_from(tarbox.compose_read(:k, :a_ino, 0, 100), 'UTF8'), 'alpha', 'read from the published layer');
SELECT is(tarbox.compose_write(:k, :a_ino, 0, 'ALPHA!'), 6::bigint, 'write copies the file up and writes it');
SELECT is(convert_from(tarbox.compose_read(:k, :a_ino, 0, 100), 'UTF8'), 'ALPHA!', 'bob reads his copy');
SELECT is((tarbox.compose_getattr(:k, :a_ino)).ino, :a_ino::bigint, 'the copy-up keeps the shown inode number');
SELECT is((tarbox.compose_lookup(:k, :src_ino, 'a.txt')).size, 6::bigint, 'lookup sees the copy');
SELECT is((SELECT count(*)::int FROM tarbox.compose_origin), 3, 'origins: the mount point, src, a.txt');
SELECT ok((tarbox.compose_create(:k, :pkg_ino, 'new.txt', 33188, 1000, 1000)).ino >= 549755813888,
          'a new file is shown in the consumer''s own number range');
SELECT is((tarbox.compose_setattr(:k, (tarbox.compose_lookup(:k, 1, 'src')).ino, 448, NULL, NULL, NULL, NULL, NULL)).mode,
          16832, 'chmod of a copied-up directory');
SELECT lives_ok(format($$SELECT tarbox.compose_unlink(%s, %s, 'gone.txt')$$, :k, :pkg_ino), 'unlink of a publisher''s file');
SELECT throws_ok(format($$SELECT tarbox.compose_lookup(%s, %s, 'gone.txt')$$, :k, :pkg_ino), 'TX002', NULL,
                 'the whiteout hides it');
SELECT is((SELECT array_agg(name ORDER BY name) FROM tarbox.compose_readdir(:k, :pkg_ino, 0, 100)),
          ARRAY['b.txt', 'new.txt']::bytea[], 'merged readdir: whiteout hidden, own file listed');
SELECT throws_ok(format($$SELECT tarbox.compose_rmdir(%s, %s, 'pkg')$$, :k, :src_ino), 'TX039', NULL,
                 'rmdir of a merged non-empty directory -> ENOTEMPTY');
SELECT lives_ok(format($$SELECT tarbox.compose_mkdir(%s, 1, 'extra', 493, 1000, 1000)$$, :k), 'mkdir');
SELECT is((SELECT array_agg(path || ' ' || change ORDER BY path) FROM tarbox.diff('1')),
          ARRAY['/base/extra A', '/base/src A', '/base/src/a.txt A', '/base/src/pkg A', '/base/src/pkg/gone.txt A', '/base/src/pkg/new.txt A'],
          'bob''s diff: exactly his changes under /base (copied-up directories and file, the whiteout, the new file and directory)');
-- rename, link, mknod, xattrs (sql/functions/88-compose-cow/0909-0913)
SELECT is(convert_from(tarbox.compose_getxattr(:k, :b_ino, 'user.origin'), 'UTF8'), 'alice', 'getxattr: the publisher''s value');
SELECT lives_ok(format($$SELECT tarbox.compose_setxattr(%s, %s, 'user.x', 'bob')$$, :k, :b_ino), 'setxattr copies up');
SELECT is((SELECT array_agg(n ORDER BY n) FROM tarbox.compose_listxattr(:k, :b_ino) n),
          ARRAY['user.origin', 'user.x']::bytea[], 'listxattr reads the copy (the publisher''s xattrs came along)');
SELECT lives_ok(format($$SELECT tarbox.compose_removexattr(%s, %s, 'user.origin')$$, :k, :b_ino), 'removexattr of a copied xattr');
SELECT throws_ok(format($$SELECT tarbox.compose_getxattr(%s, %s, 'user.origin')$$, :k, :b_ino), 'TX061', NULL,
                 'getxattr: gone from the copy -> ENODATA');
SELECT throws_ok(format($$SELECT tarbox.compose_removexattr(%s, %s, 'user.nope')$$, :k, :b_ino), 'TX061', NULL,
                 'removexattr of an absent name -> ENODATA');
SELECT (tarbox.compose_lookup(:k, :pkg_ino, 'new.txt')).ino AS new_ino \gset
SELECT lives_ok(format($$SELECT tarbox.compose_setxattr(%s, %s, 'user.y', 'own')$$, :k, :new_ino), 'setxattr of a consumer-made file');
SELECT is(convert_from(tarbox.compose_getxattr(:k, :new_ino, 'user.y'), 'UTF8'), 'own', 'getxattr of a consumer-made file');
SELECT lives_ok(format($$SELECT tarbox.compose_rename(%s, %s, 'b.txt', %s, 'b2.txt')$$, :k, :pkg_ino, :pkg_ino),
                'rename of a publisher''s file');
SELECT is((tarbox.compose_lookup(:k, :pkg_ino, 'b2.txt')).ino, :b_ino::bigint, 'the renamed file keeps its shown number');
SELECT throws_ok(format($$SELECT tarbox.compose_lookup(%s, %s, 'b.txt')$$, :k, :pkg_ino), 'TX002', NULL,
                 'the old name is hidden by a whiteout');
SELECT is(convert_from(tarbox.compose_read(:k, :b_ino, 0, 100), 'UTF8'), 'beta', 'the renamed file''s data');
SELECT throws_ok(format($$SELECT tarbox.compose_rename(%s, %s, 'b2.txt', %s, 'new.txt', 1)$$, :k, :pkg_ino, :pkg_ino),
                 'TX017', NULL, 'RENAME_NOREPLACE onto an existing name -> EEXIST');
SELECT lives_ok(format($$SELECT tarbox.compose_rename(%s, %s, 'b2.txt', %s, 'new.txt', 2)$$, :k, :pkg_ino, :pkg_ino),
                'RENAME_EXCHANGE');
SELECT is((tarbox.compose_lookup(:k, :pkg_ino, 'new.txt')).ino, :b_ino::bigint, 'exchanged: new.txt is the publisher''s file');
SELECT lives_ok(format($$SELECT tarbox.compose_rename(%s, %s, 'new.txt', %s, 'b.txt')$$, :k, :pkg_ino, :pkg_ino),
                'rename back over the whiteout');
-- an editor's save: write a temporary file, rename it over the original
SELECT (tarbox.compose_create(:k, :src_ino, 'a.txt.swp', 33188, 1000, 1000)).ino AS tmp_ino \gset
SELECT tarbox.compose_write(:k, :tmp_ino, 0, 'saved');
SELECT lives_ok(format($$SELECT tarbox.compose_rename(%s, %s, 'a.txt.swp', %s, 'a.txt')$$, :k, :src_ino, :src_ino),
                'rename over an existing (copied-up) file');
SELECT is(convert_from(tarbox.compose_read(:k, (tarbox.compose_lookup(:k, :src_ino, 'a.txt')).ino, 0, 100), 'UTF8'),
          'saved', 'the editor''s save is what a.txt holds');
SELECT is((SELECT array_agg(name ORDER BY name) FROM tarbox.compose_readdir(:k, :src_ino, 0, 100)),
          ARRAY['a.txt', 'pkg']::bytea[], 'no temporary name left');
SELECT throws_ok(format($$SELECT tarbox.compose_rename(%s, %s, 'pkg', 1, 'pkg2')$$, :k, :src_ino), 'TX018', NULL,
                 'a directory of the publisher -> EXDEV');
SELECT lives_ok(format($$SELECT tarbox.compose_rename(%s, 1, 'extra', %s, 'extra2')$$, :k, :src_ino),
                'a directory the consumer made renames');
SELECT ok((tarbox.compose_lookup(:k, :src_ino, 'extra2')).mode & 61440 = 16384, 'it is there');
SELECT throws_ok(format($$SELECT tarbox.compose_mknod(%s, %s, 'wh', 8192, 0, 1000, 1000)$$, :k, :src_ino), 'TX001', NULL,
                 'mknod of a character device 0/0 (the whiteout) -> EPERM');
SELECT is((tarbox.compose_mknod(:k, :src_ino, 'fifo', 4516, 0, 1000, 1000)).mode, 4516, 'mknod of a FIFO');
SELECT lives_ok(format($$SELECT tarbox.compose_link(%s, %s, %s, 'b.link')$$, :k, :b_ino, :src_ino), 'link to a publisher''s file');
SELECT is((tarbox.compose_lookup(:k, :src_ino, 'b.link')).ino, :b_ino::bigint, 'both names show the same number');
SELECT is((tarbox.compose_getattr(:k, :b_ino)).nlink, 2, 'nlink 2');
SELECT throws_ok(format($$SELECT tarbox.compose_link(%s, %s, %s, 'dir.link')$$, :k, :pkg_ino, :src_ino), 'TX001', NULL,
                 'link of a directory -> EPERM');
SELECT throws_ok($$UPDATE tarbox.inode SET mode = 0 WHERE tenant_id <> tarbox._tenant_id()$$, '42501', NULL,
                 'bob cannot update alice''s rows') ;
RESET ROLE;
SELECT count(*) >= 0 FROM tarbox.gc('cow_bob');  -- the block of 'alpha' replaced in this layer (as with any overwrite)
SET ROLE :"bob";
SELECT is((SELECT count(*)::int FROM tarbox.fsck()), 0, 'fsck clean for bob');
RESET ROLE;

SET ROLE :"alice";
SELECT is(convert_from(tarbox.read('/src/a.txt'), 'UTF8'), 'alpha', 'alice''s file unchanged');
SELECT is((SELECT count(*)::int FROM tarbox.inode), :alice_rows::int, 'alice has no new rows');
SELECT is((SELECT count(*)::int FROM tarbox.fsck()), 0, 'fsck clean for alice');
RESET ROLE;

SET ROLE :"carol";
SELECT is((SELECT count(*)::int FROM tarbox.inode WHERE tenant_id <> tarbox._tenant_id()), 0, 'carol sees no other tenant''s inodes');
SELECT is((SELECT count(*)::int FROM tarbox.compose_origin), 0, 'carol sees no composition origins');
SELECT is((SELECT count(*)::int FROM tarbox.fsck()), 0, 'fsck clean for carol');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
