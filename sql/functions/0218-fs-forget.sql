CREATE OR REPLACE FUNCTION tarbox.fs_forget(p_ino bigint)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
BEGIN
    IF c.layer <> c.head THEN
        RETURN false;  -- nothing is ever purged from a historical layer
    END IF;
    c := tarbox._ctx(NULL, true);
    PERFORM tarbox._lock_inode(c.tenant_id, p_ino);
    RETURN tarbox._purge(c.tenant_id, c.head, p_ino);
END
$$;
ALTER FUNCTION tarbox.fs_forget(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_forget(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_forget(bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_forget(bigint) IS
'FUSE forget (last kernel reference and last open handle gone): if inode p_ino has no links left, remove it with its data and xattrs from the newest layer (earlier layers keep their versions). Returns true when it was removed, false when it is still linked or absent, or when another mount of the tenant is running (it may hold the inode open; tarbox.purge_orphans removes it once no other mount runs). Errors: EACCES (TX013) caller is not a tenant.';
