CREATE OR REPLACE FUNCTION tarbox._do_wasi_rename(p_dir bigint, p_path text, p_newdir bigint, p_newpath text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    -- rename(2) acts on the names themselves: a trailing '/' does not follow a final link, it
    -- only requires a directory (checked below: a link with one is ENOTDIR).
    r1 tarbox._resolved := tarbox._wasi_walk(c, p_dir, coalesce(nullif(rtrim(p_path, '/'), ''), p_path), false);
    r2 tarbox._resolved := tarbox._wasi_walk(c, p_newdir, coalesce(nullif(rtrim(p_newpath, '/'), ''), p_newpath), false);
    k1 record;
    k2 record;
    v_dir boolean;  -- the source is a directory
BEGIN
    IF r1.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    ELSIF r1.name IN ('\x2e'::bytea, '\x2e2e'::bytea) OR r2.name IN ('\x2e'::bytea, '\x2e2e'::bytea) THEN
        PERFORM tarbox._raise('EBUSY', format('cannot rename %s to %s: ''.'' or ''..''', p_path, p_newpath));
    ELSIF (r1.ino >= 72057594037927936 AND r1.parent < 72057594037927936)
          OR (r2.ino >= 72057594037927936 AND r2.parent < 72057594037927936) THEN
        PERFORM tarbox._raise('EBUSY', format('cannot rename %s to %s: a composition''s mount point', p_path, p_newpath));
    END IF;
    k1 := tarbox._compose_number(r1.parent);
    k2 := tarbox._compose_number(r2.parent);
    IF right(p_path, 1) = '/' OR right(p_newpath, 1) = '/' THEN
        v_dir := (CASE WHEN k1.compose IS NULL THEN tarbox._inode_at(c.tenant_id, r1.ino, c.layer)
                       ELSE tarbox._compose_node(k1.compose, r1.ino & 1099511627775) END).mode & 61440 = 16384;
        IF NOT v_dir THEN
            PERFORM tarbox._raise('ENOTDIR', format('%s: not a directory',
                CASE WHEN right(p_path, 1) = '/' THEN p_path ELSE p_newpath END));
        ELSIF r2.ino IS NOT NULL AND right(p_newpath, 1) = '/'
              AND (CASE WHEN k2.compose IS NULL THEN tarbox._inode_at(c.tenant_id, r2.ino, c.layer)
                        ELSE tarbox._compose_node(k2.compose, r2.ino & 1099511627775) END).mode & 61440 <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('%s: not a directory', p_newpath));
        END IF;
    END IF;
    -- across a composition's boundary: EROFS from or into a read-only one, EXDEV otherwise
    -- (as the mount answers; tools then copy)
    PERFORM tarbox._compose_cross(k1.compose, k2.compose, p_path);
    IF k1.compose IS NOT NULL THEN
        -- within one composition: as the mount renames there (EROFS unless cow; EXDEV for a
        -- directory the publisher has), recorded by tarbox.fs_rename on the caller's copy
        PERFORM tarbox.compose_rename(k1.compose, k1.n, r1.name, k2.n, r2.name, 0);
        RETURN;
    END IF;
    PERFORM tarbox.fs_rename(r1.parent, r1.name, r2.parent, r2.name, 0);
END
$$;
ALTER FUNCTION tarbox._do_wasi_rename(bigint, text, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_rename(bigint, text, bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_rename(bigint, text, bigint, text) IS
'WASI path_rename (renameat(2)), atomic: move relative path p_path beneath directory inode p_dir to p_newpath beneath p_newdir (each resolved without leaving its directory; final links are not followed, not even with a trailing /, which requires a directory: ENOTDIR), replacing a compatible target as tarbox.fs_rename does. Errors: ENOENT (TX002), EISDIR (TX021), ENOTDIR (TX020), ENOTEMPTY (TX039), EINVAL (TX022) a directory into its own subtree, EBUSY (TX016) ''.''/''..'', a path at or below a composition''s mount point changes what the mount shows (tarbox._wasi_walk): EROFS (TX030) in a read-only composition, in a copy-on-write one the caller''s copy (copied up first; a whiteout hides a removed publisher''s entry); EBUSY (TX016) the mount point itself; EXDEV (TX018) across a composition''s boundary (EROFS from or into a read-only one); EPERM (TX001) outside a directory, ENAMETOOLONG (TX036), EROFS (TX030).';
