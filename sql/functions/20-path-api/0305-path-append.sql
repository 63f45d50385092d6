CREATE OR REPLACE FUNCTION tarbox._do_append(p_path text, p_data bytea)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v_ino bigint := tarbox._path_file(c, p_path, true);
BEGIN
    PERFORM tarbox._write(c, v_ino, 0, coalesce(p_data, ''::bytea), true);
    PERFORM tarbox._text_rechunk(c, v_ino);
    RETURN (tarbox._inode_at(c.tenant_id, v_ino, c.head)).size;
END
$$;
ALTER FUNCTION tarbox._do_append(text, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_append(text, bytea) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_append(text, bytea) IS
'Append bytes to the file at an absolute path (created if missing), atomically against other appenders (O_APPEND). Returns the new size in bytes. Errors: as tarbox.write.';
