-- tarbox._purge(tenant, head, ino): remove an inode whose link count is 0 from the head layer,
-- with its block map and xattrs (rows born in the head layer are deleted, older ones die at
-- head, so earlier layers keep them; blocks no longer referenced are deleted). Returns false when the inode is still linked or absent,
-- and also, leaving the orphan for later, while another mount of the tenant is running (it may
-- hold the inode open: POSIX keeps an unlinked file alive while it is open anywhere); the last
-- mount to leave, or the next one to start alone, purges it (tarbox.purge_orphans).
-- Caller holds the inode lock.
CREATE OR REPLACE FUNCTION tarbox._purge(p_tenant bigint, p_head int, p_ino bigint) RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM 1 FROM tarbox.inode i
     WHERE i.tenant_id = p_tenant AND i.ino = p_ino AND i.died = 2147483647 AND i.nlink = 0;
    IF NOT FOUND OR p_ino = 1 THEN
        RETURN false;
    END IF;
    IF tarbox._other_mounts_live(p_tenant) THEN
        RETURN false;
    END IF;
    PERFORM tarbox._blockmap_cut(p_tenant, p_head, p_ino, 0);
    PERFORM tarbox._chunkmap_cut(p_tenant, p_head, p_ino, NULL, NULL);
    DELETE FROM tarbox.xattr x
     WHERE x.tenant_id = p_tenant AND x.ino = p_ino AND x.died = 2147483647 AND x.born = p_head;
    UPDATE tarbox.xattr x SET died = p_head
     WHERE x.tenant_id = p_tenant AND x.ino = p_ino AND x.died = 2147483647;
    DELETE FROM tarbox.inode i
     WHERE i.tenant_id = p_tenant AND i.ino = p_ino AND i.died = 2147483647 AND i.born = p_head;
    UPDATE tarbox.inode i SET died = p_head
     WHERE i.tenant_id = p_tenant AND i.ino = p_ino AND i.died = 2147483647;
    PERFORM tarbox._usage_add(p_tenant, 0, -1);
    RETURN true;
END
$$;
ALTER FUNCTION tarbox._purge(bigint, int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._purge(bigint, int, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._purge(bigint, int, bigint) TO tarbox_maint;  -- tarbox.tenant_gc expires upload sessions (tarbox._upload_expire)
