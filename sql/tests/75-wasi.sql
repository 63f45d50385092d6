-- The WASI path functions: resolution beneath a directory inode that never leaves it ('..',
-- absolute paths, symbolic links: EPERM as wasmtime answers), and open/mkdir/rmdir/unlink/
-- rename/symlink/readlink/link/set-times/write/allocate with the errors wasmtime gives.
BEGIN;
-- Release dropped blocks at the end of each statement, as a committed call does (this file
-- runs in one transaction; migration 0105 defers releases to commit).
SET CONSTRAINTS tarbox.block_drop_at_commit IMMEDIATE;
SELECT plan(110);

SELECT role_name AS tenant FROM tarbox.tenant_create('wasitest') \gset
SELECT role_name AS other FROM tarbox.tenant_create('wasiother') \gset
SET ROLE :"tenant";

-- /pre is the preopened directory; /outside.txt lies outside it.
SELECT (tarbox.fs_mkdir(1, 'pre'::bytea, 493, 0, 0)).ino AS p \gset
SELECT (tarbox.fs_mkdir(:p, 'sub'::bytea, 493, 0, 0)).ino AS sub \gset
SELECT (tarbox.fs_create(:p, 'f'::bytea, 420, 0, 0)).ino AS f \gset
SELECT tarbox.fs_write(:f, 0, 'hello'::bytea);
SELECT (tarbox.fs_create(1, 'outside.txt'::bytea, 420, 0, 0)).ino AS outside \gset
SELECT (tarbox.fs_symlink(:p, 'lo'::bytea, '../outside.txt'::bytea, 0, 0)).ino AS lo \gset
SELECT tarbox.fs_symlink(:p, 'la'::bytea, '/etc'::bytea, 0, 0);
SELECT tarbox.fs_symlink(:p, 'lf'::bytea, 'f'::bytea, 0, 0);
SELECT tarbox.fs_symlink(:p, 'l3'::bytea, '../pre/f'::bytea, 0, 0);
SELECT tarbox.fs_symlink(:p, 'l4'::bytea, 'sub/../f'::bytea, 0, 0);
SELECT tarbox.fs_symlink(:p, 'lp'::bytea, 'lp'::bytea, 0, 0);
SELECT tarbox.fs_symlink(:p, 'ld'::bytea, 'sub/'::bytea, 0, 0);

-- ---- resolution -----------------------------------------------------------------------------
SELECT is((tarbox.wasi_stat(:p, 'f', false)).size, 5::bigint, 'stat of a file beneath the base');
SELECT is((tarbox.wasi_stat(:p, 'sub/../f', false)).ino, :f::bigint, '".." inside the base is fine');
SELECT is((tarbox.wasi_stat(:p, '.', false)).ino, :p::bigint, '"." is the base itself');
SELECT is((tarbox.wasi_stat(:p, './/sub/./', false)).ino, :sub::bigint, 'empty and "." components are skipped');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, '..', false)$$, :p), 'TX001', NULL, '".." of the base -> EPERM');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'sub/../../outside.txt', false)$$, :p), 'TX001', NULL, '".." above the base through a subdirectory -> EPERM');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, '/outside.txt', false)$$, :p), 'TX001', NULL, 'an absolute path -> EPERM');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, '..', false)$$, :sub), 'TX001', NULL, 'the base is the directory given, not the preopen: ".." of a subdirectory base -> EPERM');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'lo', true)$$, :p), 'TX001', NULL, 'following a link to ../outside -> EPERM');
SELECT is((tarbox.wasi_stat(:p, 'lo', false)).mode, 41471, 'the escaping link itself can be looked at (lstat)');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'lo/x', false)$$, :p), 'TX001', NULL, 'an escaping link in the middle of a path -> EPERM');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'la', true)$$, :p), 'TX001', NULL, 'following a link to an absolute path -> EPERM');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'l3', true)$$, :p), 'TX001', NULL, 'a link that leaves and comes back (../pre/f) -> EPERM');
SELECT is((tarbox.wasi_stat(:p, 'l4', true)).ino, :f::bigint, 'a link resolved inside the base is followed');
SELECT is((tarbox.wasi_stat(:p, 'ld/..', false)).ino, :p::bigint, 'a directory link then ".." comes back to the base');
SELECT is((tarbox.wasi_stat(:p, 'ld', true)).ino, :sub::bigint, 'a link whose target ends in / resolves to the directory');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'lp', true)$$, :p), 'TX040', NULL, 'a link to itself -> ELOOP');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, '', false)$$, :p), 'TX002', NULL, 'an empty path -> ENOENT');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'f/x', false)$$, :p), 'TX020', NULL, 'a file in the middle of a path -> ENOTDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'f/', false)$$, :p), 'TX020', NULL, 'a file with a trailing / -> ENOTDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'lf/', false)$$, :p), 'TX020', NULL, 'a link to a file with a trailing / -> ENOTDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'missing/x', false)$$, :p), 'TX002', NULL, 'a missing directory in the middle -> ENOENT');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'missing', false)$$, :p), 'TX002', NULL, 'a missing last component -> ENOENT');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, %L, false)$$, :p, repeat('n', 256)), 'TX036', NULL, 'a 256-byte component -> ENAMETOOLONG');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'x', false)$$, :f), 'TX020', NULL, 'a file as the base directory -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.wasi_stat(999999, 'x', false)$$, 'TX002', NULL, 'an unknown base inode -> ENOENT');

