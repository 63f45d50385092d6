CREATE OR REPLACE FUNCTION tarbox.fs_write(p_ino bigint, p_offset bigint, p_data bytea, p_append boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._check_write(format('inode %s', p_ino), CASE WHEN p_append THEN 0 ELSE p_offset END, p_data);
    RETURN tarbox._write(tarbox._ctx(NULL, true), p_ino, p_offset, p_data, coalesce(p_append, false));
END
$$;
ALTER FUNCTION tarbox.fs_write(bigint, bigint, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_write(bigint, bigint, bytea, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_write(bigint, bigint, bytea, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_write(bigint, bigint, bytea, boolean) IS
'FUSE write / pwrite(2): write p_data into regular file p_ino at byte p_offset, or at the end of file when p_append (O_APPEND, atomic against other appenders). Rewrites only the 64 KiB blocks touched; writing past the end leaves a hole. At most 16 MiB per call (tarbox.limits() io_max). Returns the number of bytes written. Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022), EFBIG (TX027) past 16 TiB or over 16 MiB in one call, EROFS (TX030).';
