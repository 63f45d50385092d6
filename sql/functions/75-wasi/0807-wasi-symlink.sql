CREATE OR REPLACE FUNCTION tarbox._do_wasi_symlink(p_target text, p_dir bigint, p_path text)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r tarbox._resolved;
    t tarbox.tenant;
    k record;
    a tarbox.attr;
BEGIN
    IF left(p_target, 1) = '/' THEN
        PERFORM tarbox._raise('EPERM', format(
            '%s: a symbolic link beneath a preopened directory cannot point at the absolute path %s',
            p_path, p_target));
    END IF;
    r := tarbox._wasi_walk(c, p_dir, p_path, false);
    IF r.ino IS NOT NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', p_path));
    ELSIF right(p_path, 1) = '/' THEN
        PERFORM tarbox._raise('ENOENT', format('%s: a symbolic link name cannot end with /', p_path));
    END IF;
    SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
    IF r.parent >= 72057594037927936 THEN  -- in a composition (EROFS unless cow), recorded by fs_symlink
        k := tarbox._compose_number(r.parent);
        a := tarbox.compose_symlink(k.compose, k.n, r.name, convert_to(p_target, 'UTF8'), t.default_uid, t.default_gid);
        a.ino := k.base | a.ino;
        RETURN a;
    END IF;
    RETURN tarbox.fs_symlink(r.parent, r.name, convert_to(p_target, 'UTF8'), t.default_uid, t.default_gid);
END
$$;
ALTER FUNCTION tarbox._do_wasi_symlink(text, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_symlink(text, bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_symlink(text, bigint, text) IS
'WASI path_symlink (symlinkat(2)): create symbolic link p_path (relative, beneath directory inode p_dir, never leaving it) pointing at p_target (text, stored as given, not resolved), owned by the tenant''s default uid/gid. An absolute target is refused with EPERM, as wasmtime refuses it. Returns the link''s attributes. Errors: a path at or below a composition''s mount point changes what the mount shows (tarbox._wasi_walk): EROFS (TX030) in a read-only composition, in a copy-on-write one the caller''s copy (copied up first; a whiteout hides a removed publisher''s entry); EPERM (TX001), EEXIST (TX017), ENOENT (TX002) empty target or missing directory, ENOTDIR (TX020), ENAMETOOLONG (TX036), EROFS (TX030).';
