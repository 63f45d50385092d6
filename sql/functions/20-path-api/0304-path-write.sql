CREATE OR REPLACE FUNCTION tarbox.write(p_path text, p_data bytea, p_offset bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context;
    v_ino bigint;
BEGIN
    PERFORM tarbox._check_write(p_path, coalesce(p_offset, 0), p_data);
    c := tarbox._ctx(NULL, true);
    v_ino := tarbox._path_file(c, p_path, true);
    IF p_offset IS NULL THEN
        PERFORM tarbox._lock_inode(c.tenant_id, v_ino);
        PERFORM tarbox._truncate(c, v_ino, 0, true);
    END IF;
    RETURN tarbox._write(c, v_ino, coalesce(p_offset, 0), coalesce(p_data, ''::bytea), false);
END
$$;
CREATE OR REPLACE FUNCTION tarbox.write(p_path text, p_text text)
RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT tarbox.write(p_path, convert_to(p_text, 'UTF8'), NULL::bigint) $$;
ALTER FUNCTION tarbox.write(text, bytea, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.write(text, bytea, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.write(text, bytea, bigint) TO tarbox_tenant;
ALTER FUNCTION tarbox.write(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.write(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.write(text, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.write(text, bytea, bigint) IS
'Write a regular file by absolute path, creating it (mode 0644, the tenant''s default owner) if missing. p_offset NULL: the file''s content becomes p_data; otherwise p_data is written at byte p_offset (a gap becomes a hole). At most 16 MiB per call (tarbox.limits() io_max): write larger content in pieces at offsets. Returns bytes written. Errors: ENOENT (TX002) missing directory, EISDIR (TX021), EINVAL (TX022), ENAMETOOLONG (TX036), EFBIG (TX027) past 16 TiB or over 16 MiB, EROFS (TX030).';
COMMENT ON FUNCTION tarbox.write(text, text) IS
'Replace the content of the file at an absolute path with UTF-8 text (created if missing). Returns bytes written. Errors: as tarbox.write(text, bytea, bigint).';
