-- tarbox._cow_readdir(compose, shown dir, offset, limit): the merged listing of a cow
-- composition's directory: the consumer's entries (offset = its cookie) but its whiteouts, then
-- the publisher's entries whose name the consumer's directory does not hold, each with its
-- shown attributes, in the order of their cookies (a cookie is a hash of the name alone, so one
-- name has the same offset in both trees and the merged offsets stay stable).
CREATE OR REPLACE FUNCTION tarbox._cow_readdir(p_compose int, p_ino bigint, p_offset bigint, p_limit int)
RETURNS TABLE (name bytea, next_offset bigint, a tarbox.attr)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    n record := tarbox._cow_node(p_compose, p_ino);
    c tarbox._context := tarbox._compose_ctx(p_compose);
    u tarbox._context := tarbox._ctx(NULL, false);
    v tarbox.inode := tarbox._cow_inode(p_compose, p_ino);
    v_off bigint := coalesce(p_offset, 0);
    v_limit int := least(greatest(coalesce(p_limit, 1000), 1), 10000);
BEGIN
    IF (v.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_ino));
    END IF;
    RETURN QUERY
        SELECT x.name, x.next_offset, x.a FROM (
            SELECT d.name, d.cookie AS next_offset,
                   ROW(tarbox._cow_shown(p_compose, i.ino), i.mode, i.nlink, i.uid, i.gid, i.rdev, i.size,
                       (i.stored + 511) / 512, i.atime_ns, i.mtime_ns, i.ctime_ns, i.btime_ns)::tarbox.attr AS a
              FROM tarbox.dentry d
              CROSS JOIN LATERAL (
                    SELECT * FROM tarbox.inode m
                     WHERE m.tenant_id = u.tenant_id AND m.ino = d.ino AND m.born <= u.layer
                     ORDER BY m.born DESC LIMIT 1) i
             WHERE n.upper IS NOT NULL AND d.tenant_id = u.tenant_id AND d.parent_ino = n.upper
               AND d.cookie > v_off AND d.born <= u.layer AND d.died > u.layer
               AND i.died > u.layer AND NOT tarbox._cow_whiteout(i)
            UNION ALL
            SELECT d.name, d.cookie,
                   ROW(i.ino, i.mode, i.nlink, i.uid, i.gid, i.rdev, i.size, (i.stored + 511) / 512,
                       i.atime_ns, i.mtime_ns, i.ctime_ns, i.btime_ns)::tarbox.attr
              FROM tarbox.dentry d
              CROSS JOIN LATERAL (
                    SELECT * FROM tarbox.inode m
                     WHERE m.tenant_id = c.tenant_id AND m.ino = d.ino AND m.born <= c.layer
                     ORDER BY m.born DESC LIMIT 1) i
             WHERE n.lower IS NOT NULL AND d.tenant_id = c.tenant_id AND d.parent_ino = n.lower
               AND d.cookie > v_off AND d.born <= c.layer AND d.died > c.layer
               AND i.died > c.layer
               AND (n.upper IS NULL OR tarbox._dentry_at(u.tenant_id, n.upper, d.name, u.layer) IS NULL)
        ) x
        ORDER BY x.next_offset
        LIMIT v_limit;
END
$$;
ALTER FUNCTION tarbox._cow_readdir(int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_readdir(int, bigint, bigint, int) FROM PUBLIC;
