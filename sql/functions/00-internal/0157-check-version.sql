-- tarbox._check_version(entry, path, if_match, if_none_match): the HTTP preconditions on a file's
-- version, checked inside the transaction that then changes it (callers hold the inode lock,
-- so the version cannot change between the check and the change). p_if_match: the etags the
-- caller accepts (If-Match), '*' = any existing file; NULL = no condition. p_if_none_match:
-- the file must not exist (If-None-Match: *). e is the file's entry (all NULL when missing).
-- Errors: ESTALE (the file changed, exists, or is missing against the condition).
CREATE OR REPLACE FUNCTION tarbox._check_version(e tarbox.entry, p_path bytea, p_if_match text[],
                                                 p_if_none_match boolean)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF p_if_none_match AND e.ino IS NOT NULL THEN
        PERFORM tarbox._raise('ESTALE', format('%s exists (If-None-Match: *), version %s',
                                               tarbox._name_text(p_path), e.etag));
    END IF;
    IF p_if_match IS NULL THEN
        RETURN;
    END IF;
    IF e.ino IS NULL THEN
        PERFORM tarbox._raise('ESTALE', format('%s does not exist (If-Match)', tarbox._name_text(p_path)));
    ELSIF NOT (e.etag = ANY (p_if_match) OR '*' = ANY (p_if_match)) THEN
        PERFORM tarbox._raise('ESTALE', format('%s changed: its version is %s, not %s (If-Match)',
                                               tarbox._name_text(p_path), e.etag,
                                               array_to_string(p_if_match, ', ')));
    END IF;
END
$$;
ALTER FUNCTION tarbox._check_version(tarbox.entry, bytea, text[], boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._check_version(tarbox.entry, bytea, text[], boolean) FROM PUBLIC;
