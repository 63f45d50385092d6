CREATE OR REPLACE FUNCTION tarbox.fs_statfs()
RETURNS TABLE (bsize int, frsize int, blocks bigint, bfree bigint, bavail bigint,
               files bigint, ffree bigint, favail bigint, namemax int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    u record;
    v_used bigint;
    v_files bigint;
    v_capacity bigint;
    v_inodes bigint;
BEGIN
    -- The tenant's own usage counters and quotas only: a table-wide statistic would tell a
    -- tenant how much the others store. Without a quota: a nominal 1 TiB and 10^9 inodes.
    u := tarbox._usage_of(c.tenant_id);
    SELECT coalesce(t.quota_bytes, 1099511627776), coalesce(t.quota_inodes, 1000000000)
      INTO v_capacity, v_inodes FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id;
    v_used := u.bytes;
    v_files := u.inodes;
    bsize := 65536;
    frsize := 4096;
    blocks := v_capacity / 4096;
    bfree := greatest(v_capacity - coalesce(v_used, 0), 0) / 4096;
    bavail := bfree;
    files := v_inodes;
    ffree := greatest(v_inodes - coalesce(v_files, 0), 0);
    favail := ffree;
    namemax := 255;
    RETURN NEXT;
END
$$;
ALTER FUNCTION tarbox.fs_statfs() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_statfs() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_statfs() TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_statfs() IS
'FUSE statfs / statvfs(3): block size 65536 (fragment 4096), capacity and free space in fragments, inode totals, NAME_MAX 255. The size is the tenant''s byte quota (else a nominal 1 TiB) and the used space its stored content (tarbox.usage used_bytes: blocks after deduplication, every layer); the inode total is its inode quota (else 10^9) and the used inodes its live inodes. Errors: EACCES (TX013) caller is not a tenant.';
