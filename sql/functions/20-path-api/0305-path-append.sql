CREATE OR REPLACE FUNCTION tarbox.append(p_path text, p_data bytea)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
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
CREATE OR REPLACE FUNCTION tarbox.append(p_path text, p_text text)
RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT tarbox.append(p_path, convert_to(p_text, 'UTF8')) $$;
ALTER FUNCTION tarbox.append(text, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.append(text, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.append(text, bytea) TO tarbox_tenant;
ALTER FUNCTION tarbox.append(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.append(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.append(text, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.append(text, bytea) IS
'Append bytes to the file at an absolute path (created if missing), atomically against other appenders (O_APPEND). Returns the new size in bytes. Errors: as tarbox.write.';
COMMENT ON FUNCTION tarbox.append(text, text) IS
'Append UTF-8 text to the file at an absolute path (created if missing). Returns the new size in bytes. Errors: as tarbox.write.';
