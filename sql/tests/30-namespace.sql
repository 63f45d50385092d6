-- The namespace: mkdir, rmdir, unlink, rename, link, symlink, mknod, path resolution, names as
-- bytes, set-group-ID directories and readdir offsets.
BEGIN;
-- Release dropped blocks at the end of each statement, as a committed call does (this file
-- runs in one transaction; migration 0105 defers releases to commit).
SET CONSTRAINTS tarbox.block_drop_at_commit IMMEDIATE;
SELECT plan(223);

CREATE FUNCTION pg_temp.now_ns() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT (extract(epoch FROM now()) * 1000000000)::bigint $$;
-- mtime and ctime of an inode as text, to compare with '(2000,3000)' (untouched) or now.
CREATE FUNCTION pg_temp.mc(p_ino bigint) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN a.mtime_ns = pg_temp.now_ns() AND a.ctime_ns = pg_temp.now_ns() THEN 'now'
                ELSE row(a.mtime_ns, a.ctime_ns)::text END FROM tarbox.fs_getattr(p_ino) a $$;
-- Set atime/mtime/ctime of an inode to 1000/2000/3000.
CREATE FUNCTION pg_temp.age(p_ino bigint) RETURNS void LANGUAGE sql AS $$
    SELECT FROM tarbox.fs_setattr(p_ino, NULL, NULL, NULL, NULL, 1000, 2000, 3000) $$;

SELECT role_name AS tenant FROM tarbox.tenant_create('nstest') \gset
SET ROLE :"tenant";

-- ---- mkdir: a directory starts with 2 links and gives its parent one more --------------------
SELECT is((tarbox.fs_getattr(1)).nlink, 2, 'an empty root has 2 links');
SELECT pg_temp.age(1) AS w \gset
SELECT * FROM tarbox.fs_mkdir(1, 'a'::bytea, 493, 0, 0) \gset a_
SELECT is(:a_mode, 16877, 'mkdir: directory with mode 0755');
SELECT is(:a_nlink, 2, 'mkdir: a new directory has 2 links (its entry and ".")');
SELECT is((tarbox.fs_getattr(1)).nlink, 3, 'mkdir: the parent gains a link ("..")');
SELECT is(pg_temp.mc(1), 'now', 'mkdir: the parent''s mtime and ctime are updated');
SELECT (tarbox.fs_mkdir(:a_ino, 'b'::bytea, 493, 0, 0)).ino AS b \gset
SELECT is((tarbox.fs_getattr(:a_ino)).nlink, 3, 'mkdir /a/b: /a has 3 links');
SELECT is((tarbox.fs_getattr(1)).nlink, 3, 'mkdir /a/b: the root is unchanged');
SELECT pg_temp.age(:a_ino) AS w \gset
SELECT * FROM tarbox.fs_create(:a_ino, 'f'::bytea, 420, 0, 0) \gset f_
SELECT is(:f_nlink, 1, 'create: a new file has 1 link');
SELECT is((tarbox.fs_getattr(:a_ino)).nlink, 3, 'create: a file does not add a link to its directory');
SELECT is(pg_temp.mc(:a_ino), 'now', 'create: the parent''s mtime and ctime are updated');
SELECT is((tarbox.fs_lookup(:a_ino, 'f'::bytea)).ino, :f_ino::bigint, 'lookup finds the new file');
SELECT is((tarbox.fs_lookup(:a_ino, '.'::bytea)).ino, :a_ino::bigint, 'lookup "." is the directory itself');
SELECT is((tarbox.fs_lookup(:a_ino, '..'::bytea)).ino, 1::bigint, 'lookup ".." is the parent');
SELECT is((tarbox.fs_lookup(1, '..'::bytea)).ino, 1::bigint, 'lookup ".." of the root is the root');
SELECT tarbox.mkdir('/p/q/r', 493, true) AS pqr \gset
SELECT is((SELECT ino FROM tarbox.stat('/p/q/r')), :pqr::bigint, 'mkdir -p creates the missing parents and returns the last');
SELECT is(tarbox.mkdir('/p/q', 493, true), (SELECT ino FROM tarbox.stat('/p/q')), 'mkdir -p of an existing directory returns it');
SELECT is((SELECT nlink FROM tarbox.stat('/p')), 3, 'mkdir -p: /p has 2 + 1 subdirectory links');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after mkdir');

