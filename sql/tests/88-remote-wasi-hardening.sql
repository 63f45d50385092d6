-- Issue 16 for the remote API (60-remote) and the WASI calls (75-wasi): the per-call caps
-- (16 MiB a call, EFBIG before any overflow), trailing-slash semantics, and set-user-ID /
-- set-group-ID bits cleared by an unprivileged writer, as the path API and the bridge do.
BEGIN;
SELECT plan(33);

-- The tenant's default owner is 1000:1000: the path, remote and WASI writers lack CAP_FSETID.
SELECT role_name AS tenant FROM tarbox.tenant_create('hard_user', NULL, 1000, 1000) \gset
SELECT role_name AS rooted FROM tarbox.tenant_create('hard_root') \gset
SET ROLE :"tenant";

-- ---- per-call caps -----------------------------------------------------------------------------
SELECT tarbox.remote_write('\x2f737061727365'::bytea, 'x'::bytea);              -- /sparse
SELECT tarbox.remote_setattr('\x2f737061727365'::bytea, p_size => 33554432);    -- 32 MiB, a hole
SELECT is(octet_length((tarbox.remote_read('\x2f737061727365'::bytea)).data), 16777216,
          'remote_read to the end of a 32 MiB file returns 16 MiB (a short read)');
SELECT is(octet_length((tarbox.remote_read('\x2f737061727365'::bytea, 0, 33554432)).data), 16777216,
          'remote_read of 32 MiB returns 16 MiB');
SELECT is((tarbox.remote_read('\x2f737061727365'::bytea, 16777216, 33554432)).offset_, 16777216::bigint,
          'the rest is read from the next offset');
SELECT throws_ok($$SELECT tarbox.remote_write('\x2f62'::bytea, repeat('x', 16777217)::bytea)$$,
                 'TX027', NULL, 'remote_write of 16 MiB + 1 byte -> EFBIG');
SELECT throws_ok($$SELECT tarbox.remote_write('\x2f62'::bytea, 'x'::bytea, 9223372036854775807)$$,
                 'TX027', NULL, 'remote_write at offset 2^63-1 -> EFBIG, not 22003');
SELECT throws_ok($$SELECT tarbox.remote_write('\x2f62'::bytea, 'x'::bytea, 17592186044416)$$,
                 'TX027', NULL, 'remote_write at 16 TiB -> EFBIG');
SELECT is((tarbox.remote_write('\x2f62'::bytea, 'ab'::bytea, 9223372036854775807, false, false, false,
                               NULL, false, true)).size, 2::bigint,
          'an append ignores the offset (O_APPEND), so a huge one is no error');

SELECT (tarbox.fs_mkdir(1, 'pre'::bytea, 493, 0, 0)).ino AS p \gset
SELECT (tarbox.fs_create(:p, 'w'::bytea, 420, 0, 0)).ino AS w \gset
SELECT throws_ok(format($$SELECT tarbox.wasi_write(%s, 9223372036854775807, 'x'::bytea)$$, :w),
                 'TX027', NULL, 'wasi_write at offset 2^63-1 -> EFBIG');
SELECT throws_ok(format($$SELECT tarbox.wasi_write(%s, 0, repeat('x', 16777217)::bytea)$$, :w),
                 'TX027', NULL, 'wasi_write of 16 MiB + 1 byte -> EFBIG');
SELECT throws_ok(format($$SELECT tarbox.wasi_allocate(%s, 9223372036854775807, 10)$$, :w),
                 'TX027', NULL, 'wasi_allocate past 2^63 -> EFBIG, not 22003');
SELECT throws_ok(format($$SELECT tarbox.wasi_allocate(%s, 17592186044416, 1)$$, :w),
                 'TX027', NULL, 'wasi_allocate past 16 TiB -> EFBIG');

-- ---- trailing slashes --------------------------------------------------------------------------
SELECT tarbox.remote_write('\x2f66'::bytea, 'f'::bytea);                        -- /f
SELECT throws_ok($$SELECT tarbox.remote_write('\x2f6e65772f'::bytea, 'x'::bytea)$$,
                 'TX021', NULL, 'remote_write creating new/ -> EISDIR (open O_CREAT)');
SELECT throws_ok($$SELECT tarbox.remote_write('\x2f662f'::bytea, 'x'::bytea)$$,
                 'TX020', NULL, 'remote_write to f/ over a file -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.remote_link('\x2f66'::bytea, '\x2f6e6c2f'::bytea)$$,
                 'TX002', NULL, 'remote_link to a missing nl/ -> ENOENT (link(2))');
SELECT throws_ok($$SELECT tarbox.remote_symlink('\x66'::bytea, '\x2f6e732f'::bytea)$$,
                 'TX002', NULL, 'remote_symlink to a missing ns/ -> ENOENT (symlink(2))');
