CREATE OR REPLACE FUNCTION tarbox.limits()
RETURNS TABLE (name text, value bigint, unit text, meaning text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    VALUES
        ('io_max', tarbox._io_max(), 'bytes',
         'most bytes one call of tarbox.read / fs_read returns (a longer range is a short read) and one call of tarbox.write / append / fs_write takes (EFBIG beyond)'),
        ('file_size_max', 17592186044416, 'bytes', 'largest file size and write end (EFBIG beyond)'),
        ('name_max', 255, 'bytes', 'longest name (ENAMETOOLONG beyond)'),
        ('path_max', 4096, 'bytes', 'longest path (ENAMETOOLONG beyond)'),
        ('symlink_max', 4095, 'bytes', 'longest symbolic link target'),
        ('xattr_name_max', 255, 'bytes', 'longest extended attribute name (ERANGE beyond)'),
        ('xattr_value_max', 65536, 'bytes', 'largest extended attribute value (E2BIG beyond)'),
        ('readdir_max', 10000, 'entries', 'most entries one fs_readdir call returns'),
        ('diff_text_max', 8388608, 'bytes', 'largest file version diff counts lines of and diff_text compares (EFBIG beyond)'),
        ('connections', 32, 'connections', 'concurrent logins of one tenant role (ALTER ROLE ... CONNECTION LIMIT changes it)'),
        ('temp_file_limit', 1073741824, 'bytes', 'temporary files of one tenant login''s session (a superuser-only setting: the tenant cannot raise it)')
$$;
ALTER FUNCTION tarbox.limits() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.limits() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.limits() TO tarbox_tenant, tarbox_admin;
COMMENT ON FUNCTION tarbox.limits() IS
'The per-call and per-tenant limits Tarbox enforces, one row each: name, value, unit, meaning (what happens beyond it). The values are those of this installation. Errors: none.';