-- ---- Creation errors ------------------------------------------------------------------------
SELECT throws_ok($$SELECT tarbox.fs_mkdir(1, 'a'::bytea, 493, 0, 0)$$, 'TX017', NULL, 'mkdir of an existing name -> EEXIST');
SELECT throws_ok($$SELECT tarbox.mkdir('/a')$$, 'TX017', NULL, 'path mkdir of an existing name -> EEXIST');
SELECT throws_ok(format($$SELECT tarbox.fs_mkdir(%s, 'f'::bytea, 493, 0, 0)$$, :a_ino), 'TX017', NULL, 'mkdir over a file -> EEXIST');
SELECT throws_ok($$SELECT tarbox.fs_mkdir(1, '.'::bytea, 493, 0, 0)$$, 'TX017', NULL, 'mkdir "." -> EEXIST');
SELECT throws_ok($$SELECT tarbox.fs_mkdir(1, '..'::bytea, 493, 0, 0)$$, 'TX017', NULL, 'mkdir ".." -> EEXIST');
SELECT throws_ok($$SELECT tarbox.fs_create(1, '..'::bytea, 420, 0, 0)$$, 'TX017', NULL, 'create ".." -> EEXIST');
SELECT throws_ok($$SELECT tarbox.fs_symlink(1, 'a'::bytea, 'x'::bytea, 0, 0)$$, 'TX017', NULL, 'symlink over an existing name -> EEXIST');
SELECT throws_ok($$SELECT tarbox.fs_mknod(1, 'a'::bytea, 4516, 0, 0, 0)$$, 'TX017', NULL, 'mknod over an existing name -> EEXIST');
SELECT throws_ok(format($$SELECT tarbox.fs_link(%s, 1, 'a'::bytea)$$, :f_ino), 'TX017', NULL, 'link over an existing name -> EEXIST');
SELECT throws_ok($$SELECT tarbox.fs_mkdir(999999, 'x'::bytea, 493, 0, 0)$$, 'TX002', NULL, 'mkdir in a missing directory -> ENOENT');
SELECT throws_ok($$SELECT tarbox.mkdir('/x/y')$$, 'TX002', NULL, 'path mkdir under a missing directory -> ENOENT');
SELECT throws_ok(format($$SELECT tarbox.fs_mkdir(%s, 'x'::bytea, 493, 0, 0)$$, :f_ino), 'TX020', NULL, 'mkdir in a file -> ENOTDIR');
SELECT throws_ok(format($$SELECT tarbox.fs_create(%s, 'x'::bytea, 420, 0, 0)$$, :f_ino), 'TX020', NULL, 'create in a file -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.mkdir('/a/f/x')$$, 'TX020', NULL, 'path mkdir under a file -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.mkdir('/a/f/x', 493, true)$$, 'TX020', NULL, 'mkdir -p through a file -> ENOTDIR');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/a/f/x')$$, 'TX020', NULL, 'stat through a file -> ENOTDIR');
SELECT throws_ok(format($$SELECT tarbox.fs_lookup(%s, 'x'::bytea)$$, :f_ino), 'TX020', NULL, 'lookup in a file -> ENOTDIR');
SELECT throws_ok(format('SELECT * FROM tarbox.fs_readdir(%s, 0, 10)', :f_ino), 'TX020', NULL, 'readdir of a file -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.fs_lookup(1, 'missing'::bytea)$$, 'TX002', NULL, 'lookup of a missing name -> ENOENT');

-- ---- unlink and rmdir -----------------------------------------------------------------------
SELECT throws_ok($$SELECT tarbox.fs_unlink(1, 'a'::bytea)$$, 'TX021', NULL, 'unlink of a directory -> EISDIR');
SELECT throws_ok(format($$SELECT tarbox.fs_rmdir(%s, 'f'::bytea)$$, :a_ino), 'TX020', NULL, 'rmdir of a file -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.fs_rmdir(1, 'a'::bytea)$$, 'TX039', NULL, 'rmdir of a non-empty directory -> ENOTEMPTY');
SELECT throws_ok($$SELECT tarbox.rmdir('/a')$$, 'TX039', NULL, 'path rmdir of a non-empty directory -> ENOTEMPTY');
SELECT throws_ok($$SELECT tarbox.fs_rmdir(1, 'missing'::bytea)$$, 'TX002', NULL, 'rmdir of a missing name -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_unlink(1, 'missing'::bytea)$$, 'TX002', NULL, 'unlink of a missing name -> ENOENT');
SELECT throws_ok(format($$SELECT tarbox.fs_rmdir(%s, '.'::bytea)$$, :a_ino), 'TX022', NULL, 'rmdir "." -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.fs_rmdir(%s, '..'::bytea)$$, :a_ino), 'TX039', NULL, 'rmdir ".." -> ENOTEMPTY');
SELECT throws_ok($$SELECT tarbox.rmdir('/')$$, 'TX016', NULL, 'rmdir of the root -> EBUSY');
SELECT throws_ok($$SELECT tarbox.rm('/', true)$$, 'TX016', NULL, 'rm -r of the root -> EBUSY');
SELECT pg_temp.age(:a_ino) AS w \gset
SELECT lives_ok(format($$SELECT tarbox.fs_rmdir(%s, 'b'::bytea)$$, :a_ino), 'rmdir of an empty directory');
SELECT is((tarbox.fs_getattr(:a_ino)).nlink, 2, 'rmdir: the parent loses a link');
SELECT is(pg_temp.mc(:a_ino), 'now', 'rmdir: the parent''s mtime and ctime are updated');
SELECT is((tarbox.fs_getattr(:b)).nlink, 0, 'rmdir: the removed directory has 0 links until forgotten');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean with a removed directory still referenced');
SELECT throws_ok(format($$SELECT tarbox.fs_mkdir(%s, 'x'::bytea, 493, 0, 0)$$, :b), 'TX002', NULL, 'mkdir in a removed (still referenced) directory -> ENOENT');
SELECT throws_ok(format($$SELECT tarbox.fs_rename(%s, 'f'::bytea, %s, 'x'::bytea)$$, :a_ino, :b), 'TX002', NULL, 'rename into a removed directory -> ENOENT');
SELECT throws_ok(format($$SELECT tarbox.fs_link(%s, %s, 'x'::bytea)$$, :f_ino, :b), 'TX002', NULL, 'link into a removed directory -> ENOENT');
SELECT is(tarbox.fs_forget(:b), true, 'fs_forget purges the removed directory');
SELECT throws_ok(format('SELECT tarbox.fs_getattr(%s)', :b), 'TX002', NULL, 'a forgotten directory is gone');
SELECT throws_ok(format($$SELECT tarbox.fs_create(%s, 'x'::bytea, 420, 0, 0)$$, :b), 'TX002', NULL, 'create in a removed directory -> ENOENT');

-- ---- link: hard links to files, never to directories ---------------------------------------
SELECT pg_temp.age(:f_ino) AS w \gset
SELECT pg_temp.age(1) AS w \gset
SELECT is((tarbox.fs_link(:f_ino, 1, 'hard'::bytea)).nlink, 2, 'link: nlink becomes 2');
SELECT is((tarbox.fs_lookup(1, 'hard'::bytea)).ino, :f_ino::bigint, 'link: the new name is the same inode');
SELECT is(pg_temp.mc(:f_ino), '(2000,' || pg_temp.now_ns() || ')', 'link: ctime of the inode updated, mtime not');
SELECT is(pg_temp.mc(1), 'now', 'link: the new parent''s mtime and ctime are updated');
SELECT throws_ok(format($$SELECT tarbox.fs_link(%s, 1, 'dirlink'::bytea)$$, :a_ino), 'TX001', NULL, 'link to a directory -> EPERM');
SELECT throws_ok($$SELECT tarbox.ln('/a', '/dirlink')$$, 'TX001', NULL, 'path ln to a directory -> EPERM');
SELECT is(tarbox.ln('/hard', '/hard2'), :f_ino::bigint, 'path ln makes a third link');
SELECT is((tarbox.fs_getattr(:f_ino)).nlink, 3, 'nlink is 3');
SELECT lives_ok($$SELECT tarbox.fs_unlink(1, 'hard2'::bytea)$$, 'unlink one of the links');
SELECT is((tarbox.fs_getattr(:f_ino)).nlink, 2, 'unlink: nlink drops to 2');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after link/unlink');

-- ---- rename ---------------------------------------------------------------------------------
SELECT (tarbox.fs_mkdir(1, 'r1'::bytea, 493, 0, 0)).ino AS r1 \gset
SELECT (tarbox.fs_mkdir(1, 'r2'::bytea, 493, 0, 0)).ino AS r2 \gset
SELECT (tarbox.fs_create(:r1, 'x'::bytea, 420, 0, 0)).ino AS x \gset
SELECT (tarbox.fs_mkdir(:r1, 'sub'::bytea, 493, 0, 0)).ino AS sub \gset
SELECT (tarbox.fs_mkdir(:sub, 'deep'::bytea, 493, 0, 0)).ino AS deep \gset
SELECT pg_temp.age(:r1) AS w \gset
SELECT pg_temp.age(:r2) AS w \gset
SELECT pg_temp.age(:x) AS w \gset
SELECT lives_ok(format($$SELECT tarbox.fs_rename(%s, 'x'::bytea, %s, 'y'::bytea)$$, :r1, :r2), 'rename a file across directories');
SELECT throws_ok(format($$SELECT tarbox.fs_lookup(%s, 'x'::bytea)$$, :r1), 'TX002', NULL, 'rename: the old name is gone');
SELECT is((tarbox.fs_lookup(:r2, 'y'::bytea)).ino, :x::bigint, 'rename: the new name is the same inode');
SELECT is(pg_temp.mc(:r1), 'now', 'rename: the old parent''s mtime and ctime are updated');
SELECT is(pg_temp.mc(:r2), 'now', 'rename: the new parent''s mtime and ctime are updated');
SELECT is(pg_temp.mc(:x), '(2000,' || pg_temp.now_ns() || ')', 'rename: the inode''s ctime is updated, not its mtime');
SELECT is(ARRAY[(tarbox.fs_getattr(:r1)).nlink, (tarbox.fs_getattr(:r2)).nlink], ARRAY[3, 2], 'moving a file changes no directory link count');
SELECT lives_ok(format($$SELECT tarbox.fs_rename(%s, 'sub'::bytea, %s, 'sub'::bytea)$$, :r1, :r2), 'rename a directory across parents');
SELECT is(ARRAY[(tarbox.fs_getattr(:r1)).nlink, (tarbox.fs_getattr(:r2)).nlink], ARRAY[2, 3], 'moving a directory moves a link from old to new parent');
SELECT is((tarbox.fs_lookup(:sub, '..'::bytea)).ino, :r2::bigint, 'the moved directory''s ".." is the new parent');
SELECT throws_ok(format($$SELECT tarbox.fs_rename(%s, 'sub'::bytea, %s, 'x'::bytea)$$, :r2, :deep), 'TX022', NULL,
                 'rename a directory into its own subdirectory -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.fs_rename(%s, 'sub'::bytea, %s, 'x'::bytea)$$, :r2, :sub), 'TX022', NULL,
                 'rename a directory into itself -> EINVAL');
SELECT throws_ok($$SELECT tarbox.mv('/r2', '/r2/sub/deep')$$, 'TX022', NULL, 'path mv of a directory into its subtree -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.fs_rename(%s, 'missing'::bytea, 1, 'z'::bytea)$$, :r2), 'TX002', NULL, 'rename of a missing name -> ENOENT');
SELECT throws_ok(format($$SELECT tarbox.fs_rename(1, 'a'::bytea, %s, 'z'::bytea)$$, :f_ino), 'TX020', NULL, 'rename into a file -> ENOTDIR');
SELECT throws_ok(format($$SELECT tarbox.fs_rename(1, '.'::bytea, %s, 'z'::bytea)$$, :r2), 'TX016', NULL, 'rename of "." -> EBUSY');
SELECT throws_ok(format($$SELECT tarbox.fs_rename(%s, 'y'::bytea, %s, 'z'::bytea, 4)$$, :r2, :r2), 'TX022', NULL, 'rename with unknown flags -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.fs_rename(%s, 'y'::bytea, %s, 'z'::bytea, 3)$$, :r2, :r2), 'TX022', NULL, 'RENAME_NOREPLACE|RENAME_EXCHANGE -> EINVAL');
-- Type clashes and a non-empty target.
SELECT (tarbox.fs_mkdir(1, 'full'::bytea, 493, 0, 0)).ino AS full \gset
SELECT (tarbox.fs_create(:full, 'inside'::bytea, 420, 0, 0)).ino AS inside \gset
SELECT (tarbox.fs_mkdir(1, 'empty'::bytea, 493, 0, 0)).ino AS emptyd \gset
SELECT throws_ok(format($$SELECT tarbox.fs_rename(%s, 'y'::bytea, 1, 'empty'::bytea)$$, :r2), 'TX021', NULL, 'rename a file over a directory -> EISDIR');
SELECT throws_ok(format($$SELECT tarbox.fs_rename(1, 'empty'::bytea, %s, 'y'::bytea)$$, :r2), 'TX020', NULL, 'rename a directory over a file -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.fs_rename(1, 'empty'::bytea, 1, 'full'::bytea)$$, 'TX039', NULL, 'rename a directory over a non-empty one -> ENOTEMPTY');
SELECT is((tarbox.fs_getattr(1)).nlink, 8, 'root links before replacing a directory: 2 + a p r1 r2 full empty');
SELECT lives_ok(format($$SELECT tarbox.fs_rename(%s, 'sub'::bytea, 1, 'empty'::bytea)$$, :r2), 'rename a directory over an empty directory');
SELECT is((tarbox.fs_getattr(:emptyd)).nlink, 0, 'the replaced directory has 0 links');
SELECT is((tarbox.fs_getattr(1)).nlink, 8, 'root: lost "empty", gained "sub" -> unchanged');
SELECT is((tarbox.fs_getattr(:r2)).nlink, 2, 'r2 lost its subdirectory');
SELECT is((tarbox.fs_lookup(1, 'empty'::bytea)).ino, :sub::bigint, 'the name now holds the moved directory');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after replacing a directory');
SELECT is(tarbox.fs_forget(:emptyd), true, 'the replaced directory is purged by fs_forget');
-- Rename over an existing file: the replaced inode stays (unlinked) until forgotten.
SELECT (tarbox.fs_create(:r2, 'victim'::bytea, 420, 0, 0)).ino AS victim \gset
SELECT tarbox.fs_write(:victim, 0, 'old'::bytea) AS w \gset
SELECT lives_ok(format($$SELECT tarbox.fs_rename(%s, 'y'::bytea, %s, 'victim'::bytea)$$, :r2, :r2), 'rename a file over an existing file');
SELECT is((tarbox.fs_lookup(:r2, 'victim'::bytea)).ino, :x::bigint, 'the name now holds the renamed file');
SELECT is((tarbox.fs_getattr(:victim)).nlink, 0, 'the replaced file has 0 links');
SELECT is(tarbox.fs_read(:victim, 0, 10), 'old'::bytea, 'the replaced file is still readable (open handles)');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean with an unlinked open file');
SELECT is(tarbox.fs_forget(:victim), true, 'fs_forget purges the replaced file');
SELECT throws_ok(format('SELECT tarbox.fs_getattr(%s)', :victim), 'TX002', NULL, 'the purged file is gone');
SELECT is(tarbox.fs_forget(:x), false, 'fs_forget of a linked inode does nothing');
-- RENAME_NOREPLACE.
SELECT (tarbox.fs_create(:r2, 'other'::bytea, 420, 0, 0)).ino AS other \gset
SELECT throws_ok(format($$SELECT tarbox.fs_rename(%s, 'victim'::bytea, %s, 'other'::bytea, 1)$$, :r2, :r2), 'TX017', NULL,
                 'RENAME_NOREPLACE onto an existing name -> EEXIST');
SELECT is((tarbox.fs_lookup(:r2, 'other'::bytea)).ino, :other::bigint, 'RENAME_NOREPLACE failure changed nothing');
SELECT lives_ok(format($$SELECT tarbox.fs_rename(%s, 'victim'::bytea, %s, 'fresh'::bytea, 1)$$, :r2, :r2), 'RENAME_NOREPLACE onto a free name');
SELECT is((tarbox.fs_lookup(:r2, 'fresh'::bytea)).ino, :x::bigint, 'RENAME_NOREPLACE moved the file');
-- RENAME_EXCHANGE of two files in one directory.
SELECT throws_ok(format($$SELECT tarbox.fs_rename(%s, 'fresh'::bytea, %s, 'nothere'::bytea, 2)$$, :r2, :r2), 'TX002', NULL,
                 'RENAME_EXCHANGE with a missing target -> ENOENT');
SELECT lives_ok(format($$SELECT tarbox.fs_rename(%s, 'fresh'::bytea, %s, 'other'::bytea, 2)$$, :r2, :r2), 'RENAME_EXCHANGE of two files');
SELECT is(ARRAY[(tarbox.fs_lookup(:r2, 'fresh'::bytea)).ino, (tarbox.fs_lookup(:r2, 'other'::bytea)).ino],
          ARRAY[:other, :x]::bigint[], 'the two names swapped their inodes');
SELECT is(ARRAY[(tarbox.fs_getattr(:other)).nlink, (tarbox.fs_getattr(:x)).nlink], ARRAY[1, 1], 'both keep one link');
-- RENAME_EXCHANGE of a file and a directory in different parents: one link moves between them.
SELECT (tarbox.fs_mkdir(1, 'ex1'::bytea, 493, 0, 0)).ino AS ex1 \gset
SELECT (tarbox.fs_mkdir(1, 'ex2'::bytea, 493, 0, 0)).ino AS ex2 \gset
SELECT (tarbox.fs_create(:ex1, 'item'::bytea, 420, 0, 0)).ino AS exf \gset
SELECT (tarbox.fs_mkdir(:ex2, 'item'::bytea, 493, 0, 0)).ino AS exd \gset
SELECT (tarbox.fs_create(:exd, 'kid'::bytea, 420, 0, 0)).ino AS kid \gset
SELECT is(ARRAY[(tarbox.fs_getattr(:ex1)).nlink, (tarbox.fs_getattr(:ex2)).nlink], ARRAY[2, 3], 'before exchange: ex1 has no subdir, ex2 one');
SELECT lives_ok(format($$SELECT tarbox.fs_rename(%s, 'item'::bytea, %s, 'item'::bytea, 2)$$, :ex1, :ex2), 'RENAME_EXCHANGE of a file and a directory across parents');
SELECT is((tarbox.fs_lookup(:ex1, 'item'::bytea)).ino, :exd::bigint, 'ex1/item is now the directory');
SELECT is((tarbox.fs_lookup(:ex2, 'item'::bytea)).ino, :exf::bigint, 'ex2/item is now the file');
SELECT is(ARRAY[(tarbox.fs_getattr(:ex1)).nlink, (tarbox.fs_getattr(:ex2)).nlink], ARRAY[3, 2], 'after exchange: the subdirectory link moved from ex2 to ex1');
SELECT is((tarbox.fs_lookup(:exd, '..'::bytea)).ino, :ex1::bigint, 'the exchanged directory''s ".." is its new parent');
SELECT is((SELECT ino FROM tarbox.stat('/ex1/item/kid')), :kid::bigint, 'its content moved with it');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after RENAME_EXCHANGE across parents');
SELECT throws_ok(format($$SELECT tarbox.fs_rename(1, 'ex1'::bytea, %s, 'item'::bytea, 2)$$, :ex1), 'TX022', NULL,
                 'RENAME_EXCHANGE of a directory with an entry inside it -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.fs_rename(%s, 'item'::bytea, 1, 'ex1'::bytea, 2)$$, :ex1), 'TX022', NULL,
                 'RENAME_EXCHANGE of an entry with its own parent directory -> EINVAL');
-- Renaming a hard link onto another link of the same inode does nothing.
SELECT is((tarbox.fs_getattr(:f_ino)).nlink, 2, 'the file has links /a/f and /hard');
SELECT lives_ok(format($$SELECT tarbox.fs_rename(1, 'hard'::bytea, %s, 'f'::bytea)$$, :a_ino), 'rename /hard onto /a/f (same inode)');
SELECT is((tarbox.fs_lookup(1, 'hard'::bytea)).ino, :f_ino::bigint, 'the source name is still there');
SELECT is((tarbox.fs_lookup(:a_ino, 'f'::bytea)).ino, :f_ino::bigint, 'the target name is still there');
SELECT is((tarbox.fs_getattr(:f_ino)).nlink, 2, 'nlink is still 2');
-- Path mv: into an existing directory, and over a file (no orphan left: the SQL API holds no open files).
SELECT tarbox.write('/mvsrc', 'm'::bytea) AS w \gset
SELECT lives_ok($$SELECT tarbox.mv('/mvsrc', '/r1')$$, 'path mv into an existing directory');
SELECT is((SELECT type FROM tarbox.stat('/r1/mvsrc')), 'file', 'the file moved into the directory under its name');
SELECT tarbox.write('/mvdst', 'old'::bytea) AS w \gset
SELECT (tarbox.stat('/mvdst')).ino AS mvdst \gset
SELECT lives_ok($$SELECT tarbox.mv('/r1/mvsrc', '/mvdst')$$, 'path mv over an existing file');
SELECT is(tarbox.read('/mvdst'), 'm'::bytea, 'the destination holds the moved file');
SELECT throws_ok(format('SELECT tarbox.fs_getattr(%s)', :mvdst), 'TX002', NULL,
                 'path mv purges the replaced file (like rm: no open handles in SQL, no orphan left behind)');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after renames');

-- ---- symlink and path resolution ------------------------------------------------------------
SELECT * FROM tarbox.fs_symlink(1, 's'::bytea, '/a/f'::bytea, 0, 0) \gset s_
SELECT is(:s_mode, 41471, 'symlink: mode 0120777');
SELECT is(:s_size::bigint, 4::bigint, 'symlink: size is the target length');
SELECT is(tarbox.fs_readlink(:s_ino), '/a/f'::bytea, 'readlink returns the target bytes');
SELECT is(tarbox.readlink('/s'), '/a/f', 'path readlink');
SELECT throws_ok(format('SELECT tarbox.fs_readlink(%s)', :f_ino), 'TX022', NULL, 'readlink of a file -> EINVAL');
SELECT is((SELECT ino FROM tarbox.stat('/s')), :f_ino::bigint, 'stat follows the symlink');
SELECT is((SELECT ino FROM tarbox.stat('/s', false)), :s_ino::bigint, 'stat without follow (lstat) is the link itself');
SELECT throws_ok($$SELECT tarbox.fs_symlink(1, 'e'::bytea, ''::bytea, 0, 0)$$, 'TX002', NULL, 'symlink with an empty target -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_symlink(1, 'e'::bytea, '\x6100'::bytea, 0, 0)$$, 'TX022', NULL, 'symlink target with NUL -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.fs_symlink(1, 'e'::bytea, %L::bytea, 0, 0)$$, repeat('t', 4096)), 'TX036', NULL, 'symlink target of 4096 bytes -> ENAMETOOLONG');
SELECT is((tarbox.fs_symlink(1, 'long'::bytea, convert_to(repeat('t', 4095), 'UTF8'), 0, 0)).size, 4095::bigint, 'symlink target of 4095 bytes is fine');
SELECT tarbox.ln('/a', '/dl', true) AS w \gset
SELECT is((SELECT ino FROM tarbox.stat('/dl/f')), :f_ino::bigint, 'a symlink in the middle of a path is followed');
SELECT tarbox.ln('f', '/a/rel', true) AS w \gset
SELECT is((SELECT ino FROM tarbox.stat('/a/rel')), :f_ino::bigint, 'a relative symlink resolves from its directory');
SELECT (tarbox.fs_mkdir(:a_ino, 'c'::bytea, 493, 0, 0)).ino AS c \gset
SELECT tarbox.ln('../f', '/a/c/up', true) AS w \gset
SELECT is((SELECT ino FROM tarbox.stat('/a/c/up')), :f_ino::bigint, 'a relative symlink with ".." resolves');
SELECT tarbox.ln('/a/c', '/dc', true) AS w \gset
SELECT is((SELECT ino FROM tarbox.stat('/dc/..')), :a_ino::bigint, '".." after a symlink is the target''s physical parent');
SELECT is((SELECT ino FROM tarbox.stat('/a/./c/../f')), :f_ino::bigint, '"." and ".." inside a path');
SELECT is((SELECT ino FROM tarbox.stat('/..')), 1::bigint, '"/.." is the root');
SELECT is((SELECT ino FROM tarbox.stat('//a///c/')), :c::bigint, 'repeated and trailing slashes are ignored');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/s/x')$$, 'TX020', NULL, 'a path through a symlink to a file -> ENOTDIR');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/a/f/..')$$, 'TX020', NULL, '".." after a file -> ENOTDIR');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/a/f/.')$$, 'TX020', NULL, '"." after a file -> ENOTDIR');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/a/f/')$$, 'TX020', NULL, 'a trailing slash after a file -> ENOTDIR (POSIX pathname resolution)');
SELECT lives_ok($$SELECT tarbox.rm('/dl')$$, 'rm of a symlink to a directory (no recursive needed)');
SELECT is((SELECT type FROM tarbox.stat('/a')), 'dir', 'rm removed the link, not the directory it points to');
SELECT tarbox.ln('/nowhere', '/dangle', true) AS w \gset
SELECT throws_ok($$SELECT * FROM tarbox.stat('/dangle')$$, 'TX002', NULL, 'stat of a dangling symlink -> ENOENT');
SELECT is((SELECT type FROM tarbox.stat('/dangle', false)), 'symlink', 'lstat of a dangling symlink');
SELECT tarbox.ln('/loop2', '/loop1', true) AS w \gset
SELECT tarbox.ln('/loop1', '/loop2', true) AS w \gset
SELECT tarbox.ln('self', '/self', true) AS w \gset
SELECT throws_ok($$SELECT * FROM tarbox.stat('/loop1')$$, 'TX040', NULL, 'a symlink loop -> ELOOP');
SELECT throws_ok($$SELECT tarbox.read('/loop1')$$, 'TX040', NULL, 'read through a symlink loop -> ELOOP');
SELECT throws_ok($$SELECT tarbox.write('/self', 'x'::bytea)$$, 'TX040', NULL, 'write through a self-referencing symlink -> ELOOP');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/loop1/x')$$, 'TX040', NULL, 'a loop in the middle of a path -> ELOOP');
SELECT is((SELECT type FROM tarbox.stat('/loop1', false)), 'symlink', 'lstat of a looping symlink is fine');
-- Linux follows at most 40 links: a chain of 40 resolves, 41 is ELOOP.
SELECT tarbox.ln('/a/f', '/c0', true) AS w \gset
SELECT count(tarbox.ln('/c' || (i - 1), '/c' || i, true)) AS w FROM generate_series(1, 40) i \gset
SELECT is((SELECT ino FROM tarbox.stat('/c39')), :f_ino::bigint, 'a chain of 40 symlinks resolves');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/c40')$$, 'TX040', NULL, 'a chain of 41 symlinks -> ELOOP');

-- ---- Names are bytes ------------------------------------------------------------------------
SELECT (tarbox.fs_mkdir(1, '\xfffe'::bytea, 493, 0, 0)).ino AS bad1 \gset
SELECT (tarbox.fs_create(1, '\xc328'::bytea, 420, 0, 0)).ino AS bad2 \gset
SELECT is((tarbox.fs_lookup(1, '\xfffe'::bytea)).ino, :bad1::bigint, 'an invalid UTF-8 directory name is found by lookup');
SELECT is((tarbox.fs_lookup(1, '\xc328'::bytea)).ino, :bad2::bigint, 'an invalid UTF-8 file name is found by lookup');
SELECT is((SELECT count(*) FROM tarbox.fs_readdir(1, 0, 1000) WHERE name IN ('\xfffe'::bytea, '\xc328'::bytea)), 2::bigint,
          'readdir returns both names byte for byte');
SELECT is((SELECT ino FROM tarbox.ls('/') WHERE name = '\xff\xfe'), :bad1::bigint, 'ls shows a non-UTF-8 name with \xNN escapes');
SELECT is((tarbox.fs_mkdir(1, convert_to(repeat('n', 255), 'UTF8'), 493, 0, 0)).nlink, 2, 'a name of 255 bytes is fine');
SELECT throws_ok(format($$SELECT tarbox.fs_mkdir(1, %L::bytea, 493, 0, 0)$$, repeat('n', 256)), 'TX036', NULL, 'mkdir with a 256-byte name -> ENAMETOOLONG');
SELECT throws_ok(format($$SELECT tarbox.fs_create(1, %L::bytea, 420, 0, 0)$$, repeat('n', 256)), 'TX036', NULL, 'create with a 256-byte name -> ENAMETOOLONG');
SELECT throws_ok(format($$SELECT tarbox.fs_lookup(1, %L::bytea)$$, repeat('n', 256)), 'TX036', NULL, 'lookup of a 256-byte name -> ENAMETOOLONG');
SELECT throws_ok(format($$SELECT tarbox.fs_link(%s, 1, %L::bytea)$$, :f_ino, repeat('n', 256)), 'TX036', NULL, 'link with a 256-byte name -> ENAMETOOLONG');
SELECT throws_ok(format($$SELECT tarbox.fs_rename(1, 'hard'::bytea, 1, %L::bytea)$$, repeat('n', 256)), 'TX036', NULL, 'rename to a 256-byte name -> ENAMETOOLONG');
SELECT throws_ok(format($$SELECT tarbox.write(%L, 'x'::bytea)$$, '/' || repeat('n', 256)), 'TX036', NULL, 'path with a 256-byte component -> ENAMETOOLONG');
SELECT is(tarbox.write('/' || repeat('é', 127) || 'x', 'x'::bytea), 1::bigint, 'a 255-byte name of 128 characters is fine');
SELECT throws_ok(format($$SELECT tarbox.write(%L, 'x'::bytea)$$, '/' || repeat('é', 128)), 'TX036', NULL, 'a 256-byte name of 128 characters -> ENAMETOOLONG (bytes count)');
SELECT throws_ok(format($$SELECT * FROM tarbox.stat(%L)$$, '/' || repeat('x/', 2048)), 'TX036', NULL, 'a path over 4096 bytes -> ENAMETOOLONG');
SELECT throws_ok(format($$SELECT * FROM tarbox.stat(%L)$$, '/' || repeat('x/', 2047) || 'x'), 'TX002', NULL, 'a 4096-byte path is resolved (ENOENT, not ENAMETOOLONG)');
SELECT throws_ok($$SELECT tarbox.fs_mkdir(1, 'a/b'::bytea, 493, 0, 0)$$, 'TX022', NULL, 'a name with "/" -> EINVAL');
SELECT throws_ok($$SELECT tarbox.fs_create(1, '\x610062'::bytea, 420, 0, 0)$$, 'TX022', NULL, 'a name with NUL -> EINVAL');
SELECT throws_ok($$SELECT tarbox.fs_create(1, ''::bytea, 420, 0, 0)$$, 'TX022', NULL, 'an empty name -> EINVAL');
SELECT throws_ok($$SELECT tarbox.fs_rename(1, 'hard'::bytea, 1, 'x/y'::bytea)$$, 'TX022', NULL, 'rename to a name with "/" -> EINVAL');

-- ---- set-group-ID directories ---------------------------------------------------------------
SELECT * FROM tarbox.fs_mkdir(1, 'sg'::bytea, 1533, 0, 100) \gset sg_
SELECT is(:sg_mode, 16384 | 1533, 'mkdir keeps the set-group-ID bit (02775)');
SELECT * FROM tarbox.fs_create(:sg_ino, 'f'::bytea, 420, 5, 5) \gset sgf_
SELECT is(ARRAY[:sgf_uid, :sgf_gid]::bigint[], ARRAY[5, 100]::bigint[], 'a file in a set-group-ID directory takes the directory''s group (owner as given)');
SELECT is((tarbox.fs_lookup(:sg_ino, 'f'::bytea)).mode, 33188, 'the file does not get the set-group-ID bit');
SELECT * FROM tarbox.fs_mkdir(:sg_ino, 'sub'::bytea, 493, 5, 5) \gset sgsub_
SELECT is(:sgsub_gid::bigint, 100::bigint, 'a subdirectory takes the group');
SELECT is(:sgsub_mode, 16384 | 1024 | 493, 'a subdirectory inherits the set-group-ID bit');
SELECT is((tarbox.fs_mknod(:sg_ino, 'p'::bytea, 4516, 0, 5, 5)).gid, 100::bigint, 'a FIFO takes the group');
SELECT is((tarbox.fs_symlink(:sg_ino, 'l'::bytea, 'f'::bytea, 5, 5)).gid, 100::bigint, 'a symlink takes the group');
SELECT is((tarbox.fs_create(1, 'nosg'::bytea, 420, 5, 7)).gid, 7::bigint, 'outside a set-group-ID directory the group is as given');

-- ---- mknod ----------------------------------------------------------------------------------
SELECT * FROM tarbox.fs_mknod(1, 'fifo'::bytea, 4516, 0, 0, 0) \gset fifo_
SELECT is(ARRAY[:fifo_mode, :fifo_nlink], ARRAY[4516, 1], 'mknod FIFO: mode 010644, 1 link');
SELECT is((SELECT type FROM tarbox.stat('/fifo')), 'fifo', 'stat says fifo');
SELECT is((tarbox.fs_mknod(1, 'chr'::bytea, 8612, 259, 0, 0)).rdev, 259::bigint, 'mknod character device keeps rdev');
SELECT is((SELECT row(type, rdev)::text FROM tarbox.stat('/chr')), '(chardev,259)', 'stat of the character device');
SELECT is((tarbox.fs_mknod(1, 'blk'::bytea, 25008, 2049, 0, 0)).rdev, 2049::bigint, 'mknod block device keeps rdev');
SELECT is((tarbox.fs_mknod(1, 'sock'::bytea, 49645, 0, 0, 0)).mode, 49645, 'mknod socket');
SELECT is((tarbox.fs_mknod(1, 'fifo2'::bytea, 4516, 77, 0, 0)).rdev, 0::bigint, 'a FIFO has no device number');
SELECT is((tarbox.fs_mknod(1, 'reg'::bytea, 33188, 0, 0, 0)).mode, 33188, 'mknod of a regular file');
SELECT throws_ok($$SELECT tarbox.fs_mknod(1, 'x'::bytea, 16877, 0, 0, 0)$$, 'TX022', NULL, 'mknod of a directory -> EINVAL');
SELECT throws_ok($$SELECT tarbox.fs_mknod(1, 'x'::bytea, 41471, 0, 0, 0)$$, 'TX022', NULL, 'mknod of a symlink -> EINVAL');
SELECT throws_ok($$SELECT tarbox.fs_mknod(1, 'x'::bytea, 420, 0, 0, 0)$$, 'TX022', NULL, 'mknod without a file type -> EINVAL');
SELECT tarbox.mknod('/pchr', 8624, 1025) AS pchr \gset
SELECT is((SELECT ino FROM tarbox.stat('/pchr', false)), :pchr::bigint, 'path mknod returns the inode');
SELECT is((SELECT row(type, mode, rdev)::text FROM tarbox.stat('/pchr')), '(chardev,8624,1025)', 'path mknod keeps type, mode and rdev');
SELECT throws_ok($$SELECT tarbox.mknod('/pchr', 4516)$$, 'TX017', NULL, 'path mknod of an existing name -> EEXIST');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after symlinks, odd names and mknod');

-- ---- readdir: offsets survive concurrent changes ---------------------------------------------
SELECT (tarbox.fs_mkdir(1, 'rd'::bytea, 493, 0, 0)).ino AS rd \gset
SELECT count(tarbox.fs_create(:rd, convert_to('e' || i, 'UTF8'), 420, 0, 0)) AS w FROM generate_series(1, 6) i \gset
SELECT is(ARRAY(SELECT name FROM tarbox.fs_readdir(:rd, 0, 2)), ARRAY['.'::bytea, '..'::bytea], 'the first two entries are "." and ".."');
SELECT is(ARRAY(SELECT next_offset FROM tarbox.fs_readdir(:rd, 0, 2)), ARRAY[1, 2]::bigint[], '"." and ".." have offsets 1 and 2');
SELECT is((SELECT (a).ino FROM tarbox.fs_readdir(:rd, 0, 2) WHERE name = '..'), 1::bigint, '".." carries the parent''s attributes');
SELECT ok((SELECT bool_and(next_offset > prev) FROM (SELECT next_offset, lag(next_offset, 1, 0::bigint) OVER () AS prev
                                                      FROM tarbox.fs_readdir(:rd, 0, 100)) s),
          'offsets increase along the listing');
SELECT string_agg(encode(name, 'escape') || '=' || next_offset, ',') AS offsets_before FROM tarbox.fs_readdir(:rd, 2, 100) \gset
-- Page through with 2 entries per call; between pages add an entry, remove the entry the cursor
-- stands on and the last one not yet listed.
SELECT string_agg(encode(name, 'escape'), '/') AS p1, max(next_offset) AS o1 FROM tarbox.fs_readdir(:rd, 0, 2) \gset
SELECT string_agg(encode(name, 'escape'), '/') AS p2, max(next_offset) AS o2 FROM tarbox.fs_readdir(:rd, :o1, 2) \gset
SELECT encode(name, 'escape') AS cursor_name FROM tarbox.fs_readdir(:rd, 2, 100) WHERE next_offset = :o2 \gset
SELECT encode(name, 'escape') AS unseen_name FROM tarbox.fs_readdir(:rd, :o2, 100) ORDER BY next_offset DESC LIMIT 1 \gset
SELECT tarbox.fs_unlink(:rd, convert_to(:'cursor_name', 'UTF8')) AS w \gset
SELECT tarbox.fs_unlink(:rd, convert_to(:'unseen_name', 'UTF8')) AS w \gset
SELECT (tarbox.fs_create(:rd, 'added'::bytea, 420, 0, 0)).ino AS w \gset
SELECT coalesce(string_agg(encode(name, 'escape'), '/'), '') AS p3, coalesce(max(next_offset), :o2) AS o3 FROM tarbox.fs_readdir(:rd, :o2, 2) \gset
SELECT coalesce(string_agg(encode(name, 'escape'), '/'), '') AS p4, coalesce(max(next_offset), :o3) AS o4 FROM tarbox.fs_readdir(:rd, :o3, 2) \gset
SELECT coalesce(string_agg(encode(name, 'escape'), '/'), '') AS p5, coalesce(max(next_offset), :o4) AS o5 FROM tarbox.fs_readdir(:rd, :o4, 2) \gset
SELECT coalesce(string_agg(encode(name, 'escape'), '/'), '') AS p6 FROM tarbox.fs_readdir(:rd, :o5, 2) \gset
SELECT is(:'p6'::text, ''::text, 'the listing ends (an empty page)');
SELECT is((SELECT array_agg(n ORDER BY n) FROM unnest(string_to_array(concat_ws('/', :'p1', :'p2', :'p3', :'p4', :'p5'), '/')) n
            WHERE n NOT IN ('added', :'cursor_name', '')),
          (SELECT array_agg(n ORDER BY n) FROM unnest(ARRAY['.', '..', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']) n WHERE n NOT IN (:'unseen_name', :'cursor_name')),
          'every entry present throughout is listed exactly once; the removed unseen one never');
SELECT is((SELECT count(*)::int FROM unnest(string_to_array(concat_ws('/', :'p1', :'p2', :'p3', :'p4', :'p5'), '/')) n
            WHERE n = :'cursor_name'), 1, 'the entry removed under the cursor was listed once (before its removal)');
SELECT is((SELECT string_agg(encode(name, 'escape') || '=' || next_offset, ',' ORDER BY encode(name, 'escape') || '=' || next_offset)
             FROM tarbox.fs_readdir(:rd, 2, 100) WHERE name <> 'added'::bytea),
          (SELECT string_agg(x, ',' ORDER BY x) FROM unnest(string_to_array(:'offsets_before', ',')) x
            WHERE split_part(x, '=', 1) NOT IN (:'cursor_name', :'unseen_name')),
          'the offsets of the surviving entries did not change when other entries came and went');

-- ---- rm -r ----------------------------------------------------------------------------------
SELECT tarbox.mkdir('/tree/x/y', 493, true) AS w \gset
SELECT tarbox.write('/tree/x/y/f', 'data'::bytea) AS w \gset
SELECT tarbox.write('/tree/g', 'data'::bytea) AS w \gset
SELECT (tarbox.stat('/tree/x/y/f')).ino AS treef \gset
SELECT throws_ok($$SELECT tarbox.rm('/tree')$$, 'TX021', NULL, 'rm of a directory without recursive -> EISDIR');
SELECT is(tarbox.rm('/tree', true), 5::bigint, 'rm -r removes 5 entries');
SELECT throws_ok(format('SELECT tarbox.fs_getattr(%s)', :treef), 'TX002', NULL, 'rm -r purged the files below');
SELECT is((tarbox.fs_getattr(1)).nlink, 2 + (SELECT count(*)::int FROM tarbox.ls('/') WHERE type = 'dir'), 'the root link count matches its subdirectories');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean at the end');

SELECT * FROM finish();
ROLLBACK;
