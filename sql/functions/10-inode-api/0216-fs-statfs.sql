CREATE OR REPLACE FUNCTION tarbox.fs_statfs()
RETURNS TABLE (bsize int, frsize int, blocks bigint, bfree bigint, bavail bigint,
               files bigint, ffree bigint, favail bigint, namemax int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    u record;
    v_quota bigint;
    v_inodes bigint;
BEGIN
    -- The tenant's own usage counters and quotas only: a table-wide statistic would tell a
    -- tenant how much the others store.
    u := tarbox._usage_of(c.tenant_id);
    SELECT t.quota_bytes, coalesce(t.quota_inodes, 1000000000)
      INTO v_quota, v_inodes FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id;
    bsize := 65536;
    frsize := 4096;
    IF v_quota IS NOT NULL THEN
        blocks := v_quota / 4096;
        bfree := greatest(v_quota - coalesce(u.bytes, 0), 0) / 4096;
    ELSE
        -- Without a quota nothing is full: a nominal 1 TiB stays free whatever the tenant
        -- stores (used = stored bytes, so a sparse file of any logical size costs its data).
        blocks := (1099511627776 + coalesce(u.bytes, 0) + 4095) / 4096;
        bfree := 1099511627776 / 4096;
    END IF;
    bavail := bfree;
    files := v_inodes;
    ffree := greatest(v_inodes - coalesce(u.inodes, 0), 0);
    favail := ffree;
    namemax := 255;
    RETURN NEXT;
END
$$;
ALTER FUNCTION tarbox.fs_statfs() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_statfs() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_statfs() TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_statfs() IS
'FUSE statfs / statvfs(3): block size 65536 (fragment 4096), capacity and free space in fragments, inode totals, NAME_MAX 255. With a byte quota the size is the quota and the used space the tenant''s stored content (tarbox.usage used_bytes: blocks and chunks after deduplication, every layer); without one the free space is a nominal 1 TiB whatever is stored (the size is that plus what is stored), so nothing is ever full. The inode total is the inode quota (else 10^9), the used inodes the live inodes. Errors: EACCES (TX013) caller is not a tenant.';
