CREATE OR REPLACE FUNCTION tarbox._do_fs_write(p_ino bigint, p_offset bigint, p_data bytea, p_append boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN tarbox._write(tarbox._ctx(NULL, true), p_ino, p_offset, p_data, coalesce(p_append, false));
END
$$;
ALTER FUNCTION tarbox._do_fs_write(bigint, bigint, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_write(bigint, bigint, bytea, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_write(bigint, bigint, bytea, boolean) IS
'FUSE write / pwrite(2): write p_data into regular file p_ino at byte p_offset, or at the end of file when p_append (O_APPEND, atomic against other appenders). Rewrites only the 64 KiB blocks touched; writing past the end leaves a hole. Returns the number of bytes written. Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022), EFBIG (TX027) past 16 TiB, EROFS (TX030).';
