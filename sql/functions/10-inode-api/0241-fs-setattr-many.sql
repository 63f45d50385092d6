-- tarbox.fs_setattr_many(inos, modes, uids, gids, atimes, mtimes): tarbox.fs_setattr (without
-- size and ctime) of many inodes in one call: what an import does last to its directories,
-- whose times change while entries are added.
CREATE OR REPLACE FUNCTION tarbox._do_fs_setattr_many(p_ino bigint[], p_mode int[], p_uid bigint[], p_gid bigint[],
                                                  p_atime_ns bigint[], p_mtime_ns bigint[])
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    n int := coalesce(cardinality(p_ino), 0);
    v_bad bigint;
    v_found int;
    v_tids tid[];
BEGIN
    IF n = 0 THEN
        RETURN 0;
    ELSIF n > 10000 THEN
        PERFORM tarbox._raise('EINVAL', format('%s inodes in one call; at most 10000', n));
    ELSIF coalesce(cardinality(p_mode), 0) <> n OR coalesce(cardinality(p_uid), 0) <> n
          OR coalesce(cardinality(p_gid), 0) <> n OR coalesce(cardinality(p_atime_ns), 0) <> n
          OR coalesce(cardinality(p_mtime_ns), 0) <> n OR array_ndims(p_ino) <> 1 OR array_lower(p_ino, 1) <> 1 THEN
        PERFORM tarbox._raise('EINVAL', 'the arrays must have one length and start at 1');
    END IF;
    SELECT p_ino[g] INTO v_bad FROM generate_subscripts(p_ino, 1) g
     WHERE p_ino[g] IS NULL
        OR (p_mode[g] IS NOT NULL AND (p_mode[g] & ~4095) <> 0)
        OR (p_uid[g] IS NOT NULL AND p_uid[g] NOT BETWEEN 0 AND 4294967294)
        OR (p_gid[g] IS NOT NULL AND p_gid[g] NOT BETWEEN 0 AND 4294967294)
     LIMIT 1;
    IF FOUND THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s: invalid inode, mode (permission bits only) or owner', v_bad));
    END IF;
    IF (SELECT count(DISTINCT x) FROM unnest(p_ino) x) <> n THEN
        PERFORM tarbox._raise('EINVAL', 'an inode appears twice');
    END IF;
    -- Every statement probes the inodes one by one (LATERAL ... LIMIT 1, then their ctids):
    -- with i.ino = ANY (p_ino) or a join with unnest(p_ino), the generic plan (no statistics
    -- on tenant_id: an estimate of 11 live inodes per tenant) read every live inode of the
    -- tenant per call. Locked in inode-number order (the outer rows are sorted).
    SELECT count(*) INTO v_found FROM (SELECT x FROM unnest(p_ino) x ORDER BY x) u
     CROSS JOIN LATERAL (SELECT 1 FROM tarbox.inode i
                          WHERE i.tenant_id = c.tenant_id AND i.ino = u.x AND i.died = 2147483647
                          LIMIT 1 FOR UPDATE) l;
    IF v_found <> n THEN
        SELECT x INTO v_bad FROM unnest(p_ino) x
         WHERE NOT EXISTS (SELECT 1 FROM tarbox.inode i
                            WHERE i.tenant_id = c.tenant_id AND i.ino = x AND i.died = 2147483647) LIMIT 1;
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', v_bad));
    END IF;
    PERFORM tarbox._inode_cow(c.tenant_id, c.head, u.x) FROM unnest(p_ino) u(x)
     WHERE (SELECT i.born FROM tarbox.inode i
             WHERE i.tenant_id = c.tenant_id AND i.ino = u.x AND i.died = 2147483647 LIMIT 1) <> c.head;
    v_tids := ARRAY(SELECT l.ctid FROM unnest(p_ino) u(x)
                     CROSS JOIN LATERAL (SELECT i.ctid FROM tarbox.inode i
                                          WHERE i.tenant_id = c.tenant_id AND i.ino = u.x
                                            AND i.died = 2147483647 LIMIT 1) l);
    UPDATE tarbox.inode i
       SET mode = CASE WHEN u.m IS NULL THEN i.mode ELSE (i.mode & 61440) | u.m END,
           uid = coalesce(u.uid, i.uid), gid = coalesce(u.gid, i.gid),
           atime_ns = coalesce(u.a, i.atime_ns), mtime_ns = coalesce(u.mt, i.mtime_ns),
           ctime_ns = tarbox._now_ns()
      FROM unnest(p_ino, p_mode, p_uid, p_gid, p_atime_ns, p_mtime_ns) AS u(ino, m, uid, gid, a, mt)
     WHERE i.ctid = ANY (v_tids) AND i.tenant_id = c.tenant_id AND i.ino = u.ino AND i.died = 2147483647;
    PERFORM tarbox._notify(c.tenant_id, x, NULL, NULL) FROM unnest(p_ino) x;
    RETURN n;
END
$$;
ALTER FUNCTION tarbox._do_fs_setattr_many(bigint[], int[], bigint[], bigint[], bigint[], bigint[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_setattr_many(bigint[], int[], bigint[], bigint[], bigint[], bigint[]) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_setattr_many(bigint[], int[], bigint[], bigint[], bigint[], bigint[]) IS
'tarbox.fs_setattr of up to 10000 inodes in one call (an import sets its directories'' modes, owners and times last): p_ino[i] gets permission bits p_mode[i] (07777), owner p_uid[i]:p_gid[i] (0..2^32-2), times p_atime_ns[i], p_mtime_ns[i] (ns); NULL leaves one unchanged; ctime becomes now. Returns the number of inodes changed. Errors: ENOENT (TX002), EINVAL (TX022) bad mode, owner or an inode given twice, EROFS (TX030); nothing changes on any error.';