-- ---- open -----------------------------------------------------------------------------------
SELECT * FROM tarbox.wasi_open(:p, 'n1', false, 1, true) \gset n1_
SELECT is(:n1_mode, 33188, 'open creat: a new regular file with mode 0644');
SELECT is((tarbox.wasi_stat(:p, 'n1', false)).ino, :n1_ino::bigint, 'open creat: the file is there');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'f', false, 5, true)$$, :p), 'TX017', NULL, 'open creat|excl of an existing file -> EEXIST');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'lo', true, 5, true)$$, :p), 'TX017', NULL, 'open creat|excl of a dangling link -> EEXIST, the link is not followed');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'lo', true, 1, true)$$, :p), 'TX001', NULL, 'open creat through a link to outside -> EPERM');
SELECT is((SELECT count(*) FROM tarbox.ls('/')), 2::bigint, 'nothing was created outside the base');
SELECT is((tarbox.wasi_open(:p, 'f', false, 8, true)).size, 0::bigint, 'open trunc empties the file');
SELECT is((tarbox.wasi_open(:p, 'sub', false, 0, false)).ino, :sub::bigint, 'a directory opens for reading');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'sub', false, 0, true)$$, :p), 'TX021', NULL, 'a directory opened for writing -> EISDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'sub', false, 8, false)$$, :p), 'TX021', NULL, 'a directory opened with trunc -> EISDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'f', false, 2, false)$$, :p), 'TX020', NULL, 'oflags directory on a file -> ENOTDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'nd', false, 3, false)$$, :p), 'TX022', NULL, 'oflags creat|directory -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'f', false, 16, false)$$, :p), 'TX022', NULL, 'unknown oflags -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'lf', false, 0, false)$$, :p), 'TX040', NULL, 'a final link without symlink_follow -> ELOOP');
SELECT is((tarbox.wasi_open(:p, 'lf', true, 0, false)).ino, :f::bigint, 'a final link with symlink_follow opens its target');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'g/', false, 1, true)$$, :p), 'TX021', NULL, 'open creat of a name with a trailing / -> EISDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'missing', false, 0, false)$$, :p), 'TX002', NULL, 'open of a missing file without creat -> ENOENT');
SELECT is((tarbox.wasi_open(:p, 'sub/../n2', false, 1, true)).nlink, 1, 'open creat through ".." inside the base');

