CREATE OR REPLACE FUNCTION tarbox.mknod(p_path bytea, p_mode int, p_rdev bigint DEFAULT 0)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r record := tarbox._walk_core(c, p_path, false);
    t tarbox.tenant;
BEGIN
    IF r.ino IS NOT NULL OR r.name IS NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_path)));
    ELSIF tarbox._names_dir(p_path) THEN
        -- mknod(2) of a missing name ending in '/': ENOENT, as on Linux
        PERFORM tarbox._raise('ENOENT', format('%s: a path ending in / names a directory, and there is none',
                                               tarbox._name_text(p_path)));
    END IF;
    SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
    IF r.compose IS NOT NULL THEN  -- as the mount's mknod (EROFS read-only)
        RETURN tarbox._compose_ino(r.compose, (tarbox.compose_mknod(r.compose, r.parent, r.name, p_mode, p_rdev,
                                                                    t.default_uid, t.default_gid)).ino);
    END IF;
    RETURN (tarbox.fs_mknod(r.parent, r.name, p_mode, p_rdev, t.default_uid, t.default_gid)).ino;
END
$$;
CREATE OR REPLACE FUNCTION tarbox.mknod(p_path text, p_mode int, p_rdev bigint DEFAULT 0)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.mknod(convert_to(p_path, 'UTF8'), p_mode, p_rdev);
END
$$;
ALTER FUNCTION tarbox.mknod(bytea, int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.mknod(bytea, int, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.mknod(bytea, int, bigint) TO tarbox_tenant;
ALTER FUNCTION tarbox.mknod(text, int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.mknod(text, int, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.mknod(text, int, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.mknod(text, int, bigint) IS
'mknod(2) by absolute path: p_mode is st_mode with the file type (S_IFIFO 010000, S_IFCHR 020000, S_IFBLK 060000, S_IFSOCK 0140000, S_IFREG 0100000) and permissions; p_rdev the device number. Returns the inode. A missing path ending in / is ENOENT, as on Linux. Errors: EEXIST (TX017), EINVAL (TX022), ENOENT (TX002), EROFS (TX030). In a composition, as the mount''s mknod: copy-on-write through tarbox.compose_mknod (a character device 0/0 is its whiteout: EPERM (TX001); the result is the number the mount shows), EROFS (TX030) in a read-only one.';
COMMENT ON FUNCTION tarbox.mknod(bytea, int, bigint) IS
'tarbox.mknod(text, int, bigint) for a path given as bytes (any byte but NUL). Errors: as tarbox.mknod(text, int, bigint).';
