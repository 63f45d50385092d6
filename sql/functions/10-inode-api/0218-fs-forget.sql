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
    -- Nearly every forgotten inode is still linked: then there is nothing to do and no lock
    -- to take. (An unlink committing just after this probe leaves an orphan for its own
    -- mount's forget or for purge_orphans.)
    PERFORM 1 FROM tarbox.inode i
     WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647 AND i.nlink = 0;
    IF NOT FOUND THEN
        RETURN false;
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

-- tarbox.fs_forget(inos): FUSE BATCH_FORGET (the kernel drops many inodes at once, e.g. under
-- memory pressure or drop_caches): fs_forget of each inode of the array, with one context and
-- one probe for the whole batch. Returns how many were removed.
CREATE OR REPLACE FUNCTION tarbox.fs_forget(p_inos bigint[])
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    v_ino bigint;
    v_count bigint := 0;
    v_writing boolean := false;
BEGIN
    IF c.layer <> c.head THEN
        RETURN 0;
    END IF;
    -- one index probe per inode number (LATERAL ... LIMIT 1): as i.ino = ANY (p_inos), the
    -- generic plan (no statistics on tenant_id) scanned every live inode of the tenant
    FOR v_ino IN SELECT i.ino FROM (SELECT DISTINCT x FROM unnest(p_inos) x) u
                  CROSS JOIN LATERAL (SELECT i.ino FROM tarbox.inode i
                                       WHERE i.tenant_id = c.tenant_id AND i.ino = u.x
                                         AND i.died = 2147483647 AND i.nlink = 0 LIMIT 1) i
                  ORDER BY i.ino LOOP
        IF NOT v_writing THEN
            c := tarbox._ctx(NULL, true);
            v_writing := true;
        END IF;
        PERFORM tarbox._lock_inode(c.tenant_id, v_ino);
        IF tarbox._purge(c.tenant_id, c.head, v_ino) THEN
            v_count := v_count + 1;
        END IF;
    END LOOP;
    RETURN v_count;
END
$$;
ALTER FUNCTION tarbox.fs_forget(bigint[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_forget(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_forget(bigint[]) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_forget(bigint[]) IS
'FUSE batch forget: tarbox.fs_forget(bigint) of every inode number in p_inos (duplicates and inodes of other tenants or absent are ignored), probing the whole batch in one statement. Returns how many inodes were removed (bigint). Errors: EACCES (TX013) caller is not a tenant.';
