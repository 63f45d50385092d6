-- tarbox._io_max(): the most bytes one call reads or writes (16 MiB): tarbox.read and
-- fs_read return at most that much (a longer range is a short read; the rest is read through
-- offsets), and fs_write, tarbox.write and tarbox.append take at most that much. It bounds
-- the memory and temporary space one call can make a backend use whatever the file's size: a
-- read of a 1 TiB sparse file used to spill its whole logical size to temporary files. See
-- tarbox.limits().
CREATE OR REPLACE FUNCTION tarbox._io_max() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 16777216::bigint $$;
ALTER FUNCTION tarbox._io_max() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._io_max() FROM PUBLIC;

-- tarbox._check_write(path or inode text, offset, data): EFBIG when a write of p_data at
-- p_offset would pass the 16 TiB file size limit (checked before any arithmetic that could
-- overflow: an offset of 2^63-1 used to raise 22003), or when p_data is over tarbox._io_max().
CREATE OR REPLACE FUNCTION tarbox._check_write(p_what text, p_offset bigint, p_data bytea)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_n bigint := coalesce(octet_length(p_data), 0);
BEGIN
    IF v_n > tarbox._io_max() THEN
        PERFORM tarbox._raise('EFBIG', format(
            '%s: a write of %s bytes; one call writes at most %s bytes (16 MiB): write in pieces at offsets',
            p_what, v_n, tarbox._io_max()));
    ELSIF p_offset IS NOT NULL AND p_offset > 17592186044416 - v_n THEN
        PERFORM tarbox._raise('EFBIG', format('%s: a write at offset %s passes the 16 TiB file size limit',
                                              p_what, p_offset));
    END IF;
END
$$;
ALTER FUNCTION tarbox._check_write(text, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._check_write(text, bigint, bytea) FROM PUBLIC;
