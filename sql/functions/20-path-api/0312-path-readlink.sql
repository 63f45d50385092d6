CREATE OR REPLACE FUNCTION tarbox.readlink(p_path bytea, p_layer text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r record := tarbox._walk_core(c, p_path, false);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.compose IS NOT NULL THEN
        RETURN tarbox._name_text(tarbox.compose_readlink(r.compose, r.ino));  -- as the mount reads it
    END IF;
    RETURN tarbox._name_text(tarbox.fs_readlink(r.ino, c.layer));
END
$$;
CREATE OR REPLACE FUNCTION tarbox.readlink(p_path text, p_layer text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.readlink(convert_to(p_path, 'UTF8'), p_layer);
END
$$;
ALTER FUNCTION tarbox.readlink(bytea, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.readlink(bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.readlink(bytea, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.readlink(bytea, text) IS
'tarbox.readlink(text, text) for a path given as bytes (any byte but NUL). Errors: as tarbox.readlink(text, text).';
ALTER FUNCTION tarbox.readlink(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.readlink(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.readlink(text, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.readlink(text, text) IS
'As of layer p_layer (name, tag, id, ''head''; NULL = the current layer). readlink(2) by absolute path: the target of the symbolic link as text (bytes that are not UTF-8 shown as \xNN); in a composition as through the mount (tarbox.compose_readlink). Errors: ENOENT (TX002), EINVAL (TX022) not a symbolic link.';
