CREATE OR REPLACE FUNCTION tarbox.diff_text(p_path text, p_from text, p_to text DEFAULT 'current')
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    v_old bytea;
    v_new bytea;
    v_diff text;
BEGIN
    IF p_path IS NULL OR left(p_path, 1) <> '/' THEN
        PERFORM tarbox._raise('EINVAL', format('path %L is not absolute (it must start with /)', p_path));
    END IF;
    v_old := tarbox._file_at(c.tenant_id, tarbox._layer_ref(c.tenant_id, p_from), p_path);
    v_new := tarbox._file_at(c.tenant_id, tarbox._layer_ref(c.tenant_id, p_to), p_path);
    IF v_old IS NULL AND v_new IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s is a file in neither layer', p_path));
    END IF;
    v_diff := tarbox._unified_diff(v_old, v_new,
                                   CASE WHEN v_old IS NULL THEN '/dev/null' ELSE 'a' || p_path END,
                                   CASE WHEN v_new IS NULL THEN '/dev/null' ELSE 'b' || p_path END);
    IF v_diff IS NULL THEN
        PERFORM tarbox._raise('EINVAL', format('%s is not a text file (UTF-8 without NUL) in both layers', p_path));
    END IF;
    RETURN v_diff;
END
$$;
ALTER FUNCTION tarbox.diff_text(text, text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.diff_text(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.diff_text(text, text, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.diff_text(text, text, text) IS
'Unified diff (diff -u, 3 lines of context) of the regular file at absolute path p_path between layers p_from and p_to (name, tag, id, ''current'', ''head''); a side where the file does not exist is /dev/null. Empty text when equal. Bounded: files of at most 8 MiB; a shortest diff when it is found within a fixed amount of work (about a second), else the changed region is shown replaced whole (correct, not minimal); cancellable (statement_timeout). Errors: ENOENT (TX002) no such layer or no such file in either, EINVAL (TX022) not text or a relative path, EFBIG (TX027) a version over 8 MiB. A NULL layer is the current one, as everywhere.';
