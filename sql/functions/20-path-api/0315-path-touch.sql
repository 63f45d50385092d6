CREATE OR REPLACE FUNCTION tarbox._do_touch(p_path bytea, p_atime_ns bigint DEFAULT NULL, p_mtime_ns bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r record := tarbox._walk_core(c, p_path, true);
    v_ino bigint := r.ino;
BEGIN
    IF r.compose IS NOT NULL AND v_ino IS NOT NULL THEN  -- in a composition: as the mount's utimes (EROFS read-only)
        PERFORM tarbox.compose_setattr(r.compose, v_ino, NULL, NULL, NULL, NULL,
                                       coalesce(p_atime_ns, tarbox._now_ns()), coalesce(p_mtime_ns, tarbox._now_ns()));
        RETURN;
    ELSIF v_ino IS NULL THEN
        v_ino := tarbox._path_file(c, p_path, true);  -- (in a composition: made in the copied-up directory)
    END IF;
    PERFORM tarbox._do_fs_setattr(v_ino, NULL, NULL, NULL, NULL,
                              coalesce(p_atime_ns, tarbox._now_ns()), coalesce(p_mtime_ns, tarbox._now_ns()), NULL);
END
$$;
CREATE OR REPLACE FUNCTION tarbox.touch(p_path text, p_atime_ns bigint DEFAULT NULL, p_mtime_ns bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox.touch(convert_to(p_path, 'UTF8'), p_atime_ns, p_mtime_ns);
END
$$;
ALTER FUNCTION tarbox._do_touch(bytea, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_touch(bytea, bigint, bigint) FROM PUBLIC;
ALTER FUNCTION tarbox.touch(text, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.touch(text, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.touch(text, bigint, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.touch(text, bigint, bigint) IS
'touch(1) / utimensat(2) by absolute path: create an empty file if missing (EISDIR for a missing path ending in /), then set access and modification times (ns since the epoch; NULL = now). Errors: ENOENT (TX002) missing directory, ENOTDIR (TX020), EISDIR (TX021), EROFS (TX030). In a composition, as the mount: copy-on-write through tarbox.compose_setattr (copied up first; a missing file is made in the copied-up directory), EROFS (TX030) in a read-only one.';
COMMENT ON FUNCTION tarbox._do_touch(bytea, bigint, bigint) IS
'tarbox.touch(text, bigint, bigint) for a path given as bytes (any byte but NUL). Errors: as tarbox.touch(text, bigint, bigint).';
