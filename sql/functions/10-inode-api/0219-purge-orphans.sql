CREATE OR REPLACE FUNCTION tarbox._do_purge_orphans()
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
BEGIN
    IF c.layer <> c.head THEN
        RETURN 0;
    END IF;
    IF tarbox._other_mounts_live(c.tenant_id) THEN
        RETURN 0;  -- one of them may hold an orphan open; the last mount to leave purges
    END IF;
    RETURN tarbox.fs_forget(ARRAY(SELECT i.ino FROM tarbox.inode i
                                   WHERE i.tenant_id = c.tenant_id AND i.died = 2147483647
                                     AND i.nlink = 0
                                     -- the staging inodes of an open upload session (its file and
                                     -- its chunks', migration 0150) are no orphans
                                     AND NOT EXISTS (SELECT 1 FROM tarbox.upload_session s
                                                      WHERE s.tenant_id = c.tenant_id AND s.ino = i.ino)
                                     AND NOT EXISTS (SELECT 1 FROM tarbox.upload_chunk u
                                                      WHERE u.tenant_id = c.tenant_id AND u.ino = i.ino)));
END
$$;
ALTER FUNCTION tarbox._do_purge_orphans() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_purge_orphans() FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_purge_orphans() IS
'Remove every inode of the calling tenant that has no links left (files unlinked while open, kept while a mount might hold them), but the staging inodes of open upload sessions (the file of tarbox.remote_upload_start and each chunk''s, tarbox.remote_upload_write); a mount runs it when it starts and when it ends. Removes nothing while a mount of the tenant other than the caller''s own (setting tarbox.mount_session) is running, as one may still hold an orphan open. Returns how many were removed. Errors: EACCES (TX013) caller is not a tenant.';
