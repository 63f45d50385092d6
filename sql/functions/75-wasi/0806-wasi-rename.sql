CREATE OR REPLACE FUNCTION tarbox._do_wasi_rename(p_dir bigint, p_path text, p_newdir bigint, p_newpath text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r1 tarbox._resolved := tarbox._wasi_walk(c, p_dir, p_path, false);
    r2 tarbox._resolved := tarbox._wasi_walk(c, p_newdir, p_newpath, false);
BEGIN
    IF r1.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    ELSIF r1.name IN ('\x2e'::bytea, '\x2e2e'::bytea) OR r2.name IN ('\x2e'::bytea, '\x2e2e'::bytea) THEN
        PERFORM tarbox._raise('EBUSY', format('cannot rename %s to %s: ''.'' or ''..''', p_path, p_newpath));
    ELSIF right(p_newpath, 1) = '/'
          AND (tarbox._inode_at(c.tenant_id, r1.ino, c.layer)).mode & 61440 <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('%s: not a directory', p_newpath));
    END IF;
    PERFORM tarbox.fs_rename(r1.parent, r1.name, r2.parent, r2.name, 0);
END
$$;
ALTER FUNCTION tarbox._do_wasi_rename(bigint, text, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_rename(bigint, text, bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_rename(bigint, text, bigint, text) IS
'WASI path_rename (renameat(2)), atomic: move relative path p_path beneath directory inode p_dir to p_newpath beneath p_newdir (each resolved without leaving its directory; final links are not followed), replacing a compatible target as tarbox.fs_rename does. Errors: ENOENT (TX002), EISDIR (TX021), ENOTDIR (TX020), ENOTEMPTY (TX039), EINVAL (TX022) a directory into its own subtree, EBUSY (TX016) ''.''/''..'', EREMOTE (TX066) at or below a composition''s mount point (the WASI API does not serve compositions), EPERM (TX001) outside a directory, ENAMETOOLONG (TX036), EROFS (TX030).';
