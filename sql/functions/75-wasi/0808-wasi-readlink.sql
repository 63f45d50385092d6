CREATE OR REPLACE FUNCTION tarbox._do_wasi_readlink(p_dir bigint, p_path text)
RETURNS bytea
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    r tarbox._resolved := tarbox._wasi_walk(c, p_dir, p_path, false);
    v tarbox.inode;
    k record;
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    END IF;
    IF r.ino >= 72057594037927936 THEN  -- in a composition: the link the mount shows
        k := tarbox._compose_number(r.ino);
        v := tarbox._compose_node(k.compose, k.n);
    ELSE
        v := tarbox._inode_at(c.tenant_id, r.ino, c.layer);
    END IF;
    IF v.target IS NULL THEN
        PERFORM tarbox._raise('EINVAL', format('%s is not a symbolic link', p_path));
    END IF;
    RETURN v.target;
END
$$;
ALTER FUNCTION tarbox._do_wasi_readlink(bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_readlink(bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_readlink(bigint, text) IS
'WASI path_readlink (readlinkat(2)): the target (bytes) of the symbolic link at relative path p_path beneath directory inode p_dir (the directories on the way are resolved without leaving p_dir). Errors: ENOENT (TX002), EINVAL (TX022) not a symbolic link, ENOTDIR (TX020), a path at or below a composition''s mount point resolves as the mount shows it (tarbox._wasi_walk; ENOENT once its publication is no longer shared); EPERM (TX001) outside p_dir, ENAMETOOLONG (TX036).';
