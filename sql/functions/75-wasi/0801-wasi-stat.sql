CREATE OR REPLACE FUNCTION tarbox._do_wasi_stat(p_dir bigint, p_path text, p_follow boolean)
RETURNS tarbox.attr
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    r tarbox._resolved := tarbox._wasi_walk(c, p_dir, p_path, coalesce(p_follow, false));
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    ELSIF r.ino >= 72057594037927936 THEN
        RETURN tarbox._compose_shown_attr(r.ino);  -- in a composition: what the mount shows
    END IF;
    RETURN tarbox._attr(tarbox._inode_at(c.tenant_id, r.ino, c.layer));
END
$$;
ALTER FUNCTION tarbox._do_wasi_stat(bigint, text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_stat(bigint, text, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_stat(bigint, text, boolean) IS
'WASI path_filestat_get (fstatat(2)): the attributes (tarbox.attr) of the inode at relative path p_path (text, UTF-8) beneath directory inode p_dir (a preopened directory or one opened under it), following a final symbolic link when p_follow (lookupflags.symlink_follow). Resolution never leaves p_dir: ''..'' above it, absolute paths and links to absolute or outside paths are EPERM, as wasmtime answers. A path at or below a composition''s mount point answers what the mount shows, with its numbers (2^56 | slot << 40 | n; tarbox._wasi_walk). Errors: EPERM (TX001) outside p_dir, ENOENT (TX002) (also: the composition''s publication is no longer shared), ENOTDIR (TX020), ELOOP (TX040) over 40 links or a final link not followed where a file is needed, ENAMETOOLONG (TX036), EILSEQ (SQLSTATE 22021) a name that is not UTF-8.';
