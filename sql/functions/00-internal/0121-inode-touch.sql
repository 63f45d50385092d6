-- tarbox._inode_touch(tenant, head, ino, nlink_delta, mtime, ctime): adjust the link count and
-- mark mtime and/or ctime as now in the head layer (copy-on-write). Caller holds the lock.
-- "Now" is the transaction's timestamp, so a transaction that touches one inode many times (a
-- directory receiving many entries in one import or one rm -r) changes its row once, not once
-- per entry: every UPDATE of a row adds a version that later lookups of that row in the same
-- transaction have to step over.
CREATE OR REPLACE FUNCTION tarbox._inode_touch(p_tenant bigint, p_head int, p_ino bigint,
                                               p_nlink_delta int, p_mtime boolean, p_ctime boolean)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_now bigint := tarbox._now_ns();
    v tarbox.inode;
BEGIN
    -- Change the live row in place when it was born in the newest layer (the common case);
    -- otherwise copy it on write first, then change the copy.
    FOR v_attempt IN 1..2 LOOP
        UPDATE tarbox.inode i
           SET nlink = i.nlink + p_nlink_delta,
               mtime_ns = CASE WHEN p_mtime THEN v_now ELSE i.mtime_ns END,
               ctime_ns = CASE WHEN p_ctime THEN v_now ELSE i.ctime_ns END
         WHERE i.tenant_id = p_tenant AND i.ino = p_ino AND i.died = 2147483647 AND i.born = p_head
           AND (p_nlink_delta <> 0 OR (p_mtime AND i.mtime_ns <> v_now) OR (p_ctime AND i.ctime_ns <> v_now));
        EXIT WHEN FOUND;
        SELECT * INTO v FROM tarbox.inode i
         WHERE i.tenant_id = p_tenant AND i.ino = p_ino AND i.died = 2147483647;
        IF v.ino IS NOT NULL AND v.born = p_head THEN
            EXIT;  -- nothing to change: already touched in this transaction
        END IF;
        IF v_attempt = 2 OR NOT tarbox._inode_cow(p_tenant, p_head, p_ino) THEN
            PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
        END IF;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._inode_touch(bigint, int, bigint, int, boolean, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._inode_touch(bigint, int, bigint, int, boolean, boolean) FROM PUBLIC;