-- ---- mkdir, rmdir, unlink -------------------------------------------------------------------
SELECT is((tarbox.wasi_mkdir(:p, 'd1')).mode, 16877, 'mkdir: mode 0755');
SELECT throws_ok(format($$SELECT tarbox.wasi_mkdir(%s, 'd1')$$, :p), 'TX017', NULL, 'mkdir of an existing name -> EEXIST');
SELECT is((tarbox.wasi_mkdir(:p, 'd2/')).nlink, 2, 'mkdir with a trailing /');
SELECT throws_ok(format($$SELECT tarbox.wasi_mkdir(%s, '../d3')$$, :p), 'TX001', NULL, 'mkdir above the base -> EPERM');
SELECT throws_ok(format($$SELECT tarbox.wasi_mkdir(%s, 'lo')$$, :p), 'TX017', NULL, 'mkdir over a dangling link -> EEXIST');
SELECT throws_ok(format($$SELECT tarbox.wasi_mkdir(%s, '.')$$, :p), 'TX017', NULL, 'mkdir "." -> EEXIST');
SELECT tarbox.wasi_mkdir(:p, 'd4');
SELECT lives_ok(format($$SELECT tarbox.wasi_rmdir(%s, 'd4/')$$, :p), 'rmdir with a trailing / removes the directory (rmdir(2), wasmtime 51)');
SELECT throws_ok(format($$SELECT tarbox.wasi_rmdir(%s, 'ld/')$$, :p), 'TX020', NULL, 'rmdir of a link to a directory with a trailing / -> ENOTDIR (not followed)');
SELECT throws_ok(format($$SELECT tarbox.wasi_rmdir(%s, 'f/')$$, :p), 'TX020', NULL, 'rmdir of a file with a trailing / -> ENOTDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_rmdir(%s, '.')$$, :p), 'TX022', NULL, 'rmdir "." -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.wasi_rmdir(%s, 'sub/..')$$, :p), 'TX022', NULL, 'rmdir "sub/.." -> EINVAL (as wasmtime)');
SELECT throws_ok(format($$SELECT tarbox.wasi_rmdir(%s, 'f')$$, :p), 'TX020', NULL, 'rmdir of a file -> ENOTDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_rmdir(%s, 'ld')$$, :p), 'TX020', NULL, 'rmdir of a link to a directory -> ENOTDIR');
SELECT tarbox.wasi_mkdir(:p, 'sub/x');
SELECT throws_ok(format($$SELECT tarbox.wasi_rmdir(%s, 'sub')$$, :p), 'TX039', NULL, 'rmdir of a non-empty directory -> ENOTEMPTY');
SELECT lives_ok(format($$SELECT tarbox.wasi_rmdir(%s, 'd2')$$, :p), 'rmdir of an empty directory');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'd2', false)$$, :p), 'TX002', NULL, 'rmdir: the directory is gone');
SELECT throws_ok(format($$SELECT tarbox.wasi_unlink(%s, 'sub')$$, :p), 'TX021', NULL, 'unlink of a directory -> EISDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_unlink(%s, 'sub/..')$$, :p), 'TX021', NULL, 'unlink of "sub/.." -> EISDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_unlink(%s, 'lf/')$$, :p), 'TX020', NULL, 'unlink of a link to a file with a trailing / -> ENOTDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_unlink(%s, '../outside.txt')$$, :p), 'TX001', NULL, 'unlink above the base -> EPERM');
SELECT lives_ok(format($$SELECT tarbox.wasi_unlink(%s, 'lo')$$, :p), 'unlink of an escaping link removes the link');
SELECT is((tarbox.fs_lookup(1, 'outside.txt'::bytea)).ino, :outside::bigint, 'unlink of the link left its target alone');

