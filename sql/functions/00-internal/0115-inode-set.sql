-- tarbox._inode_set(tenant, head, ino, mode, uid, gid, atime_ns, mtime_ns, ctime_ns): set the
-- given attributes (NULL = unchanged; mode: permission bits only, the file type is kept; ctime
-- defaults to now) of the live row of inode ino if it was born in layer head and the file type
-- in mode, if any, is its own. Returns the new row, or NULL when no such row (absent, born in an
-- older layer: the caller copies it on write first, or another type).
CREATE OR REPLACE FUNCTION tarbox._inode_set(p_tenant bigint, p_head int, p_ino bigint, p_mode int,
                                             p_uid bigint, p_gid bigint, p_atime_ns bigint,
                                             p_mtime_ns bigint, p_ctime_ns bigint)
RETURNS tarbox.inode
LANGUAGE plpgsql
AS $$
DECLARE
    v tarbox.inode;
BEGIN
    UPDATE tarbox.inode i
       SET mode = CASE WHEN p_mode IS NULL THEN i.mode ELSE (i.mode & 61440) | (p_mode & 4095) END,
           uid = coalesce(p_uid, i.uid),
           gid = coalesce(p_gid, i.gid),
           atime_ns = coalesce(p_atime_ns, i.atime_ns),
           mtime_ns = coalesce(p_mtime_ns, i.mtime_ns),
           ctime_ns = coalesce(p_ctime_ns, tarbox._now_ns())
     WHERE i.tenant_id = p_tenant AND i.ino = p_ino AND i.died = 2147483647 AND i.born = p_head
       AND (p_mode IS NULL OR (p_mode & 61440) = 0 OR (p_mode & 61440) = (i.mode & 61440))
    RETURNING i.* INTO v;
    RETURN v;
END
$$;
ALTER FUNCTION tarbox._inode_set(bigint, int, bigint, int, bigint, bigint, bigint, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._inode_set(bigint, int, bigint, int, bigint, bigint, bigint, bigint, bigint) FROM PUBLIC;
