CREATE OR REPLACE FUNCTION tarbox.read_text(p_path bytea, p_layer text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN convert_from(tarbox.read(p_path, 0, NULL, p_layer), 'UTF8');
EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
    PERFORM tarbox._raise('EILSEQ', format('%s is not valid UTF-8 text; use tarbox.read() for its bytes',
                                           tarbox._name_text(p_path)));
END
$$;
CREATE OR REPLACE FUNCTION tarbox.read_text(p_path text, p_layer text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.read_text(convert_to(p_path, 'UTF8'), p_layer);
END
$$;
ALTER FUNCTION tarbox.read_text(bytea, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.read_text(bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.read_text(bytea, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.read_text(bytea, text) IS
'tarbox.read_text(text, text) for a path given as bytes (any byte but NUL). Errors: as tarbox.read_text(text, text).';
ALTER FUNCTION tarbox.read_text(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.read_text(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.read_text(text, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.read_text(text, text) IS
'As of layer p_layer (name, tag, id, ''head''; NULL = the current layer). Read a whole regular file by absolute path as UTF-8 text (at most 16 MiB: EFBIG for a larger file); in a composition as through the mount (tarbox.read). Errors: EFBIG (TX027) over 16 MiB, EILSEQ (TX084) content is not valid UTF-8 (or holds NUL), plus those of tarbox.read.';
