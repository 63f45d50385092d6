-- Main's fs_fallocate (issue 14) was a SECURITY DEFINER function a tenant could call without
-- an audit record; the audit made it tarbox._do_fs_fallocate behind an audited
-- tarbox.fs_fallocate that takes the caller's uid/gid/pid after main's arguments. The old
-- four-argument signature is dropped here so that an upgraded database keeps no unaudited
-- door open (the function files create the new one right after the migrations). The bulk
-- functions (fs_import, fs_setattr_many, fs_readdir_many, fs_read_many) keep their signatures:
-- their audited entry points replace them in place.
DROP FUNCTION IF EXISTS tarbox.fs_fallocate(bigint, int, bigint, bigint);
