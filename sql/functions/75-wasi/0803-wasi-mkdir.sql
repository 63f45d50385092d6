CREATE OR REPLACE FUNCTION tarbox._do_wasi_mkdir(p_dir bigint, p_path text)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    -- A trailing '/' names the directory to make, as mkdir(2) takes it: the name itself is
    -- looked up, a link not followed (an existing file or link, even dangling: EEXIST).
    r tarbox._resolved := tarbox._wasi_walk(c, p_dir, coalesce(nullif(rtrim(p_path, '/'), ''), p_path), false);
    t tarbox.tenant;
BEGIN
    IF r.ino IS NOT NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', p_path));
    END IF;
    SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
    IF r.parent >= 72057594037927936 THEN
        -- in a composition: made in the caller's copy of the directory (EROFS unless cow)
        RETURN tarbox._cow_new_inode(c, r.parent, r.name, 16877, t.default_uid, t.default_gid);
    END IF;
    RETURN tarbox._new_inode(c, r.parent, r.name, 16877, 0, t.default_uid, t.default_gid, NULL);
END
$$;
ALTER FUNCTION tarbox._do_wasi_mkdir(bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_mkdir(bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_mkdir(bigint, text) IS
'WASI path_create_directory (mkdirat(2)): create directory p_path (text, relative, resolved beneath directory inode p_dir without leaving it; a trailing / is allowed and names the directory to make, a final link never followed) with mode 0755, owned by the tenant''s default uid/gid. Returns its attributes. Errors: EEXIST (TX017) any existing name, a link included (also with a trailing /, as mkdir(2) and wasmtime answer), a path at or below a composition''s mount point changes what the mount shows (tarbox._wasi_walk): EROFS (TX030) in a read-only composition, in a copy-on-write one the caller''s copy (copied up first; a whiteout hides a removed publisher''s entry); EPERM (TX001) outside p_dir, ENOENT (TX002), ENOTDIR (TX020), ENAMETOOLONG (TX036), EROFS (TX030).';