-- ---- rename, symlink, readlink, link --------------------------------------------------------
SELECT lives_ok(format($$SELECT tarbox.wasi_rename(%s, 'n1', %s, 'sub/n1')$$, :p, :p), 'rename into a subdirectory');
SELECT is((tarbox.wasi_stat(:sub, 'n1', false)).ino, :n1_ino::bigint, 'rename: the file is in its new place');
SELECT lives_ok(format($$SELECT tarbox.wasi_rename(%s, 'n1', %s, 'n1back')$$, :sub, :p), 'rename between two base directories');
SELECT throws_ok(format($$SELECT tarbox.wasi_rename(%s, 'sub', %s, 'sub/x2')$$, :p, :p), 'TX022', NULL, 'rename of a directory into itself -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.wasi_rename(%s, 'f', %s, 'sub')$$, :p, :p), 'TX021', NULL, 'rename of a file over a directory -> EISDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_rename(%s, 'sub', %s, 'f')$$, :p, :p), 'TX020', NULL, 'rename of a directory over a file -> ENOTDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_rename(%s, 'f', %s, '../f')$$, :p, :p), 'TX001', NULL, 'rename above the base -> EPERM');
SELECT throws_ok(format($$SELECT tarbox.wasi_rename(%s, 'f', %s, 'ff/')$$, :p, :p), 'TX020', NULL, 'rename of a file to a name with a trailing / -> ENOTDIR');
-- A trailing '/' never follows a final link where the call acts on the name itself (mkdir,
-- rename), and O_CREAT with one is EISDIR: what mkdir(2), rename(2), open(2) and wasmtime do.
SELECT tarbox.fs_symlink(:p, 'ln'::bytea, 'nope'::bytea, 0, 0);
SELECT throws_ok(format($$SELECT tarbox.wasi_mkdir(%s, 'f/')$$, :p), 'TX017', NULL, 'mkdir of a file''s name with a trailing / -> EEXIST');
SELECT throws_ok(format($$SELECT tarbox.wasi_mkdir(%s, 'ln/')$$, :p), 'TX017', NULL, 'mkdir of a dangling link with a trailing / -> EEXIST (not followed)');
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'nope', false)$$, :p), 'TX002', NULL, 'nothing was made at the dangling link''s target');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'f/', false, 1, true)$$, :p), 'TX021', NULL, 'open creat of an existing file with a trailing / -> EISDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_rename(%s, 'ld/', %s, 'g')$$, :p, :p), 'TX020', NULL, 'rename of a link to a directory with a trailing / -> ENOTDIR (not followed)');
SELECT throws_ok(format($$SELECT tarbox.wasi_rename(%s, 'sub', %s, 'ld/')$$, :p, :p), 'TX020', NULL, 'rename of a directory onto a link with a trailing / -> ENOTDIR');
SELECT is((tarbox.wasi_stat(:p, 'sub', false)).ino, :sub::bigint, 'the directory stayed where it was');
SELECT throws_ok(format($$SELECT tarbox.wasi_symlink('/etc', %s, 'abs')$$, :p), 'TX001', NULL, 'symlink to an absolute path -> EPERM (as wasmtime)');
SELECT is((tarbox.wasi_symlink('../x', :p, 'lo2')).size, 4::bigint, 'a link that would escape can be made (following it is refused)');
SELECT throws_ok(format($$SELECT tarbox.wasi_symlink('x', %s, 'f')$$, :p), 'TX017', NULL, 'symlink over an existing name -> EEXIST');
SELECT is(tarbox.wasi_readlink(:p, 'lo2'), '../x'::bytea, 'readlink gives the target as stored');
SELECT throws_ok(format($$SELECT tarbox.wasi_readlink(%s, 'f')$$, :p), 'TX022', NULL, 'readlink of a file -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.wasi_readlink(%s, 'lf/')$$, :p), 'TX020', NULL, 'readlink with a trailing / -> ENOTDIR');
SELECT is((tarbox.wasi_link(:p, 'f', false, :p, 'hl')).nlink, 2, 'link: nlink 2');
SELECT throws_ok(format($$SELECT tarbox.wasi_link(%s, 'sub', false, %s, 'hd')$$, :p, :p), 'TX001', NULL, 'link of a directory -> EPERM');
SELECT is((tarbox.wasi_link(:p, 'lf', false, :p, 'hl2')).mode, 41471, 'link without follow links the symbolic link itself');
SELECT is((tarbox.wasi_link(:p, 'lf', true, :p, 'hl3')).ino, :f::bigint, 'link with follow links the target');
SELECT throws_ok(format($$SELECT tarbox.wasi_link(%s, 'f', false, %s, '../hl4')$$, :p, :p), 'TX001', NULL, 'link above the base -> EPERM');

-- ---- times, write, allocate -----------------------------------------------------------------
SELECT is((SELECT row(a.atime_ns, a.mtime_ns)::text FROM tarbox.wasi_set_times(:p, 'f', false, 1000, 2000, 5) a),
          '(1000,2000)', 'set_times with atim and mtim');
SELECT throws_ok(format($$SELECT tarbox.wasi_set_times(%s, 'f', false, 1, 2, 3)$$, :p), 'TX022', NULL, 'atim together with atim_now -> EINVAL');
SELECT is((SELECT row(a.atime_ns, a.mtime_ns)::text FROM tarbox.wasi_set_times(:f, NULL, false, 0, 3000, 4) a),
          '(1000,3000)', 'set_times of the inode itself (fd_filestat_set_times), atime unchanged');
SELECT cmp_ok((tarbox.wasi_set_times(:p, 'lf', true, 0, 0, 8)).mtime_ns, '>', 3000::bigint, 'mtim_now through a followed link');
SELECT is(tarbox.wasi_write(:f, 0, 'hello'::bytea), 5::bigint, 'write returns the position after the data');
SELECT is(tarbox.wasi_write(:f, 10, 'Z'::bytea), 11::bigint, 'write past the end');
SELECT is(tarbox.fs_read(:f, 0, 100), '\x68656c6c6f00000000005a'::bytea, 'the gap is a hole of zeros');
SELECT is(tarbox.wasi_write(:f, 0, 'abcd'::bytea, true), 15::bigint, 'append returns the new end of file');
SELECT is((tarbox.wasi_allocate(:f, 0, 100)).size, 100::bigint, 'allocate grows the file');
SELECT is((tarbox.wasi_allocate(:f, 0, 10)).size, 100::bigint, 'allocate never shrinks');
SELECT throws_ok(format($$SELECT tarbox.wasi_allocate(%s, 0, 10)$$, :sub), 'TX021', NULL, 'allocate of a directory -> EISDIR');
SELECT throws_ok(format($$SELECT tarbox.wasi_allocate(%s, 0, 0)$$, :f), 'TX022', NULL, 'allocate of length 0 -> EINVAL');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after the WASI calls');

-- ---- layers and tenants ---------------------------------------------------------------------
SELECT tarbox.layer_new('after');
SELECT is(tarbox.wasi_write(:f, 0, '!'::bytea, true), 101::bigint, 'append in the new layer');
SELECT tarbox.layer_switch('base');
SELECT throws_ok(format($$SELECT tarbox.wasi_mkdir(%s, 'd9')$$, :p), 'TX030', NULL, 'mkdir in a historical layer -> EROFS');
SELECT is((tarbox.wasi_stat(:p, 'f', false)).size, 100::bigint, 'a historical layer is read as it was');
SELECT tarbox.layer_switch('after');
SET ROLE :"other";
SELECT throws_ok(format($$SELECT tarbox.wasi_stat(%s, 'f', false)$$, :p), 'TX002', NULL, 'another tenant cannot resolve beneath this tenant''s inode');
SELECT throws_ok(format($$SELECT tarbox.wasi_open(%s, 'x', false, 1, true)$$, :p), 'TX002', NULL, 'another tenant cannot create beneath this tenant''s inode');

SELECT * FROM finish();
ROLLBACK;
