CREATE OR REPLACE FUNCTION tarbox._do_truncate(p_path bytea, p_size bigint)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v_ino bigint := tarbox._path_file(c, p_path, false);
BEGIN
    PERFORM tarbox._lock_inode(c.tenant_id, v_ino);
    PERFORM tarbox._truncate(c, v_ino, p_size);
    IF tarbox._writer_unprivileged(c) THEN
        PERFORM tarbox._kill_suid(c, v_ino);
    END IF;
    PERFORM tarbox._text_rechunk(c, v_ino);
END
$$;
CREATE OR REPLACE FUNCTION tarbox.truncate(p_path text, p_size bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox.truncate(convert_to(p_path, 'UTF8'), p_size);
END
$$;
ALTER FUNCTION tarbox._do_truncate(bytea, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_truncate(bytea, bigint) FROM PUBLIC;
ALTER FUNCTION tarbox.truncate(text, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.truncate(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.truncate(text, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.truncate(text, bigint) IS
'truncate(2) by absolute path: set the file size to p_size bytes (shrink frees blocks, growth reads as zeros). Errors: ENOENT (TX002), EISDIR (TX021), ENOTDIR (TX020), EINVAL (TX022), EFBIG (TX027), EROFS (TX030). In a composition: copy-on-write into the caller''s copy (copied up first, as tarbox.compose_setattr), EROFS (TX030) in a read-only one.';
COMMENT ON FUNCTION tarbox._do_truncate(bytea, bigint) IS
'tarbox.truncate(text, bigint) for a path given as bytes (any byte but NUL). Errors: as tarbox.truncate(text, bigint).';