SELECT throws_ok($$SELECT tarbox.remote_rename('\x2f66'::bytea, '\x2f672f'::bytea)$$,
                 'TX020', NULL, 'remote_rename of a file to g/ -> ENOTDIR (rename(2))');
SELECT is((tarbox.remote_stat('\x2f66'::bytea)).size, 1::bigint, 'and /f is untouched');
SELECT tarbox.remote_mkdir('\x2f64'::bytea, 493, false);
SELECT is((tarbox.remote_rename('\x2f64'::bytea, '\x2f652f'::bytea)).type, 'dir',
          'remote_rename of a directory to e/ works');

-- ---- set-user-ID / set-group-ID ----------------------------------------------------------------
-- 06755 = 3565; 02745 = 1509 (set-group-ID without group execute: mandatory locking, kept)
SELECT tarbox.remote_write('\x2f73'::bytea, 'x'::bytea);                        -- /s
SELECT tarbox.chmod('/s', 3565);
SELECT is((tarbox.remote_write('\x2f73'::bytea, 'y'::bytea)).mode & 4095, 493,
          'remote_write by an unprivileged writer clears 06755 to 0755');
SELECT tarbox.chmod('/s', 3565);
SELECT is((tarbox.remote_write('\x2f73'::bytea, ''::bytea, 0, true, true)).mode & 4095, 493,
          'a remote upload that truncates to empty clears them too');
SELECT tarbox.chmod('/s', 3565);
SELECT is((tarbox.remote_write('\x2f73'::bytea, 'z'::bytea, 0, false, false, false, NULL, false, true)).mode & 4095, 493,
          'a remote append clears them');
SELECT tarbox.chmod('/s', 3565);
SELECT is((tarbox.remote_setattr('\x2f73'::bytea, p_size => 0)).mode & 4095, 493,
          'a remote truncate clears them');
SELECT tarbox.chmod('/s', 3565);
SELECT is((tarbox.remote_setattr('\x2f73'::bytea, p_mode => 3565, p_size => 0)).mode & 4095, 3565,
          'a truncate that sets the mode at once keeps the mode it sets');
SELECT tarbox.chmod('/s', 1509);
SELECT tarbox.remote_write('\x2f73'::bytea, 'y'::bytea);
SELECT is((tarbox.stat('/s')).mode & 4095, 1509, 'set-group-ID without group execute stays (as Linux)');

SELECT tarbox.chmod('/s', 3565);
SELECT tarbox.write('/s', 'q'::bytea);
SELECT is((tarbox.stat('/s')).mode & 4095, 493, 'tarbox.write clears them');
SELECT tarbox.chmod('/s', 3565);
SELECT tarbox.append('/s', 'q'::bytea);
SELECT is((tarbox.stat('/s')).mode & 4095, 493, 'tarbox.append clears them');
SELECT tarbox.chmod('/s', 3565);
SELECT tarbox.truncate('/s', 1);
SELECT is((tarbox.stat('/s')).mode & 4095, 493, 'tarbox.truncate clears them');

SELECT tarbox.fs_setattr(:w, 3565, NULL, NULL, NULL, NULL, NULL);
SELECT tarbox.wasi_write(:w, 0, 'x'::bytea);
SELECT is((tarbox.fs_getattr(:w)).mode & 4095, 493, 'wasi_write clears them');
SELECT tarbox.fs_setattr(:w, 3565, NULL, NULL, NULL, NULL, NULL);
SELECT tarbox.wasi_write(:w, 0, 'x'::bytea, true);
SELECT is((tarbox.fs_getattr(:w)).mode & 4095, 493, 'a WASI append clears them');
SELECT tarbox.fs_setattr(:w, 3565, NULL, NULL, NULL, NULL, NULL);
SELECT tarbox.wasi_open(:p, 'w', false, 8, true);                                -- O_TRUNC
SELECT is((tarbox.fs_getattr(:w)).mode & 4095, 493, 'a WASI open with O_TRUNC clears them');
SELECT tarbox.fs_setattr(:w, 3565, NULL, NULL, NULL, NULL, NULL);
SELECT tarbox.wasi_write(:w, 0, ''::bytea);
SELECT is((tarbox.fs_getattr(:w)).mode & 4095, 3565, 'a WASI write of no bytes changes nothing');

-- A tenant whose default owner is root writes with CAP_FSETID: the bits stay.
RESET ROLE;
SET ROLE :"rooted";
SELECT tarbox.remote_write('\x2f73'::bytea, 'x'::bytea);
SELECT tarbox.chmod('/s', 3565);
SELECT is((tarbox.remote_write('\x2f73'::bytea, 'y'::bytea)).mode & 4095, 3565,
          'a root writer keeps them (remote_write)');
SELECT tarbox.write('/s', 'q'::bytea);
SELECT is((tarbox.stat('/s')).mode & 4095, 3565, 'a root writer keeps them (tarbox.write)');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
