CREATE OR REPLACE FUNCTION tarbox._do_truncate(p_path text, p_size bigint)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v_ino bigint := tarbox._path_file(c, p_path, false);
BEGIN
    PERFORM tarbox._lock_inode(c.tenant_id, v_ino);
    PERFORM tarbox._truncate(c, v_ino, p_size);
    PERFORM tarbox._text_rechunk(c, v_ino);
END
$$;
ALTER FUNCTION tarbox._do_truncate(text, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_truncate(text, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_truncate(text, bigint) IS
'truncate(2) by absolute path: set the file size to p_size bytes (shrink frees blocks, growth reads as zeros). Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022), EFBIG (TX027), EROFS (TX030).';
