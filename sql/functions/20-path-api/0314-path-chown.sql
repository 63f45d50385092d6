CREATE OR REPLACE FUNCTION tarbox.chown(p_path text, p_uid bigint, p_gid bigint DEFAULT NULL)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT tarbox.fs_setattr(tarbox._path_ino(tarbox._ctx(NULL, true), p_path, true),
                             NULL, p_uid, p_gid, NULL, NULL, NULL, NULL);
$$;
ALTER FUNCTION tarbox.chown(text, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.chown(text, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.chown(text, bigint, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.chown(text, bigint, bigint) IS
'chown(2) by absolute path (symbolic links followed): set owner p_uid and, unless NULL, group p_gid (0..2^32-2); ctime becomes now. Errors: ENOENT (TX002), EINVAL (TX022), EROFS (TX030).';
