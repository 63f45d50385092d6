-- Extended attributes by absolute path (symbolic links followed); names are text (UTF-8). Each
-- takes the path as text or as bytes.
CREATE OR REPLACE FUNCTION tarbox.getxattr(p_path bytea, p_name text)
RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record := tarbox._walk_core(tarbox._ctx(NULL, false), p_path, true);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.compose IS NOT NULL THEN
        RETURN tarbox.compose_getxattr(r.compose, r.ino, convert_to(p_name, 'UTF8'));  -- as the mount reads it
    END IF;
    RETURN tarbox.fs_getxattr(r.ino, convert_to(p_name, 'UTF8'), NULL);
END
$$;
CREATE OR REPLACE FUNCTION tarbox.getxattr(p_path text, p_name text)
RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.getxattr(convert_to(p_path, 'UTF8'), p_name);
END
$$;

CREATE OR REPLACE FUNCTION tarbox.setxattr(p_path bytea, p_name text, p_value bytea, p_flags int DEFAULT 0)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record := tarbox._walk_core(tarbox._ctx(NULL, true), p_path, true);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.compose IS NOT NULL THEN
        PERFORM tarbox.compose_setxattr(r.compose, r.ino, convert_to(p_name, 'UTF8'), p_value, p_flags);  -- EROFS read-only
        RETURN;
    END IF;
    PERFORM tarbox.fs_setxattr(r.ino, convert_to(p_name, 'UTF8'), p_value, p_flags);
END
$$;
CREATE OR REPLACE FUNCTION tarbox.setxattr(p_path text, p_name text, p_value bytea, p_flags int DEFAULT 0)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox.setxattr(convert_to(p_path, 'UTF8'), p_name, p_value, p_flags);
END
$$;

CREATE OR REPLACE FUNCTION tarbox.listxattr(p_path bytea)
RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record := tarbox._walk_core(tarbox._ctx(NULL, false), p_path, true);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.compose IS NOT NULL THEN
        RETURN QUERY SELECT tarbox._name_text(n) FROM tarbox.compose_listxattr(r.compose, r.ino) n;  -- as the mount lists them
        RETURN;
    END IF;
    RETURN QUERY SELECT tarbox._name_text(n) FROM tarbox.fs_listxattr(r.ino, NULL) n;
END
$$;
CREATE OR REPLACE FUNCTION tarbox.listxattr(p_path text)
RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT * FROM tarbox.listxattr(convert_to(p_path, 'UTF8'));
END
$$;

CREATE OR REPLACE FUNCTION tarbox.removexattr(p_path bytea, p_name text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record := tarbox._walk_core(tarbox._ctx(NULL, true), p_path, true);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.compose IS NOT NULL THEN
        PERFORM tarbox.compose_removexattr(r.compose, r.ino, convert_to(p_name, 'UTF8'));  -- EROFS read-only
        RETURN;
    END IF;
    PERFORM tarbox.fs_removexattr(r.ino, convert_to(p_name, 'UTF8'));
END
$$;
CREATE OR REPLACE FUNCTION tarbox.removexattr(p_path text, p_name text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox.removexattr(convert_to(p_path, 'UTF8'), p_name);
END
$$;
ALTER FUNCTION tarbox.getxattr(bytea, text) OWNER TO tarbox_owner;
ALTER FUNCTION tarbox.getxattr(text, text) OWNER TO tarbox_owner;
ALTER FUNCTION tarbox.setxattr(bytea, text, bytea, int) OWNER TO tarbox_owner;
ALTER FUNCTION tarbox.setxattr(text, text, bytea, int) OWNER TO tarbox_owner;
ALTER FUNCTION tarbox.listxattr(bytea) OWNER TO tarbox_owner;
ALTER FUNCTION tarbox.listxattr(text) OWNER TO tarbox_owner;
ALTER FUNCTION tarbox.removexattr(bytea, text) OWNER TO tarbox_owner;
ALTER FUNCTION tarbox.removexattr(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.getxattr(bytea, text), tarbox.getxattr(text, text),
                       tarbox.setxattr(bytea, text, bytea, int), tarbox.setxattr(text, text, bytea, int),
                       tarbox.listxattr(bytea), tarbox.listxattr(text),
                       tarbox.removexattr(bytea, text), tarbox.removexattr(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.getxattr(bytea, text), tarbox.getxattr(text, text),
                          tarbox.setxattr(bytea, text, bytea, int), tarbox.setxattr(text, text, bytea, int),
                          tarbox.listxattr(bytea), tarbox.listxattr(text),
                          tarbox.removexattr(bytea, text), tarbox.removexattr(text, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.getxattr(text, text) IS
'getxattr(2) by absolute path: the value (bytes) of extended attribute p_name. Errors: ENODATA (TX061), ENOENT (TX002), EOPNOTSUPP (TX095) no user./trusted./security. namespace, EINVAL (TX022) no name after the namespace. In a composition, as the mount reads it (tarbox.compose_getxattr: copy-on-write, the caller''s copy once changed).';
COMMENT ON FUNCTION tarbox.setxattr(text, text, bytea, int) IS
'setxattr(2) by absolute path: set attribute p_name to p_value (<= 64 KiB); p_flags 1 = XATTR_CREATE, 2 = XATTR_REPLACE. Errors: EEXIST (TX017), ENODATA (TX061), ENOENT (TX002), ERANGE (TX034), E2BIG (TX007), EOPNOTSUPP (TX095), EINVAL (TX022), EROFS (TX030). In a composition, as the mount: copy-on-write through tarbox.compose_setxattr (copied up first), EROFS (TX030) in a read-only one.';
COMMENT ON FUNCTION tarbox.listxattr(text) IS
'listxattr(2) by absolute path: the attribute names, sorted. Errors: ENOENT (TX002). In a composition, as the mount lists them (tarbox.compose_listxattr).';
COMMENT ON FUNCTION tarbox.removexattr(text, text) IS
'removexattr(2) by absolute path. Errors: ENODATA (TX061), ENOENT (TX002), EOPNOTSUPP (TX095), EINVAL (TX022), EROFS (TX030). In a composition, as the mount: copy-on-write through tarbox.compose_removexattr, EROFS (TX030) in a read-only one.';
COMMENT ON FUNCTION tarbox.getxattr(bytea, text) IS 'tarbox.getxattr(text, text) for a path given as bytes (any byte but NUL). Errors: as tarbox.getxattr(text, text).';
COMMENT ON FUNCTION tarbox.setxattr(bytea, text, bytea, int) IS 'tarbox.setxattr(text, text, bytea, int) for a path given as bytes (any byte but NUL). Errors: as tarbox.setxattr(text, text, bytea, int).';
COMMENT ON FUNCTION tarbox.listxattr(bytea) IS 'tarbox.listxattr(text) for a path given as bytes (any byte but NUL). Errors: as tarbox.listxattr(text).';
COMMENT ON FUNCTION tarbox.removexattr(bytea, text) IS 'tarbox.removexattr(text, text) for a path given as bytes (any byte but NUL). Errors: as tarbox.removexattr(text, text).';
