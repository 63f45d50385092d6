-- tarbox._upload_staging_new(ctx): a new staging inode of the large-file upload protocol in the
-- head layer, and its number: a regular file (0644, the tenant's default owner) with no entry
-- and no link, so lookup and readdir never see it; it counts as one of the tenant's inodes
-- (usage and inode quota) and its blocks towards usage and the byte quota like any file's.
-- tarbox.remote_upload_start makes one per session (the file complete links at the path),
-- tarbox.remote_upload_write one per chunk, at the chunk's first PUT (migration 0150).
-- Errors: EDQUOT (TX122) inode quota reached.
CREATE OR REPLACE FUNCTION tarbox._upload_staging_new(c tarbox._context) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    t tarbox.tenant;
    v tarbox.inode;
    v_now bigint := tarbox._now_ns();
BEGIN
    SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
    v.tenant_id := c.tenant_id;
    v.ino := nextval(format('tarbox.ino_seq_%s', c.tenant_id)::regclass);
    v.born := c.head;
    v.died := 2147483647;
    v.mode := 32768 | 420;
    v.nlink := 0;
    v.uid := t.default_uid;
    v.gid := t.default_gid;
    v.rdev := 0;
    v.size := 0;
    v.atime_ns := v_now;
    v.mtime_ns := v_now;
    v.ctime_ns := v_now;
    v.btime_ns := v_now;
    v.stored := 0;
    v.text_bytes := 0;
    v.text_lines := 0;
    PERFORM tarbox._quota_inodes(c.tenant_id);
    INSERT INTO tarbox.inode VALUES (v.*);
    PERFORM tarbox._usage_add(c.tenant_id, 0, 1);
    RETURN v.ino;
END
$$;
ALTER FUNCTION tarbox._upload_staging_new(tarbox._context) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._upload_staging_new(tarbox._context) FROM PUBLIC;
