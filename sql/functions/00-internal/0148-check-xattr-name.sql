-- tarbox._check_xattr_name(name): an extended attribute name as Linux (ext4) takes it: a
-- namespace prefix user., trusted. or security. followed by at least one byte, 255 bytes at
-- most. Errors: EINVAL (empty, NUL, nothing after the prefix: "user." alone), ERANGE (over 255
-- bytes, XATTR_NAME_MAX), EOPNOTSUPP (system.*: POSIX ACLs are not supported, so that cp -a
-- and tar fall back to chmod; and any name in no namespace, "foo.a" or "nodot").
CREATE OR REPLACE FUNCTION tarbox._check_xattr_name(p_name bytea) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_prefix int;
BEGIN
    IF p_name IS NULL OR octet_length(p_name) = 0 OR position('\x00'::bytea IN p_name) > 0 THEN
        PERFORM tarbox._raise('EINVAL', 'invalid attribute name');
    ELSIF octet_length(p_name) > 255 THEN
        PERFORM tarbox._raise('ERANGE', 'attribute name longer than 255 bytes (XATTR_NAME_MAX)');
    ELSIF substring(p_name FROM 1 FOR 7) = '\x73797374656d2e'::bytea THEN
        PERFORM tarbox._raise('EOPNOTSUPP', format('%s: system.* attributes (POSIX ACLs) are not supported',
                                                   tarbox._name_text(p_name)));
    END IF;
    v_prefix := CASE WHEN substring(p_name FROM 1 FOR 5) = '\x757365722e'::bytea THEN 5             -- user.
                     WHEN substring(p_name FROM 1 FOR 8) = '\x747275737465642e'::bytea THEN 8   -- trusted.
                     WHEN substring(p_name FROM 1 FOR 9) = '\x73656375726974792e'::bytea THEN 9 -- security.
                END;
    IF v_prefix IS NULL THEN
        PERFORM tarbox._raise('EOPNOTSUPP', format('%s: not in a namespace this file system supports (user., trusted., security.)',
                                                   tarbox._name_text(p_name)));
    ELSIF octet_length(p_name) = v_prefix THEN
        PERFORM tarbox._raise('EINVAL', format('%s: an attribute name needs something after its namespace',
                                               tarbox._name_text(p_name)));
    END IF;
END
$$;
ALTER FUNCTION tarbox._check_xattr_name(bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._check_xattr_name(bytea) FROM PUBLIC;
