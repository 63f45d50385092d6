-- tarbox._remote_file_check(entry, path, create_new, if_match, if_none_match): the checks of
-- tarbox.remote_write on an existing entry p_e at p_path (bytes), in this order: a directory is
-- EISDIR (TX021), anything but a regular file EINVAL (TX022), p_create_new EEXIST (TX017), the
-- preconditions ESTALE (TX116, tarbox._check_version), a file without any write permission bit
-- EACCES (TX013: the remote API's read-only flag). For the tenant's own files and for what a
-- copy-on-write composition shows alike.
CREATE OR REPLACE FUNCTION tarbox._remote_file_check(p_e tarbox.entry, p_path bytea, p_create_new boolean,
                                                     p_if_match text[], p_if_none_match boolean)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_e.type = 'dir' THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_path)));
    ELSIF p_e.type <> 'file' THEN
        PERFORM tarbox._raise('EINVAL', format('%s is not a regular file', tarbox._name_text(p_path)));
    ELSIF p_create_new THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_path)));
    END IF;
    PERFORM tarbox._check_version(p_e, p_path, p_if_match, p_if_none_match);
    IF (p_e.mode & 146) = 0 THEN
        PERFORM tarbox._raise('EACCES', format('%s is read-only (no write permission bit); chmod it first',
                                               tarbox._name_text(p_path)));
    END IF;
END
$$;
ALTER FUNCTION tarbox._remote_file_check(tarbox.entry, bytea, boolean, text[], boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._remote_file_check(tarbox.entry, bytea, boolean, text[], boolean) FROM PUBLIC;
