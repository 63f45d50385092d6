CREATE OR REPLACE FUNCTION tarbox._do_wasi_mkdir(p_dir bigint, p_path text)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r tarbox._resolved := tarbox._wasi_walk(c, p_dir, p_path, false);
    t tarbox.tenant;
BEGIN
    IF r.ino IS NOT NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', p_path));
    END IF;
    SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
    RETURN tarbox._new_inode(c, r.parent, r.name, 16877, 0, t.default_uid, t.default_gid, NULL);
END
$$;
ALTER FUNCTION tarbox._do_wasi_mkdir(bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_mkdir(bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_mkdir(bigint, text) IS
'WASI path_create_directory (mkdirat(2)): create directory p_path (text, relative, resolved beneath directory inode p_dir without leaving it; a trailing / is allowed) with mode 0755, owned by the tenant''s default uid/gid. Returns its attributes. Errors: EEXIST (TX017) any existing name, a link included, EREMOTE (TX066) at or below a composition''s mount point (the WASI API does not serve compositions), EPERM (TX001) outside p_dir, ENOENT (TX002), ENOTDIR (TX020), ENAMETOOLONG (TX036), EROFS (TX030).';
