-- tarbox._text_append(ctx, v, data, now): append `data` to regular file `v` (its live inode
-- row, read under the inode lock) directly as text chunks, when the file is text up to its end
-- (text_bytes = size: no block part) and stays text: no NUL byte, valid UTF-8 together with
-- the file's last chunk, within the tenant's thresholds (text_max_bytes, text_max_lines) and
-- within the first 1 MiB of the file. The file's last chunk and `data` are cut again from that
-- chunk on (tarbox._text_commit), so the write costs the bytes it writes plus one chunk (at
-- most 16 KiB), whatever the file size. Sets size, mtime and ctime (`now`, ns) like any write.
-- Returns false, having changed nothing, when the data is to go to the block part instead
-- (tarbox._write then stores it there; the release re-chunks it).
-- Why: a text file written through FUSE was stored as 64 KiB blocks by each write and cut into
-- chunks again by its release, storing and then dropping every block: in a Django sdist
-- extract, block stores, block releases and the re-chunk were about 15 of 60 s of server time.
-- The 1 MiB bound keeps a large file that turns out to be over the thresholds (or binary past
-- its start) from being chunked and then moved into blocks in full at its release.
-- Caller holds the inode lock and has checked the offset (= size) and the size limit.
-- Errors: EDQUOT.
CREATE OR REPLACE FUNCTION tarbox._text_append(c tarbox._context, v tarbox.inode, p_data bytea, p_now bigint)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    v_n bigint := octet_length(p_data);
    v_max_bytes bigint;
    v_max_lines bigint;
    v_pos numeric;
    v_nl int := 0;
    v_data bytea := p_data;
    v_cut record;
BEGIN
    IF v.text_bytes <> v.size OR v.size + v_n > 1048576 OR position('\x00'::bytea IN p_data) > 0 THEN
        RETURN false;
    END IF;
    SELECT t.text_max_bytes, t.text_max_lines INTO v_max_bytes, v_max_lines
      FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id;
    IF v.size + v_n > v_max_bytes THEN
        RETURN false;
    END IF;
    IF v.text_bytes > 0 THEN
        SELECT k.pos, k.nlines, b.data || p_data INTO v_pos, v_nl, v_data
          FROM tarbox.chunkmap k
          JOIN tarbox.block b ON b.tenant_id = k.tenant_id AND b.hash = k.hash
         WHERE k.tenant_id = c.tenant_id AND k.ino = v.ino AND k.died = 2147483647
         ORDER BY k.pos DESC LIMIT 1;
    END IF;
    v_cut := tarbox._text_chunks(v_data);
    IF v_cut.ends IS NULL
       OR v.text_lines - v_nl + coalesce((SELECT sum(x) FROM unnest(v_cut.lines) x), 0) > v_max_lines THEN
        RETURN false;
    END IF;
    IF v.born <> c.head THEN
        PERFORM tarbox._inode_cow(c.tenant_id, c.head, v.ino);
    END IF;
    UPDATE tarbox.inode i SET size = v.size + v_n, mtime_ns = p_now, ctime_ns = p_now
     WHERE i.tenant_id = c.tenant_id AND i.ino = v.ino AND i.died = 2147483647;
    PERFORM tarbox._text_commit(c, v.ino, v_pos, v_data, v_cut.ends, v_cut.lines);
    RETURN true;
END
$$;
ALTER FUNCTION tarbox._text_append(tarbox._context, tarbox.inode, bytea, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_append(tarbox._context, tarbox.inode, bytea, bigint) FROM PUBLIC;
