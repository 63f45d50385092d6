-- tarbox._remote_kind_check(entry, path, kind, if_match): the checks of tarbox.remote_remove on
-- the entry p_e at p_path (bytes): p_kind 'file' refuses a directory (EISDIR, TX021), 'dir'
-- anything else (ENOTDIR, TX020); then p_if_match (ESTALE, TX116, tarbox._check_version).
CREATE OR REPLACE FUNCTION tarbox._remote_kind_check(p_e tarbox.entry, p_path bytea, p_kind text, p_if_match text[])
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_kind = 'file' AND p_e.type = 'dir' THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_path)));
    ELSIF p_kind = 'dir' AND p_e.type <> 'dir' THEN
        PERFORM tarbox._raise('ENOTDIR', format('%s is not a directory', tarbox._name_text(p_path)));
    END IF;
    PERFORM tarbox._check_version(p_e, p_path, p_if_match, false);
END
$$;
ALTER FUNCTION tarbox._remote_kind_check(tarbox.entry, bytea, text, text[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._remote_kind_check(tarbox.entry, bytea, text, text[]) FROM PUBLIC;
