CREATE OR REPLACE FUNCTION tarbox._do_wasi_readlink(p_dir bigint, p_path text)
RETURNS bytea
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    r tarbox._resolved := tarbox._wasi_walk(c, p_dir, p_path, false);
    v tarbox.inode;
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    END IF;
    v := tarbox._inode_at(c.tenant_id, r.ino, c.layer);
    IF v.target IS NULL THEN
        PERFORM tarbox._raise('EINVAL', format('%s is not a symbolic link', p_path));
    END IF;
    RETURN v.target;
END
$$;
ALTER FUNCTION tarbox._do_wasi_readlink(bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_readlink(bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_readlink(bigint, text) IS
'WASI path_readlink (readlinkat(2)): the target (bytes) of the symbolic link at relative path p_path beneath directory inode p_dir (the directories on the way are resolved without leaving p_dir). Errors: ENOENT (TX002), EINVAL (TX022) not a symbolic link, ENOTDIR (TX020), EREMOTE (TX066) at or below a composition''s mount point (the WASI API does not serve compositions), EPERM (TX001) outside p_dir, ENAMETOOLONG (TX036).';
