CREATE OR REPLACE FUNCTION tarbox.fs_statfs()
RETURNS TABLE (bsize int, frsize int, blocks bigint, bfree bigint, bavail bigint,
               files bigint, ffree bigint, favail bigint, namemax int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    v_used bigint;
    v_files bigint;
    v_capacity bigint := 1099511627776;  -- 1 TiB reported until quotas set a limit
    v_inodes bigint := 1000000000;
BEGIN
    -- Counted over the tenant's own live inodes only: a table-wide statistic would tell a
    -- tenant how much the others store.
    SELECT coalesce(sum(i.size), 0), count(*) INTO v_used, v_files
      FROM tarbox.inode i WHERE i.tenant_id = c.tenant_id AND i.died = 2147483647;
    bsize := 65536;
    frsize := 4096;
    -- Until quotas exist nothing is full: the nominal free space stays 1 TiB whatever the
    -- tenant holds (sizes are logical, so one sparse file of 1 TiB made df report the disk
    -- as full and tools that check free space refuse to write).
    blocks := (v_capacity + coalesce(v_used, 0) + 4095) / 4096;
    bfree := v_capacity / 4096;
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
'FUSE statfs / statvfs(3): block size 65536 (fragment 4096), capacity and free space in fragments, inode totals, NAME_MAX 255. Until quotas exist the free space is a nominal 1 TiB (the capacity is what the tenant holds, by logical file sizes, plus that) and 10^9 inodes. Errors: EACCES (TX013) caller is not a tenant.';
