CREATE OR REPLACE FUNCTION tarbox.chown(p_path bytea, p_uid bigint, p_gid bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    -- -1 is chown(2)'s "leave it" ((uid_t) -1): the same as NULL here
    r := tarbox._walk_core(tarbox._ctx(NULL, true), p_path, true);
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.compose IS NOT NULL THEN
        PERFORM tarbox.compose_setattr(r.compose, r.ino, NULL, nullif(p_uid, -1), nullif(p_gid, -1), NULL, NULL, NULL);  -- EROFS read-only
        RETURN;
    END IF;
    PERFORM tarbox.fs_setattr(r.ino, NULL, nullif(p_uid, -1), nullif(p_gid, -1), NULL, NULL, NULL, NULL);
END
$$;
CREATE OR REPLACE FUNCTION tarbox.chown(p_path text, p_uid bigint, p_gid bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox.chown(convert_to(p_path, 'UTF8'), p_uid, p_gid);
END
$$;
ALTER FUNCTION tarbox.chown(bytea, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.chown(bytea, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.chown(bytea, bigint, bigint) TO tarbox_tenant;
ALTER FUNCTION tarbox.chown(text, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.chown(text, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.chown(text, bigint, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.chown(text, bigint, bigint) IS
'chown(2) by absolute path (symbolic links followed): set owner p_uid and group p_gid (0..2^32-2; NULL or -1 leaves one unchanged, as (uid_t) -1 does for chown(2)); ctime becomes now. Errors: ENOENT (TX002), EINVAL (TX022) an id outside 0..2^32-2, EROFS (TX030). In a composition (its mount point: its root), as the mount''s chown: copy-on-write through tarbox.compose_setattr (copied up first), EROFS (TX030) in a read-only one.';
COMMENT ON FUNCTION tarbox.chown(bytea, bigint, bigint) IS
'tarbox.chown(text, bigint, bigint) for a path given as bytes (any byte but NUL). Errors: as tarbox.chown(text, bigint, bigint).';
