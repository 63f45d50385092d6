-- tarbox._file_type(mode): the file type of st_mode as a word: file, dir, symlink, fifo, socket,
-- chardev, blockdev.
CREATE OR REPLACE FUNCTION tarbox._file_type(p_mode int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE p_mode & 61440
        WHEN 32768 THEN 'file' WHEN 16384 THEN 'dir' WHEN 40960 THEN 'symlink'
        WHEN 4096 THEN 'fifo' WHEN 49152 THEN 'socket' WHEN 8192 THEN 'chardev'
        WHEN 24576 THEN 'blockdev' END
$$;
ALTER FUNCTION tarbox._file_type(int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._file_type(int) FROM PUBLIC;
