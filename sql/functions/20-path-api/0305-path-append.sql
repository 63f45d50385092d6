CREATE OR REPLACE FUNCTION tarbox._do_append(p_path bytea, p_data bytea)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context;
    v_ino bigint;
BEGIN
    PERFORM tarbox._check_write(tarbox._name_text(p_path), 0, p_data);
    c := tarbox._ctx(NULL, true);
    v_ino := tarbox._path_file(c, p_path, true);
    IF tarbox._write(c, v_ino, 0, coalesce(p_data, ''::bytea), true) > 0 AND tarbox._writer_unprivileged(c) THEN
        PERFORM tarbox._kill_suid(c, v_ino);
    END IF;
    PERFORM tarbox._text_rechunk(c, v_ino);
    RETURN (tarbox._inode_at(c.tenant_id, v_ino, c.head)).size;
END
$$;
CREATE OR REPLACE FUNCTION tarbox.append(p_path text, p_data bytea)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.append(convert_to(p_path, 'UTF8'), p_data);
END
$$;
CREATE OR REPLACE FUNCTION tarbox.append(p_path text, p_text text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.append(convert_to(p_path, 'UTF8'), convert_to(p_text, 'UTF8'));
END
$$;
ALTER FUNCTION tarbox._do_append(bytea, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_append(bytea, bytea) FROM PUBLIC;
ALTER FUNCTION tarbox.append(text, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.append(text, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.append(text, bytea) TO tarbox_tenant;
ALTER FUNCTION tarbox.append(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.append(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.append(text, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.append(text, bytea) IS
'Append bytes to the file at an absolute path (created if missing), atomically against other appenders (O_APPEND), at most 16 MiB per call. Returns the new size in bytes. Errors: EFBIG (TX027) past 16 TiB or over 16 MiB, as tarbox.write. In a composition, as the mount appends: copy-on-write into the caller''s copy (copied up first, as tarbox.compose_write), EROFS (TX030) in a read-only one.';
COMMENT ON FUNCTION tarbox._do_append(bytea, bytea) IS
'tarbox.append(text, bytea) for a path given as bytes (any byte but NUL). Errors: as tarbox.append(text, bytea).';
COMMENT ON FUNCTION tarbox.append(text, text) IS
'Append UTF-8 text to the file at an absolute path (created if missing). Returns the new size in bytes. Errors: as tarbox.write. In a composition as tarbox.append(text, bytea) (copy-on-write copy-up; EROFS (TX030) read-only).';
