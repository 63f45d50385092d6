CREATE OR REPLACE FUNCTION tarbox._do_write(p_path bytea, p_data bytea, p_offset bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context;
    v_ino bigint;
    v_n bigint;
BEGIN
    PERFORM tarbox._check_write(tarbox._name_text(p_path), coalesce(p_offset, 0), p_data);
    c := tarbox._ctx(NULL, true);
    v_ino := tarbox._path_file(c, p_path, true);
    IF p_offset IS NULL THEN
        PERFORM tarbox._lock_inode(c.tenant_id, v_ino);
        v_n := octet_length(coalesce(p_data, ''::bytea));
        IF tarbox._text_replace(c, v_ino, coalesce(p_data, ''::bytea)) IS NULL THEN  -- not text
            PERFORM tarbox._truncate(c, v_ino, 0, true);
            v_n := tarbox._write(c, v_ino, 0, coalesce(p_data, ''::bytea), false);
        END IF;
    ELSE
        v_n := tarbox._write(c, v_ino, p_offset, coalesce(p_data, ''::bytea), false);
        PERFORM tarbox._text_rechunk(c, v_ino);
    END IF;
    IF (v_n > 0 OR p_offset IS NULL) AND tarbox._writer_unprivileged(c) THEN
        PERFORM tarbox._kill_suid(c, v_ino);
    END IF;
    RETURN v_n;
END
$$;
CREATE OR REPLACE FUNCTION tarbox.write(p_path text, p_data bytea, p_offset bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.write(convert_to(p_path, 'UTF8'), p_data, p_offset);
END
$$;
CREATE OR REPLACE FUNCTION tarbox.write(p_path text, p_text text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.write(convert_to(p_path, 'UTF8'), convert_to(p_text, 'UTF8'), NULL::bigint);
END
$$;
ALTER FUNCTION tarbox._do_write(bytea, bytea, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_write(bytea, bytea, bigint) FROM PUBLIC;
ALTER FUNCTION tarbox.write(text, bytea, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.write(text, bytea, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.write(text, bytea, bigint) TO tarbox_tenant;
ALTER FUNCTION tarbox.write(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.write(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.write(text, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.write(text, bytea, bigint) IS
'Write a regular file by absolute path, creating it (mode 0644, the tenant''s default owner) if missing. p_offset NULL: the file''s content becomes p_data; otherwise p_data is written at byte p_offset (a gap becomes a hole). Text (UTF-8 without NUL, within the tenant''s text_max_bytes/text_max_lines) is stored as content-defined chunks of whole lines shared with other versions and files: only the chunks that changed are stored. At most 16 MiB per call (tarbox.limits() io_max): write larger content in pieces at offsets. A path ending in / names a directory (EISDIR when missing, ENOTDIR over a file), as open(2) with O_CREAT. The writer is the tenant''s default owner: unless that is root, a change of data clears the set-user-ID/set-group-ID bits, as Linux does. Returns bytes written. Errors: ENOENT (TX002) missing directory, EDQUOT (TX122) quota exceeded, EISDIR (TX021), ENOTDIR (TX020), EINVAL (TX022), ENAMETOOLONG (TX036), EFBIG (TX027) past 16 TiB or over 16 MiB, EROFS (TX030). In a composition, as the mount writes: copy-on-write into the caller''s copy (the file copied up first, or made in the copied-up directory, as tarbox.compose_write and compose_create), EROFS (TX030) in a read-only one.';
COMMENT ON FUNCTION tarbox._do_write(bytea, bytea, bigint) IS
'tarbox.write(text, bytea, bigint) for a path given as bytes (any byte but NUL). Errors: as tarbox.write(text, bytea, bigint).';
COMMENT ON FUNCTION tarbox.write(text, text) IS
'Replace the content of the file at an absolute path with UTF-8 text (created if missing). Returns bytes written. Errors: as tarbox.write(text, bytea, bigint). In a composition as tarbox.write(text, bytea, bigint) (copy-on-write copy-up; EROFS (TX030) read-only).';
