CREATE OR REPLACE FUNCTION tarbox.chmod(p_path bytea, p_mode int)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record := tarbox._walk_core(tarbox._ctx(NULL, true), p_path, true);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.compose IS NOT NULL THEN
        PERFORM tarbox.compose_setattr(r.compose, r.ino, p_mode & 4095, NULL, NULL, NULL, NULL, NULL);  -- EROFS read-only
        RETURN;
    END IF;
    PERFORM tarbox.fs_setattr(r.ino, p_mode & 4095, NULL, NULL, NULL, NULL, NULL, NULL);
END
$$;
CREATE OR REPLACE FUNCTION tarbox.chmod(p_path text, p_mode int)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox.chmod(convert_to(p_path, 'UTF8'), p_mode);
END
$$;
ALTER FUNCTION tarbox.chmod(bytea, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.chmod(bytea, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.chmod(bytea, int) TO tarbox_tenant;
ALTER FUNCTION tarbox.chmod(text, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.chmod(text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.chmod(text, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.chmod(text, int) IS
'chmod(2) by absolute path (symbolic links followed): set the permission bits (07777 of p_mode); ctime becomes now. Errors: ENOENT (TX002), ENOTDIR (TX020), ELOOP (TX040), EROFS (TX030). In a composition (its mount point: its root), as the mount''s chmod: copy-on-write through tarbox.compose_setattr (copied up first), EROFS (TX030) in a read-only one.';
COMMENT ON FUNCTION tarbox.chmod(bytea, int) IS
'tarbox.chmod(text, int) for a path given as bytes (any byte but NUL). Errors: as tarbox.chmod(text, int).';
