CREATE OR REPLACE FUNCTION tarbox._do_wasi_unlink(p_dir bigint, p_path text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r tarbox._resolved := tarbox._wasi_walk(c, p_dir, p_path, false);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    ELSIF r.name IN ('\x2e'::bytea, '\x2e2e'::bytea) OR right(p_path, 1) = '/' THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory', p_path));
    END IF;
    PERFORM tarbox._wasi_remove(c, r, p_path, false);  -- in a composition too
END
$$;
ALTER FUNCTION tarbox._do_wasi_unlink(bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_unlink(bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_unlink(bigint, text) IS
'WASI path_unlink_file (unlinkat(2)): remove the non-directory entry at relative path p_path beneath directory inode p_dir (a final link is removed, not followed). The inode lives on while open elsewhere (see tarbox.fs_unlink). Errors: ENOENT (TX002), EISDIR (TX021) a directory, ENOTDIR (TX020) a trailing / after a non-directory, a path at or below a composition''s mount point changes what the mount shows (tarbox._wasi_walk): EROFS (TX030) in a read-only composition, in a copy-on-write one the caller''s copy (copied up first; a whiteout hides a removed publisher''s entry); EBUSY (TX016) the mount point itself; EPERM (TX001) outside p_dir, ENAMETOOLONG (TX036), EROFS (TX030).';
