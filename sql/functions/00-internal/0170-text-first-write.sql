-- tarbox._text_first_write(ctx, v, data, now): store the first bytes written to empty regular file
-- `v` (its live inode row, read under the inode lock; size 0) directly as text chunks when they
-- are text: no NUL byte, valid UTF-8, within the tenant's thresholds (text_max_bytes,
-- text_max_lines) and at most 1 MiB. Sets size, mtime and ctime (`now`, ns) like any write,
-- and text_bytes, text_lines and stored; the line counts go to the call's audit record.
-- Returns false, having changed nothing, when the data is to go to the block part instead
-- (tarbox._write then stores it there; the release re-chunks it).
-- Why: a text file written through FUSE was stored as 64 KiB blocks by its writes and cut into
-- chunks again by its release, which stored the chunks and dropped the blocks: in a Django
-- sdist extract, block stores, block releases and the re-chunk were about 15 of 60 s of server
-- time. Most files are written in one write(2); the later writes of a bigger file go to the
-- block part, and its release cuts that from the last chunk on, once (a re-chunk per write,
-- tried first, made the extract 1.5x slower: tarbox._text_commit costs about 1 ms a call).
-- A file emptied in this layer whose earlier version was text (O_TRUNC, then the new content)
-- goes through tarbox._text_commit, which brings its unchanged chunks of the layer before back.
-- Caller holds the inode lock and has checked the size limit. Errors: EDQUOT.
CREATE OR REPLACE FUNCTION tarbox._text_first_write(c tarbox._context, v tarbox.inode, p_data bytea, p_now bigint)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    v_n int := octet_length(p_data);
    v_max_bytes bigint;
    v_max_lines bigint;
    v_cut record;
    v_lines int;
    v_hashes bytea[];
    v_datas bytea[];
    v_pos numeric[];
BEGIN
    IF v.size <> 0 OR v_n > 1048576 OR position('\x00'::bytea IN p_data) > 0 THEN
        RETURN false;
    END IF;
    SELECT t.text_max_bytes, t.text_max_lines INTO v_max_bytes, v_max_lines
      FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id;
    IF v_n > v_max_bytes THEN
        RETURN false;
    END IF;
    v_cut := tarbox._text_chunks(p_data);
    v_lines := coalesce((SELECT sum(x) FROM unnest(v_cut.lines) x), 0);
    IF v_cut.ends IS NULL OR v_lines > v_max_lines THEN
        RETURN false;
    END IF;
    IF v.born <> c.head THEN
        PERFORM tarbox._inode_cow(c.tenant_id, c.head, v.ino);
    END IF;
    IF c.head > 1 AND EXISTS (SELECT 1 FROM tarbox.chunkmap k
                               WHERE k.tenant_id = c.tenant_id AND k.ino = v.ino AND k.died = c.head) THEN
        UPDATE tarbox.inode i SET size = v_n, mtime_ns = p_now, ctime_ns = p_now
         WHERE i.tenant_id = c.tenant_id AND i.ino = v.ino AND i.died = 2147483647;
        PERFORM tarbox._text_commit(c, v.ino, NULL, p_data, v_cut.ends, v_cut.lines);
        RETURN true;
    END IF;
    SELECT array_agg(substring(p_data FROM coalesce(v_cut.ends[g - 1], 0) + 1
                               FOR v_cut.ends[g] - coalesce(v_cut.ends[g - 1], 0)) ORDER BY g)
      INTO v_datas FROM generate_subscripts(v_cut.ends, 1) g;
    SELECT array_agg(sha256(d) ORDER BY o) INTO v_hashes FROM unnest(v_datas) WITH ORDINALITY x(d, o);
    PERFORM tarbox._blocks_store(c.tenant_id, v_hashes, v_datas);
    v_pos := tarbox._text_positions(0, NULL, cardinality(v_hashes));
    INSERT INTO tarbox.chunkmap (tenant_id, ino, pos, born, died, hash, nbytes, nlines)
    SELECT c.tenant_id, v.ino, v_pos[g], c.head, 2147483647, v_hashes[g], octet_length(v_datas[g]), v_cut.lines[g]
      FROM generate_subscripts(v_hashes, 1) g;
    UPDATE tarbox.inode i
       SET size = v_n, mtime_ns = p_now, ctime_ns = p_now, text_bytes = v_n, text_lines = v_lines,
           stored = i.stored + v_n
     WHERE i.tenant_id = c.tenant_id AND i.ino = v.ino AND i.died = 2147483647;
    PERFORM tarbox._audit_lines(ARRAY[v_lines, 0]);  -- as tarbox._text_commit does
    RETURN true;
END
$$;
ALTER FUNCTION tarbox._text_first_write(tarbox._context, tarbox.inode, bytea, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_first_write(tarbox._context, tarbox.inode, bytea, bigint) FROM PUBLIC;
