CREATE OR REPLACE FUNCTION tarbox.fsck(p_deep boolean DEFAULT false)
RETURNS TABLE (check_name text, ino bigint, detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
-- fsck reads whole tables of the tenant: hash joins, whatever the statistics say (with stale
-- statistics a nested loop over two big tables takes minutes instead of a second).
SET enable_nestloop = off
-- The reachability walk joins layers to rows by range (born <= L < died), which only a nested
-- loop can do: disabled, it costs 10^10 and would make every fsck compile its plan with JIT
-- (1.4 s, measured).
SET jit = off
-- Sorts and hashes of this call use at most this much memory each, whatever work_mem the
-- session set (beyond it they spill to temporary files, capped per tenant login).
SET work_mem = '64MB'
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    t bigint := c.tenant_id;
BEGIN
    -- The root: inode 1, a live directory.
    RETURN QUERY
        SELECT 'root'::text, 1::bigint, 'inode 1 is missing or not a directory'::text
         WHERE NOT EXISTS (SELECT 1 FROM tarbox.inode i
                            WHERE i.tenant_id = t AND i.ino = 1 AND i.died = 2147483647
                              AND (i.mode & 61440) = 16384);
    -- Every live entry points at a live inode, from a live directory.
    RETURN QUERY
        SELECT 'dentry_target', d.ino, format('entry %s in directory %s points at a missing inode',
                                               tarbox._name_text(d.name), d.parent_ino)
          FROM tarbox.dentry d
         WHERE d.tenant_id = t AND d.died = 2147483647
           AND NOT EXISTS (SELECT 1 FROM tarbox.inode i
                            WHERE i.tenant_id = t AND i.ino = d.ino AND i.died = 2147483647);
    RETURN QUERY
        SELECT 'dentry_parent', d.parent_ino, format('entry %s lives in inode %s, which is not a live directory',
                                                      tarbox._name_text(d.name), d.parent_ino)
          FROM tarbox.dentry d
         WHERE d.tenant_id = t AND d.died = 2147483647
           AND NOT EXISTS (SELECT 1 FROM tarbox.inode i
                            WHERE i.tenant_id = t AND i.ino = d.parent_ino AND i.died = 2147483647
                              AND (i.mode & 61440) = 16384 AND i.nlink > 0);
    -- Link counts: a non-directory has one link per entry; a directory 2 + its subdirectories,
    -- exactly one entry (no hard links to directories), or 0 links once removed.
    RETURN QUERY
        WITH links AS (
            SELECT d.ino, count(*) AS n FROM tarbox.dentry d
             WHERE d.tenant_id = t AND d.died = 2147483647 GROUP BY d.ino),
        subdirs AS (
            SELECT d.parent_ino AS ino, count(*) AS n
              FROM tarbox.dentry d
              JOIN tarbox.inode i ON i.tenant_id = t AND i.ino = d.ino AND i.died = 2147483647
             WHERE d.tenant_id = t AND d.died = 2147483647 AND (i.mode & 61440) = 16384
             GROUP BY d.parent_ino)
        SELECT 'nlink', i.ino,
               format('nlink is %s, expected %s', i.nlink,
                      CASE WHEN (i.mode & 61440) <> 16384 THEN coalesce(l.n, 0)
                           WHEN coalesce(l.n, 0) = 0 AND i.ino <> 1 THEN 0
                           ELSE 2 + coalesce(s.n, 0) END)
          FROM tarbox.inode i
          LEFT JOIN links l ON l.ino = i.ino
          LEFT JOIN subdirs s ON s.ino = i.ino
         WHERE i.tenant_id = t AND i.died = 2147483647
           AND i.nlink <> CASE WHEN (i.mode & 61440) <> 16384 THEN coalesce(l.n, 0)
                               WHEN coalesce(l.n, 0) = 0 AND i.ino <> 1 THEN 0
                               ELSE 2 + coalesce(s.n, 0) END;
    RETURN QUERY
        SELECT 'dir_entries', d.ino, format('directory has %s entries', count(*))
          FROM tarbox.dentry d
          JOIN tarbox.inode i ON i.tenant_id = t AND i.ino = d.ino AND i.died = 2147483647
         WHERE d.tenant_id = t AND d.died = 2147483647 AND (i.mode & 61440) = 16384
         GROUP BY d.ino HAVING count(*) > 1;
    RETURN QUERY
        SELECT 'dir_cycle', d.ino, 'the root has an entry'
          FROM tarbox.dentry d WHERE d.tenant_id = t AND d.ino = 1;
    -- Reachability, in every layer: each inode with links is reachable from the root through
    -- entries visible at that layer, and no directory is its own ancestor (a cycle of
    -- directories detached from the root, as two concurrent renames could once make). A layer
    -- in which no entry and no inode was born or died has the tree of the layer before it,
    -- so only the base layer and the layers where something changed are walked.
    RETURN QUERY
        WITH RECURSIVE layers AS (
            SELECT l.layer_id FROM tarbox.layer l
             WHERE l.tenant_id = t
               AND (l.layer_id = 1
                    OR EXISTS (SELECT 1 FROM tarbox.dentry d WHERE d.tenant_id = t AND d.born > 1 AND d.born = l.layer_id)
                    OR EXISTS (SELECT 1 FROM tarbox.dentry d WHERE d.tenant_id = t AND d.died <> 2147483647 AND d.died = l.layer_id)
                    OR EXISTS (SELECT 1 FROM tarbox.inode i WHERE i.tenant_id = t AND i.born > 1 AND i.born = l.layer_id)
                    OR EXISTS (SELECT 1 FROM tarbox.inode i WHERE i.tenant_id = t AND i.died <> 2147483647 AND i.died = l.layer_id))
        ), reach (layer_id, ino) AS (
            SELECT y.layer_id, 1::bigint FROM layers y
            UNION
            SELECT r.layer_id, d.ino
              FROM reach r
              JOIN tarbox.dentry d ON d.tenant_id = t AND d.parent_ino = r.ino
             WHERE d.born <= r.layer_id AND d.died > r.layer_id
        ), lost AS (
            SELECT y.layer_id, i.ino, i.nlink, (i.mode & 61440) = 16384 AS is_dir
              FROM layers y
              JOIN tarbox.inode i ON i.tenant_id = t AND i.born <= y.layer_id AND i.died > y.layer_id
             WHERE i.nlink > 0 AND i.ino <> 1
               AND NOT EXISTS (SELECT 1 FROM reach r WHERE r.layer_id = y.layer_id AND r.ino = i.ino)
        ), up (layer_id, start, cur, depth) AS (
            SELECT l.layer_id, l.ino, l.ino, 0 FROM lost l WHERE l.is_dir
            UNION ALL
            SELECT u.layer_id, u.start, d.parent_ino, u.depth + 1
              FROM up u
              JOIN tarbox.dentry d ON d.tenant_id = t AND d.ino = u.cur
                                  AND d.born <= u.layer_id AND d.died > u.layer_id
             WHERE (u.depth = 0 OR u.cur <> u.start) AND u.depth <= (SELECT count(*) FROM lost)
        )
        SELECT 'unreachable'::text, l.ino,
               format('layer %s: %s with %s link(s) is not reachable from the root', l.layer_id,
                      CASE WHEN l.is_dir THEN 'directory' ELSE 'inode' END, l.nlink)
          FROM lost l
        UNION ALL
        SELECT DISTINCT 'dir_cycle'::text, u.start,
               format('layer %s: the directory is its own ancestor (a cycle of %s directories, detached from the root)',
                      u.layer_id, u.depth)
          FROM up u
         WHERE u.depth > 0 AND u.cur = u.start;
    -- Block maps: only regular files, only within the size, only existing blocks.
    RETURN QUERY
        SELECT 'blockmap_owner', m.ino, format('block %s mapped for an inode that is not a live regular file', m.blkno)
          FROM tarbox.blockmap m
         WHERE m.tenant_id = t AND m.died = 2147483647
           AND NOT EXISTS (SELECT 1 FROM tarbox.inode i
                            WHERE i.tenant_id = t AND i.ino = m.ino AND i.died = 2147483647
                              AND (i.mode & 61440) = 32768);
    RETURN QUERY
        SELECT 'blockmap_eof', m.ino,
               format('block %s holds %s bytes but the file ends at %s', m.blkno, octet_length(b.data), i.size)
          FROM tarbox.blockmap m
          JOIN tarbox.inode i ON i.tenant_id = t AND i.ino = m.ino AND i.died = 2147483647
          LEFT JOIN tarbox.block b ON b.tenant_id = t AND b.hash = m.hash
         WHERE m.tenant_id = t AND m.died = 2147483647
           AND i.text_bytes + m.blkno * 65536 + coalesce(octet_length(b.data), 0) > i.size;
    RETURN QUERY
        SELECT 'blockmap_block', m.ino, format('block %s (layer %s..%s) refers to missing content %s',
                                                m.blkno, m.born, m.died, encode(m.hash, 'hex'))
          FROM tarbox.blockmap m
         WHERE m.tenant_id = t
           AND NOT EXISTS (SELECT 1 FROM tarbox.block b WHERE b.tenant_id = t AND b.hash = m.hash);
    -- Text chunk maps: only regular files; each chunk as long as its block; the visible
    -- chunks of a live version reassemble to its text part (bytes and lines).
    RETURN QUERY
        SELECT 'chunkmap_owner', k.ino, format('chunk at %s mapped for an inode that is not a live regular file', k.pos)
          FROM tarbox.chunkmap k
         WHERE k.tenant_id = t AND k.died = 2147483647
           AND NOT EXISTS (SELECT 1 FROM tarbox.inode i
                            WHERE i.tenant_id = t AND i.ino = k.ino AND i.died = 2147483647
                              AND (i.mode & 61440) = 32768);
    RETURN QUERY
        SELECT 'chunk_size', k.ino, format('chunk at %s (layer %s..%s) says %s bytes, its block holds %s',
                                            k.pos, k.born, k.died, k.nbytes, octet_length(b.data))
          FROM tarbox.chunkmap k
          JOIN tarbox.block b ON b.tenant_id = t AND b.hash = k.hash
         WHERE k.tenant_id = t AND octet_length(b.data) <> k.nbytes;
    RETURN QUERY
        WITH txt AS (
            SELECT k.ino, sum(k.nbytes) AS nbytes, sum(k.nlines) AS nlines
              FROM tarbox.chunkmap k WHERE k.tenant_id = t AND k.died = 2147483647 GROUP BY k.ino),
        blk AS (
            SELECT m.ino, sum(octet_length(b.data)) AS nbytes
              FROM tarbox.blockmap m JOIN tarbox.block b ON b.tenant_id = t AND b.hash = m.hash
             WHERE m.tenant_id = t AND m.died = 2147483647 GROUP BY m.ino)
        SELECT 'text_size', i.ino,
               format('text part recorded as %s bytes / %s lines, its chunks hold %s bytes / %s lines; %s bytes stored recorded, %s referenced',
                      i.text_bytes, i.text_lines, coalesce(x.nbytes, 0), coalesce(x.nlines, 0),
                      i.stored, coalesce(x.nbytes, 0) + coalesce(y.nbytes, 0))
          FROM tarbox.inode i
          LEFT JOIN txt x ON x.ino = i.ino
          LEFT JOIN blk y ON y.ino = i.ino
         WHERE i.tenant_id = t AND i.died = 2147483647
           AND (i.text_bytes <> coalesce(x.nbytes, 0) OR i.text_lines <> coalesce(x.nlines, 0)
                OR i.stored <> coalesce(x.nbytes, 0) + coalesce(y.nbytes, 0));
    -- Blocks nothing references: garbage (tarbox.gc() frees it), not corruption.
    RETURN QUERY
        SELECT 'garbage', NULL::bigint, format('block %s (%s bytes) is referenced by no version in any layer',
                                                encode(b.hash, 'hex'), octet_length(b.data))
          FROM tarbox.block b
         WHERE b.tenant_id = t
           AND NOT EXISTS (SELECT 1 FROM tarbox.blockmap m WHERE m.tenant_id = t AND m.hash = b.hash)
           AND NOT EXISTS (SELECT 1 FROM tarbox.chunkmap k WHERE k.tenant_id = t AND k.hash = b.hash);
    -- The usage counters agree with what is stored (one statement: one snapshot).
    RETURN QUERY
        SELECT 'usage', NULL::bigint, format('usage counters say %s bytes / %s inodes, the tenant stores %s bytes / %s live inodes',
                                              u.bytes, u.inodes, a.bytes, a.inodes)
          FROM (SELECT coalesce(sum(d.bytes), 0) AS bytes, coalesce(sum(d.inodes), 0) AS inodes
                  FROM tarbox.usage_delta d WHERE d.tenant_id = t) u,
               (SELECT (SELECT coalesce(sum(octet_length(b.data)), 0) FROM tarbox.block b WHERE b.tenant_id = t) AS bytes,
                       (SELECT count(*) FROM tarbox.inode i WHERE i.tenant_id = t AND i.died = 2147483647) AS inodes) a
         WHERE u.bytes <> a.bytes OR u.inodes <> a.inodes;
    IF p_deep THEN
        -- every block read and hashed again
        RETURN QUERY
            SELECT 'block_hash', NULL::bigint, format('block %s does not hash to its address', encode(b.hash, 'hex'))
              FROM tarbox.block b
             WHERE b.tenant_id = t AND sha256(b.data) <> b.hash;
        -- every historical version's text part reassembles to its recorded size
        RETURN QUERY
            SELECT 'text_size', i.ino, format('version born %s: text part recorded as %s bytes, its chunks in layer %s hold %s',
                                               i.born, i.text_bytes, x.at, coalesce(
                   (SELECT sum(k.nbytes) FROM tarbox.chunkmap k
                     WHERE k.tenant_id = t AND k.ino = i.ino AND k.born <= x.at AND k.died > x.at), 0))
              FROM tarbox.inode i
             CROSS JOIN LATERAL (SELECT i.died - 1 AS at) x
             WHERE i.tenant_id = t AND i.died <> 2147483647 AND (i.mode & 61440) = 32768
               AND i.text_bytes <> coalesce(
                   (SELECT sum(k.nbytes) FROM tarbox.chunkmap k
                     WHERE k.tenant_id = t AND k.ino = i.ino AND k.born <= x.at AND k.died > x.at), 0);
    END IF;
    RETURN QUERY
        SELECT 'xattr_owner', x.ino, format('attribute %s on an inode that is not live', tarbox._name_text(x.name))
          FROM tarbox.xattr x
         WHERE x.tenant_id = t AND x.died = 2147483647
           AND NOT EXISTS (SELECT 1 FROM tarbox.inode i
                            WHERE i.tenant_id = t AND i.ino = x.ino AND i.died = 2147483647);
    -- Upload sessions (72-large-files, migration 0150): each inode an open session stages (the
    -- file complete links, and each chunk's staging inode) belongs to that one session or chunk
    -- only, and while it lives it is a regular file without links (no entry sees it). (One
    -- that is gone is no problem here: complete then reports ENOENT.)
    RETURN QUERY
        WITH staged AS (
            SELECT s.ino, format('the file of upload session %s', s.session_id) AS what
              FROM tarbox.upload_session s WHERE s.tenant_id = t
            UNION ALL
            SELECT u.ino, format('the staging inode of chunk %s of upload session %s', u.chunk_index, u.session_id)
              FROM tarbox.upload_chunk u WHERE u.tenant_id = t AND u.ino IS NOT NULL)
        SELECT 'upload_staging'::text, x.ino, format('inode is %s', string_agg(x.what, ' and ' ORDER BY x.what))
          FROM staged x GROUP BY x.ino HAVING count(*) > 1
        UNION ALL
        SELECT 'upload_staging'::text, x.ino,
               format('%s is %s with %s link(s)', x.what,
                      CASE WHEN (i.mode & 61440) = 32768 THEN 'a regular file' ELSE 'not a regular file' END, i.nlink)
          FROM staged x
          JOIN tarbox.inode i ON i.tenant_id = t AND i.ino = x.ino AND i.died = 2147483647
         WHERE (i.mode & 61440) <> 32768 OR i.nlink <> 0;
    -- Versions of one key never overlap, and no row lives outside the layer range.
    RETURN QUERY
        SELECT 'version_overlap', v.ino, format('%s versions born %s and %s overlap', v.tbl, v.born, v.next_born)
          FROM (SELECT 'inode' AS tbl, i.ino, i.born, i.died,
                       lead(i.born) OVER (PARTITION BY i.ino ORDER BY i.born) AS next_born
                  FROM tarbox.inode i WHERE i.tenant_id = t
                UNION ALL
                SELECT 'dentry', d.parent_ino, d.born, d.died,
                       lead(d.born) OVER (PARTITION BY d.parent_ino, d.name ORDER BY d.born)
                  FROM tarbox.dentry d WHERE d.tenant_id = t
                UNION ALL
                SELECT 'blockmap', m.ino, m.born, m.died,
                       lead(m.born) OVER (PARTITION BY m.ino, m.blkno ORDER BY m.born)
                  FROM tarbox.blockmap m WHERE m.tenant_id = t
                UNION ALL
                SELECT 'chunkmap', k.ino, k.born, k.died,
                       lead(k.born) OVER (PARTITION BY k.ino, k.pos ORDER BY k.born)
                  FROM tarbox.chunkmap k WHERE k.tenant_id = t
                UNION ALL
                SELECT 'xattr', x.ino, x.born, x.died,
                       lead(x.born) OVER (PARTITION BY x.ino, x.name ORDER BY x.born)
                  FROM tarbox.xattr x WHERE x.tenant_id = t) v
         WHERE v.next_born < v.died;
    RETURN QUERY
        SELECT 'layer_range', v.ino, format('%s row born %s died %s outside layers 1..%s', v.tbl, v.born, v.died, c.head)
          FROM (SELECT 'inode' AS tbl, i.ino, i.born, i.died FROM tarbox.inode i WHERE i.tenant_id = t
                UNION ALL SELECT 'dentry', d.ino, d.born, d.died FROM tarbox.dentry d WHERE d.tenant_id = t
                UNION ALL SELECT 'blockmap', m.ino, m.born, m.died FROM tarbox.blockmap m WHERE m.tenant_id = t
                UNION ALL SELECT 'chunkmap', k.ino, k.born, k.died FROM tarbox.chunkmap k WHERE k.tenant_id = t
                UNION ALL SELECT 'xattr', x.ino, x.born, x.died FROM tarbox.xattr x WHERE x.tenant_id = t) v
         WHERE v.born > c.head OR (v.died <> 2147483647 AND v.died > c.head);
    RETURN QUERY
        SELECT 'readdir_cookie', d.parent_ino, format('entries %s share readdir offset %s',
                                                       string_agg(tarbox._name_text(d.name), ', '), d.cookie)
          FROM tarbox.dentry d
         WHERE d.tenant_id = t AND d.died = 2147483647
         GROUP BY d.parent_ino, d.cookie HAVING count(*) > 1;
    RETURN QUERY
        SELECT 'ino_sequence', max(i.ino), 'inode numbers reach past the inode sequence'
          FROM tarbox.inode i WHERE i.tenant_id = t
        HAVING max(i.ino) >= (SELECT s.last_value + 1 FROM pg_sequences s
                               WHERE s.schemaname = 'tarbox' AND s.sequencename = 'ino_seq_' || t);
    -- Composition (87-compose): a published layer is frozen (never the newest, which is written
    -- in place); a consumer's compositions never overlap each other or a native mount.
    RETURN QUERY
        SELECT 'publication_frozen', NULL::bigint,
               format('publication %s is of layer %s, the newest layer (written in place)', p.name, p.layer_id)
          FROM tarbox.publication p
         WHERE p.tenant_id = t AND p.layer_id >= c.head;
    RETURN QUERY
        SELECT 'composition_overlap', NULL::bigint,
               format('compositions at %s and %s overlap', a.mount_path, b.mount_path)
          FROM tarbox.composition a JOIN tarbox.composition b
            ON b.tenant_id = t AND b.compose_id <> a.compose_id
           AND left(b.mount_path, length(a.mount_path) + 1) = a.mount_path || '/'
         WHERE a.tenant_id = t;
    RETURN QUERY
        SELECT 'composition_native', NULL::bigint,
               format('composition at %s overlaps native mount %s at %s', k.mount_path, m.mount_id, m.mount_path)
          FROM tarbox.composition k JOIN tarbox.native_mount m
            ON (m.tenant IS NULL OR m.tenant = t) AND m.enabled
           AND (m.mount_path = k.mount_path OR left(m.mount_path, length(k.mount_path) + 1) = k.mount_path || '/'
                OR left(k.mount_path, length(m.mount_path) + 1) = m.mount_path || '/')
         WHERE k.tenant_id = t;
END
$$;
ALTER FUNCTION tarbox.fsck(boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fsck(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fsck(boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fsck(boolean) IS
'Check every invariant of the calling tenant''s file system and return one row per problem (check_name, inode, detail); no rows means clean. Checks: root, entries point at live inodes from live directories, link counts (files: entries; directories: 2 + subdirectories, one entry), block maps only for regular files within their size and only to stored blocks, text chunk maps only for regular files with chunks as long as their blocks and reassembling to the recorded text size, lines and stored bytes (st_blocks), unreferenced blocks (check garbage: not corruption, tarbox.gc() frees them), usage counters equal to what is stored, xattrs on live inodes, versions of a row never overlap and stay within the layer range, readdir offsets unique per directory, inode numbers below the sequence, published layers frozen (publication_frozen), compositions overlapping neither each other nor a native mount (composition_overlap, composition_native), every inode with links reachable from the root in every layer and no directory its own ancestor (unreachable, dir_cycle), the inodes open upload sessions stage (each session''s file and each chunk''s staging inode) each of one session or chunk only, regular files without links while they live (upload_staging). With p_deep also: every block re-hashed against its sha256 address (block_hash), and every historical version''s chunks reassemble to its text size. Unlinked inodes still open (nlink 0, no entry) are not problems. Errors: EACCES (TX013) caller is not a tenant.';
