CREATE OR REPLACE FUNCTION tarbox.diff(p_from text, p_to text DEFAULT 'current', p_path text DEFAULT '/')
RETURNS TABLE (path text, change text, type text, size_before bigint, size_after bigint,
               size_delta bigint, lines_added int, lines_deleted int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
-- Sorts and hashes of this call use at most this much memory each, whatever work_mem the
-- session set (beyond it they spill to temporary files, capped per tenant login).
SET work_mem = '64MB'
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    t bigint := c.tenant_id;
    v_a int := tarbox._layer_ref(t, p_from);
    v_b int := tarbox._layer_ref(t, p_to);
    lo int := least(v_a, v_b);
    hi int := greatest(v_a, v_b);
    v_rev boolean := v_a > v_b;
    v_prefix text := rtrim(coalesce(p_path, '/'), '/');
BEGIN
    IF p_path IS NOT NULL AND left(p_path, 1) <> '/' THEN
        PERFORM tarbox._raise('EINVAL', format('path %L is not absolute (it must start with /)', p_path));
    END IF;
    IF lo = hi THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH entries AS (
        SELECT DISTINCT d.parent_ino, d.name FROM tarbox.dentry d
         WHERE d.tenant_id = t AND d.born > 1 AND d.born > lo AND d.born <= hi
        UNION
        SELECT d.parent_ino, d.name FROM tarbox.dentry d
         WHERE d.tenant_id = t AND d.died <> 2147483647 AND d.died > lo AND d.died <= hi
    ), ent AS (
        SELECT en.parent_ino, en.name,
               tarbox._dentry_at(t, en.parent_ino, en.name, lo) AS ino_lo,
               tarbox._dentry_at(t, en.parent_ino, en.name, hi) AS ino_hi
          FROM entries en
    ), data_changed AS (
        SELECT m.ino FROM tarbox.blockmap m WHERE m.tenant_id = t AND m.born > 1 AND m.born > lo AND m.born <= hi
        UNION SELECT m.ino FROM tarbox.blockmap m
         WHERE m.tenant_id = t AND m.died <> 2147483647 AND m.died > lo AND m.died <= hi
        UNION SELECT k.ino FROM tarbox.chunkmap k WHERE k.tenant_id = t AND k.born > 1 AND k.born > lo AND k.born <= hi
        UNION SELECT k.ino FROM tarbox.chunkmap k
         WHERE k.tenant_id = t AND k.died <> 2147483647 AND k.died > lo AND k.died <= hi
        UNION SELECT x.ino FROM tarbox.xattr x WHERE x.tenant_id = t AND x.born > 1 AND x.born > lo AND x.born <= hi
        UNION SELECT x.ino FROM tarbox.xattr x
         WHERE x.tenant_id = t AND x.died <> 2147483647 AND x.died > lo AND x.died <= hi
    ), attr_changed AS (
        SELECT i.ino FROM tarbox.inode i WHERE i.tenant_id = t AND i.born > 1 AND i.born > lo AND i.born <= hi
        UNION SELECT i.ino FROM tarbox.inode i
         WHERE i.tenant_id = t AND i.died <> 2147483647 AND i.died > lo AND i.died <= hi
    ), changes AS (
        -- an entry that appeared, disappeared or now names another inode
        SELECT CASE WHEN e.ino_lo IS NULL THEN 'A' WHEN e.ino_hi IS NULL THEN 'D' ELSE 'M' END AS ch,
               e.parent_ino, e.name, e.ino_lo, e.ino_hi
          FROM ent e
         WHERE e.ino_lo IS DISTINCT FROM e.ino_hi
        UNION ALL
        -- the same inode in both layers whose content or own attributes changed
        SELECT 'M', NULL, NULL, k.ino, k.ino
          FROM (SELECT ino FROM attr_changed UNION SELECT ino FROM data_changed) k
          CROSS JOIN LATERAL tarbox._inode_at(t, k.ino, lo) a
          CROSS JOIN LATERAL tarbox._inode_at(t, k.ino, hi) b
         WHERE a.ino IS NOT NULL AND b.ino IS NOT NULL AND b.nlink > 0 AND k.ino <> 1
           AND (a.mode <> b.mode OR a.uid <> b.uid OR a.gid <> b.gid
                OR k.ino IN (SELECT ino FROM data_changed)
                OR ((b.mode & 61440) <> 16384
                    AND (a.size <> b.size OR a.mtime_ns <> b.mtime_ns OR a.rdev <> b.rdev
                         OR a.target IS DISTINCT FROM b.target)))
           AND NOT EXISTS (SELECT 1 FROM ent e WHERE e.ino_hi = k.ino AND e.ino_lo IS DISTINCT FROM e.ino_hi)
    ), located AS (
        SELECT ch.ch, ch.ino_lo, ch.ino_hi,
               CASE WHEN ch.parent_ino IS NULL THEN tarbox._path_of(t, ch.ino_hi, hi)
                    ELSE rtrim(tarbox._path_of(t, ch.parent_ino, CASE WHEN ch.ch = 'D' THEN lo ELSE hi END), '/')
                         || '/' || tarbox._name_text(ch.name) END AS p,
               a AS before, b AS after
          FROM changes ch
          LEFT JOIN LATERAL tarbox._inode_at(t, ch.ino_lo, lo) a ON ch.ino_lo IS NOT NULL
          LEFT JOIN LATERAL tarbox._inode_at(t, ch.ino_hi, hi) b ON ch.ino_hi IS NOT NULL
    ), measured AS (
        SELECT l.ch, l.p, l.before, l.after,
               CASE WHEN coalesce((l.before).mode, 32768) & 61440 = 32768
                     AND coalesce((l.after).mode, 32768) & 61440 = 32768
                     AND coalesce((l.before).size, 0) <= 8388608 AND coalesce((l.after).size, 0) <= 8388608
                    THEN tarbox._line_stats(
                        CASE WHEN l.ino_lo IS NOT NULL THEN tarbox._read(t, lo, l.before, 0, (l.before).size) END,
                        CASE WHEN l.ino_hi IS NOT NULL THEN tarbox._read(t, hi, l.after, 0, (l.after).size) END)
               END AS lines
          FROM located l
         WHERE l.p IS NOT NULL
           AND (v_prefix = '' OR l.p = v_prefix OR left(l.p, length(v_prefix) + 1) = v_prefix || '/')
    )
    SELECT m.p,
           CASE WHEN NOT v_rev THEN m.ch WHEN m.ch = 'A' THEN 'D' WHEN m.ch = 'D' THEN 'A' ELSE 'M' END,
           tarbox._file_type(coalesce((m.after).mode, (m.before).mode)),
           CASE WHEN v_rev THEN (m.after).size ELSE (m.before).size END,
           CASE WHEN v_rev THEN (m.before).size ELSE (m.after).size END,
           (CASE WHEN v_rev THEN -1 ELSE 1 END) * (coalesce((m.after).size, 0) - coalesce((m.before).size, 0)),
           m.lines[CASE WHEN v_rev THEN 2 ELSE 1 END],
           m.lines[CASE WHEN v_rev THEN 1 ELSE 2 END]
      FROM measured m
     ORDER BY m.p;
END
$$;
ALTER FUNCTION tarbox.diff(text, text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.diff(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.diff(text, text, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.diff(text, text, text) IS
'What changed from layer p_from to layer p_to (name, tag, id, ''current'', ''head''), under absolute path p_path: one row per path with change A (added), M (modified: content, mode, owner, mtime, xattrs, symlink target, or the name now holds another inode) or D (deleted), the file type, sizes before and after and their difference (bytes), and for text files (UTF-8, up to 8 MiB and 500,000 lines) the lines added and deleted (shortest edit script; an approximation, the multiset difference of the lines, when that takes more than a fixed amount of work: each file costs at most about half a second, and the call is cancellable). Works in either direction; reads only the rows born or died between the two layers, so its cost follows the size of the change, not of the tree. A rename shows as D of the old path and A of the new. Errors: ENOENT (TX002) no such layer, EINVAL (TX022) relative path. A NULL layer is the current one, as everywhere.';
