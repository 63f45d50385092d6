-- tarbox._check_name(name): validate one directory-entry name (bytes): EINVAL when empty or
-- containing '/' or NUL, ENAMETOOLONG over 255 bytes (NAME_MAX), never truncated.
CREATE OR REPLACE FUNCTION tarbox._check_name(p_name bytea) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_name IS NULL OR octet_length(p_name) = 0 THEN
        PERFORM tarbox._raise('EINVAL', 'empty file name');
    ELSIF octet_length(p_name) > 255 THEN
        PERFORM tarbox._raise('ENAMETOOLONG',
            format('file name is %s bytes; the limit is 255 (NAME_MAX)', octet_length(p_name)));
    ELSIF position('\x2f'::bytea IN p_name) > 0 THEN
        PERFORM tarbox._raise('EINVAL', 'file name contains ''/''');
    ELSIF position('\x00'::bytea IN p_name) > 0 THEN
        PERFORM tarbox._raise('EINVAL', 'file name contains a NUL byte');
    END IF;
END
$$;
ALTER FUNCTION tarbox._check_name(bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._check_name(bytea) FROM PUBLIC;
