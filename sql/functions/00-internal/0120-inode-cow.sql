-- tarbox._inode_cow(tenant, head, ino): make sure the live version of an inode was born in the
-- head layer, copying it there (copy-on-write) if it was born in an older one, so the caller
-- can UPDATE the live row in place. Caller holds the inode lock. Returns false when the inode
-- has no live version.
-- The live row itself moves to the head layer (born = head) and a copy of it, closed at head,
-- keeps the older version for the layers before: the live row stays the same row (one update
-- chain), so a session waiting for its row lock (tarbox._lock_inode) wakes up on the live
-- version instead of finding the closed one.
CREATE OR REPLACE FUNCTION tarbox._inode_cow(p_tenant bigint, p_head int, p_ino bigint)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    v_born int;
BEGIN
    SELECT i.born INTO v_born FROM tarbox.inode i
     WHERE i.tenant_id = p_tenant AND i.ino = p_ino AND i.died = 2147483647;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF v_born <> p_head THEN
        WITH live AS (
            UPDATE tarbox.inode i SET born = p_head
             WHERE i.tenant_id = p_tenant AND i.ino = p_ino AND i.died = 2147483647
            RETURNING i.*)
        INSERT INTO tarbox.inode (tenant_id, ino, born, died, mode, nlink, uid, gid, rdev, size,
                                  atime_ns, mtime_ns, ctime_ns, btime_ns, target, stored,
                                  text_bytes, text_lines)
        SELECT tenant_id, ino, v_born, p_head, mode, nlink, uid, gid, rdev, size,
               atime_ns, mtime_ns, ctime_ns, btime_ns, target, stored, text_bytes, text_lines
          FROM live;
    END IF;
    RETURN true;
END
$$;
ALTER FUNCTION tarbox._inode_cow(bigint, int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._inode_cow(bigint, int, bigint) FROM PUBLIC;
