CREATE OR REPLACE FUNCTION tarbox.compose_read(p_compose int, p_ino bigint, p_offset bigint, p_length int)
RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f record := tarbox._compose_file(p_compose, p_ino);  -- where its data is (0869)
BEGIN
    IF p_offset IS NULL OR p_offset < 0 OR p_length IS NULL OR p_length < 0 THEN
        PERFORM tarbox._raise('EINVAL', 'offset and length must be non-negative');
    END IF;
    RETURN tarbox._read((f.c).tenant_id, (f.c).layer, f.v, p_offset, least(p_length, tarbox._io_max()));
END
$$;
ALTER FUNCTION tarbox.compose_read(int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_read(int, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_read(int, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_read(int, bigint, bigint, int) IS
'FUSE read in composition p_compose: up to p_length bytes (at most tarbox.limits() io_max) of regular file p_ino from byte offset p_offset; shorter at end of file. Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022) not a regular file or a negative offset/length, EACCES (TX013).';
