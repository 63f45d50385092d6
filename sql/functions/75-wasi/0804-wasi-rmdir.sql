CREATE OR REPLACE FUNCTION tarbox._do_wasi_rmdir(p_dir bigint, p_path text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r tarbox._resolved;
BEGIN
    -- A trailing '/' names the directory itself, as rmdir(2) takes it, and does not follow a
    -- final symbolic link (ENOTDIR for a link to a directory, as Linux and wasmtime 51 answer).
    r := tarbox._wasi_walk(c, p_dir, coalesce(nullif(rtrim(p_path, '/'), ''), p_path), false);
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    ELSIF r.name IN ('\x2e'::bytea, '\x2e2e'::bytea) THEN
        PERFORM tarbox._raise('EINVAL', format('%s: cannot remove a path ending in . or ..', p_path));
    END IF;
    PERFORM tarbox._wasi_remove(c, r, p_path, true);  -- in a composition too
END
$$;
ALTER FUNCTION tarbox._do_wasi_rmdir(bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_rmdir(bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_rmdir(bigint, text) IS
'WASI path_remove_directory (unlinkat(2) with AT_REMOVEDIR): remove the empty directory at relative path p_path beneath directory inode p_dir (never leaving it). Errors: ENOENT (TX002), ENOTDIR (TX020) not a directory (a link to one included), ENOTEMPTY (TX039), EINVAL (TX022) a path ending in ''.'' or ''..'' (as wasmtime answers; a trailing ''/'' is taken as rmdir(2) takes it: the directory itself, a symbolic link to one not followed: ENOTDIR), a path at or below a composition''s mount point changes what the mount shows (tarbox._wasi_walk): EROFS (TX030) in a read-only composition, in a copy-on-write one the caller''s copy (copied up first; a whiteout hides a removed publisher''s entry); EBUSY (TX016) the mount point itself; EPERM (TX001) outside p_dir, ENAMETOOLONG (TX036), EROFS (TX030).';
