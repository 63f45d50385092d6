-- The hardening issue gave fs_open and fs_write a p_kill_suidgid parameter, added fs_append and
-- made the path API's bytes forms the ones that do the work; the audited entry points take the
-- caller's uid/gid/pid after those. The functions of the signatures this replaces are dropped
-- here (as 0080 did for the older ones), so that an upgraded database keeps no unaudited door
-- open and no implementation of an old signature behind (the function files create the new
-- ones right after the migrations):
-- * main before the audit: fs_open, fs_write and fs_append without the caller's ids;
DROP FUNCTION IF EXISTS tarbox.fs_open(bigint, int, int, boolean);
DROP FUNCTION IF EXISTS tarbox.fs_write(bigint, bigint, bytea, boolean, boolean);
DROP FUNCTION IF EXISTS tarbox.fs_append(bigint, bytea, boolean);
-- * the audit before the hardening: fs_open and fs_write with the caller's ids but without
--   p_kill_suidgid, and the implementations of the path API that took text paths.
DROP FUNCTION IF EXISTS tarbox.fs_open(bigint, int, int, bigint, bigint, int);
DROP FUNCTION IF EXISTS tarbox.fs_write(bigint, bigint, bytea, boolean, bigint, bigint, int);
DROP FUNCTION IF EXISTS tarbox._do_fs_open(bigint, int, int);
DROP FUNCTION IF EXISTS tarbox._do_fs_write(bigint, bigint, bytea, boolean);
DROP FUNCTION IF EXISTS tarbox._do_stat(text, boolean, text);
DROP FUNCTION IF EXISTS tarbox._do_ls(text, text);
DROP FUNCTION IF EXISTS tarbox._do_read(text, bigint, bigint, text);
DROP FUNCTION IF EXISTS tarbox._do_write(text, bytea, bigint);
DROP FUNCTION IF EXISTS tarbox._do_append(text, bytea);
DROP FUNCTION IF EXISTS tarbox._do_truncate(text, bigint);
DROP FUNCTION IF EXISTS tarbox._do_mkdir(text, int, boolean);
DROP FUNCTION IF EXISTS tarbox._do_rm(text, boolean);
DROP FUNCTION IF EXISTS tarbox._do_rmdir(text);
DROP FUNCTION IF EXISTS tarbox._do_ln(text, text, boolean);
DROP FUNCTION IF EXISTS tarbox._do_touch(text, bigint, bigint);
