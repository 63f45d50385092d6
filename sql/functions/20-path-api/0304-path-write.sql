CREATE OR REPLACE FUNCTION tarbox._do_write(p_path text, p_data bytea, p_offset bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v_ino bigint := tarbox._path_file(c, p_path, true);
    v_n bigint;
BEGIN
    IF p_offset IS NULL THEN
        PERFORM tarbox._lock_inode(c.tenant_id, v_ino);
        IF tarbox._text_replace(c, v_ino, coalesce(p_data, ''::bytea)) IS NOT NULL THEN
            RETURN octet_length(coalesce(p_data, ''::bytea));
        END IF;
        PERFORM tarbox._truncate(c, v_ino, 0, true);
        RETURN tarbox._write(c, v_ino, 0, coalesce(p_data, ''::bytea), false);
    END IF;
    v_n := tarbox._write(c, v_ino, p_offset, coalesce(p_data, ''::bytea), false);
    PERFORM tarbox._text_rechunk(c, v_ino);
    RETURN v_n;
END
$$;
ALTER FUNCTION tarbox._do_write(text, bytea, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_write(text, bytea, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_write(text, bytea, bigint) IS
'Write a regular file by absolute path, creating it (mode 0644, the tenant''s default owner) if missing. p_offset NULL: the file''s content becomes p_data; otherwise p_data is written at byte p_offset (a gap becomes a hole). Text (UTF-8 without NUL, within the tenant''s text_max_bytes/text_max_lines) is stored as content-defined chunks of whole lines shared with other versions and files: only the chunks that changed are stored. Returns bytes written. Errors: ENOENT (TX002) missing directory, EDQUOT (TX122) quota exceeded, EISDIR (TX021), EINVAL (TX022), ENAMETOOLONG (TX036), EFBIG (TX027), EROFS (TX030).';
