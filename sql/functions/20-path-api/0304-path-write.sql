CREATE OR REPLACE FUNCTION tarbox._do_write(p_path text, p_data bytea, p_offset bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v_ino bigint := tarbox._path_file(c, p_path, true);
BEGIN
    IF p_offset IS NULL THEN
        PERFORM tarbox._lock_inode(c.tenant_id, v_ino);
        PERFORM tarbox._truncate(c, v_ino, 0, true);
    END IF;
    RETURN tarbox._write(c, v_ino, coalesce(p_offset, 0), coalesce(p_data, ''::bytea), false);
END
$$;
ALTER FUNCTION tarbox._do_write(text, bytea, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_write(text, bytea, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_write(text, bytea, bigint) IS
'Write a regular file by absolute path, creating it (mode 0644, the tenant''s default owner) if missing. p_offset NULL: the file''s content becomes p_data; otherwise p_data is written at byte p_offset (a gap becomes a hole). Returns bytes written. Errors: ENOENT (TX002) missing directory, EISDIR (TX021), EINVAL (TX022), ENAMETOOLONG (TX036), EFBIG (TX027), EROFS (TX030).';
