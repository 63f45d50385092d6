-- tarbox._native_norm(path): an absolute path normalised lexically, as native mount matching
-- compares paths: empty and '.' components dropped, '..' removes the component before it (never
-- above '/'), no trailing '/'. Symbolic links are not resolved (the match is on names).
-- Errors: EINVAL (TX022) for a NULL or relative path.
CREATE OR REPLACE FUNCTION tarbox._native_norm(p_path text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_out text[] := '{}';
    v_part text;
BEGIN
    IF p_path IS NULL OR left(p_path, 1) <> '/' THEN
        PERFORM tarbox._raise('EINVAL', format('path %L is not absolute (it must start with /)', p_path));
    END IF;
    FOREACH v_part IN ARRAY string_to_array(p_path, '/') LOOP
        IF v_part = '..' THEN
            v_out := v_out[1 : coalesce(array_length(v_out, 1), 0) - 1];
        ELSIF v_part NOT IN ('', '.') THEN
            v_out := v_out || v_part;
        END IF;
    END LOOP;
    RETURN '/' || array_to_string(v_out, '/');
END
$$;
ALTER FUNCTION tarbox._native_norm(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._native_norm(text) FROM PUBLIC;
