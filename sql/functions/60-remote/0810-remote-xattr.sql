-- Extended attributes by absolute byte path (links followed); names and values are bytes.
CREATE OR REPLACE FUNCTION tarbox.remote_xattrs(p_path bytea, p_layer text DEFAULT NULL)
RETURNS TABLE (name bytea, value bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r record := tarbox._walk_core(c, p_path, true);
    v_ino bigint := r.ino;
BEGIN
    IF v_ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.compose IS NOT NULL THEN
        -- as the mount reads them (tarbox.compose_listxattr, compose_getxattr)
        RETURN QUERY SELECT n, tarbox.compose_getxattr(r.compose, v_ino, n) FROM tarbox.compose_listxattr(r.compose, v_ino) n ORDER BY n;
        RETURN;
    END IF;
    RETURN QUERY SELECT n, tarbox.fs_getxattr(v_ino, n, c.layer) FROM tarbox.fs_listxattr(v_ino, c.layer) n;
END
$$;

CREATE OR REPLACE FUNCTION tarbox.remote_setxattr(p_path bytea, p_name bytea, p_value bytea, p_flags int DEFAULT 0)
RETURNS tarbox.entry
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r tarbox._resolved;
    w record;
BEGIN
    w := tarbox._remote_cow(c, p_path, true);
    IF w.compose IS NOT NULL THEN  -- on the caller's copy, as the mount
        IF w.ino IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
        END IF;
        IF p_value IS NULL THEN
            PERFORM tarbox.compose_removexattr(w.compose, w.ino, p_name);
        ELSE
            PERFORM tarbox.compose_setxattr(w.compose, w.ino, p_name, p_value, coalesce(p_flags, 0));
        END IF;
        RETURN tarbox._do_remote_stat(p_path, true, NULL);
    END IF;
    r := tarbox._walk(c, p_path, true, true);
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    END IF;
    IF p_value IS NULL THEN
        PERFORM tarbox.fs_removexattr(r.ino, p_name);
    ELSE
        PERFORM tarbox.fs_setxattr(r.ino, p_name, p_value, coalesce(p_flags, 0));
    END IF;
    RETURN tarbox._entry_at(c.tenant_id, r.ino, c.head, r.name);
END
$$;
ALTER FUNCTION tarbox.remote_xattrs(bytea, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_xattrs(bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_xattrs(bytea, text) TO tarbox_tenant;
ALTER FUNCTION tarbox.remote_setxattr(bytea, bytea, bytea, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_setxattr(bytea, bytea, bytea, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_setxattr(bytea, bytea, bytea, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_xattrs(bytea, text) IS
'Remote API. Every extended attribute of absolute path p_path (bytes; links followed) as of layer p_layer (NULL = current): (name, value) bytes, sorted by name; in a composition, as the mount reads them (tarbox.compose_listxattr, compose_getxattr). Errors: ENOENT (TX002), ENOTDIR (TX020).';
COMMENT ON FUNCTION tarbox.remote_setxattr(bytea, bytea, bytea, int) IS
'Remote API. setxattr(2) of attribute p_name (bytes) of absolute path p_path to p_value (<= 64 KiB; NULL removes it: removexattr(2)); p_flags 1 = XATTR_CREATE, 2 = XATTR_REPLACE. Returns the file''s new tarbox.entry. Errors: EEXIST (TX017), ENODATA (TX061), ENOENT (TX002), ERANGE (TX034), E2BIG (TX007), EROFS (TX030). Below a composition''s mount point (tarbox.compose_list): EROFS (TX030) in a read-only composition, as the mount answers; in a copy-on-write one set on the caller''s copy (copied up first: tarbox.compose_setxattr, compose_removexattr, as the mount).';
