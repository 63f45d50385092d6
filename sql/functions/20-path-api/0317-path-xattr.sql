-- Extended attributes by absolute path (symbolic links followed); names are text (UTF-8). Each
-- takes the path as text or as bytes.
CREATE OR REPLACE FUNCTION tarbox.getxattr(p_path bytea, p_name text)
RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.fs_getxattr(tarbox._path_ino(tarbox._ctx(NULL, false), p_path, true), convert_to(p_name, 'UTF8'), NULL);
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
BEGIN
    PERFORM tarbox.fs_setxattr(tarbox._path_ino(tarbox._ctx(NULL, true), p_path, true), convert_to(p_name, 'UTF8'), p_value, p_flags);
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
BEGIN
    RETURN QUERY SELECT tarbox._name_text(n)
                   FROM tarbox.fs_listxattr(tarbox._path_ino(tarbox._ctx(NULL, false), p_path, true), NULL) n;
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
BEGIN
    PERFORM tarbox.fs_removexattr(tarbox._path_ino(tarbox._ctx(NULL, true), p_path, true), convert_to(p_name, 'UTF8'));
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
'getxattr(2) by absolute path: the value (bytes) of extended attribute p_name. Errors: ENODATA (TX061), ENOENT (TX002), EOPNOTSUPP (TX095) no user./trusted./security. namespace, EINVAL (TX022) no name after the namespace.';
COMMENT ON FUNCTION tarbox.setxattr(text, text, bytea, int) IS
'setxattr(2) by absolute path: set attribute p_name to p_value (<= 64 KiB); p_flags 1 = XATTR_CREATE, 2 = XATTR_REPLACE. Errors: EEXIST (TX017), ENODATA (TX061), ENOENT (TX002), ERANGE (TX034), E2BIG (TX007), EOPNOTSUPP (TX095), EINVAL (TX022), EROFS (TX030).';
COMMENT ON FUNCTION tarbox.listxattr(text) IS
'listxattr(2) by absolute path: the attribute names, sorted. Errors: ENOENT (TX002).';
COMMENT ON FUNCTION tarbox.removexattr(text, text) IS
'removexattr(2) by absolute path. Errors: ENODATA (TX061), ENOENT (TX002), EOPNOTSUPP (TX095), EINVAL (TX022), EROFS (TX030).';
COMMENT ON FUNCTION tarbox.getxattr(bytea, text) IS 'tarbox.getxattr(text, text) for a path given as bytes (any byte but NUL). Errors: as tarbox.getxattr(text, text).';
COMMENT ON FUNCTION tarbox.setxattr(bytea, text, bytea, int) IS 'tarbox.setxattr(text, text, bytea, int) for a path given as bytes (any byte but NUL). Errors: as tarbox.setxattr(text, text, bytea, int).';
COMMENT ON FUNCTION tarbox.listxattr(bytea) IS 'tarbox.listxattr(text) for a path given as bytes (any byte but NUL). Errors: as tarbox.listxattr(text).';
COMMENT ON FUNCTION tarbox.removexattr(bytea, text) IS 'tarbox.removexattr(text, text) for a path given as bytes (any byte but NUL). Errors: as tarbox.removexattr(text, text).';
