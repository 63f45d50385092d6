-- Extended attributes by absolute path (symbolic links followed); names are text (UTF-8).
CREATE OR REPLACE FUNCTION tarbox.getxattr(p_path text, p_name text)
RETURNS bytea
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT tarbox.fs_getxattr(tarbox._path_ino(tarbox._ctx(NULL, false), p_path, true), convert_to(p_name, 'UTF8'), NULL) $$;

CREATE OR REPLACE FUNCTION tarbox.setxattr(p_path text, p_name text, p_value bytea, p_flags int DEFAULT 0)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT tarbox.fs_setxattr(tarbox._path_ino(tarbox._ctx(NULL, true), p_path, true), convert_to(p_name, 'UTF8'), p_value, p_flags) $$;

CREATE OR REPLACE FUNCTION tarbox.listxattr(p_path text)
RETURNS SETOF text
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT tarbox._name_text(n) FROM tarbox.fs_listxattr(tarbox._path_ino(tarbox._ctx(NULL, false), p_path, true), NULL) n $$;

CREATE OR REPLACE FUNCTION tarbox.removexattr(p_path text, p_name text)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT tarbox.fs_removexattr(tarbox._path_ino(tarbox._ctx(NULL, true), p_path, true), convert_to(p_name, 'UTF8')) $$;
ALTER FUNCTION tarbox.getxattr(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.getxattr(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.getxattr(text, text) TO tarbox_tenant;
ALTER FUNCTION tarbox.setxattr(text, text, bytea, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.setxattr(text, text, bytea, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.setxattr(text, text, bytea, int) TO tarbox_tenant;
ALTER FUNCTION tarbox.listxattr(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.listxattr(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.listxattr(text) TO tarbox_tenant;
ALTER FUNCTION tarbox.removexattr(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.removexattr(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.removexattr(text, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.getxattr(text, text) IS
'getxattr(2) by absolute path: the value (bytes) of extended attribute p_name. Errors: ENODATA (TX061), ENOENT (TX002).';
COMMENT ON FUNCTION tarbox.setxattr(text, text, bytea, int) IS
'setxattr(2) by absolute path: set attribute p_name to p_value (<= 64 KiB); p_flags 1 = XATTR_CREATE, 2 = XATTR_REPLACE. Errors: EEXIST (TX017), ENODATA (TX061), ENOENT (TX002), ERANGE (TX034), E2BIG (TX007), EROFS (TX030).';
COMMENT ON FUNCTION tarbox.listxattr(text) IS
'listxattr(2) by absolute path: the attribute names, sorted. Errors: ENOENT (TX002).';
COMMENT ON FUNCTION tarbox.removexattr(text, text) IS
'removexattr(2) by absolute path. Errors: ENODATA (TX061), ENOENT (TX002), EROFS (TX030).';
