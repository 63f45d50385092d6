CREATE OR REPLACE FUNCTION tarbox._do_wasi_link(p_dir bigint, p_path text, p_follow boolean,
                                            p_newdir bigint, p_newpath text)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r1 tarbox._resolved := tarbox._wasi_walk(c, p_dir, p_path, coalesce(p_follow, false));
    r2 tarbox._resolved := tarbox._wasi_walk(c, p_newdir, p_newpath, false);
    k1 record;
    k2 record;
    a tarbox.attr;
BEGIN
    IF r1.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    ELSIF r2.ino IS NOT NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', p_newpath));
    ELSIF right(p_newpath, 1) = '/' THEN
        PERFORM tarbox._raise('ENOENT', format('%s: a link name cannot end with /', p_newpath));
    END IF;
    k1 := tarbox._compose_number(r1.ino);
    k2 := tarbox._compose_number(r2.parent);
    PERFORM tarbox._compose_cross(k1.compose, k2.compose, p_path);  -- EROFS or EXDEV across a boundary
    IF k1.compose IS NOT NULL THEN  -- within one composition (EROFS unless cow), recorded by fs_link
        a := tarbox.compose_link(k1.compose, k1.n, k2.n, r2.name);
        a.ino := k1.base | a.ino;
        RETURN a;
    END IF;
    RETURN tarbox.fs_link(r1.ino, r2.parent, r2.name);
END
$$;
ALTER FUNCTION tarbox._do_wasi_link(bigint, text, boolean, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_link(bigint, text, boolean, bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_link(bigint, text, boolean, bigint, text) IS
'WASI path_link (linkat(2)): add hard link p_newpath (beneath directory inode p_newdir) to the inode at p_path (beneath p_dir; a final link is linked itself unless p_follow), both resolved without leaving their directory. Returns the inode''s attributes (nlink grown). Errors: a path at or below a composition''s mount point changes what the mount shows (tarbox._wasi_walk): EROFS (TX030) in a read-only composition, in a copy-on-write one the caller''s copy (copied up first; a whiteout hides a removed publisher''s entry); EXDEV (TX018) across a composition''s boundary (EROFS from or into a read-only one); EPERM (TX001) a directory or outside a directory, EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), EMLINK (TX031), ENAMETOOLONG (TX036), EROFS (TX030).';
