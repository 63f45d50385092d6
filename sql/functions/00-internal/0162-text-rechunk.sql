-- tarbox._text_rechunk(ctx, ino): after writes (FUSE release or fsync), cut the file's block
-- part into text chunks again, starting from its last chunk: the region re-chunked is that
-- chunk plus what was written after it, so appending a line to a long text file costs about
-- what it costs for a short one. A file that is no longer text (a NUL byte, invalid UTF-8) or
-- is over the tenant's thresholds (text_max_bytes, text_max_lines) is stored as binary: its
-- text part, if any, moves into the block part (once, when it stops being text). A binary file
-- whose first block has a NUL byte is left as it is without reading further.
-- Returns (lines added, lines deleted) of the text change, NULL when nothing was re-chunked or
-- the file is not text. Caller holds the inode lock (takes it if not).
CREATE OR REPLACE FUNCTION tarbox._text_rechunk(c tarbox._context, p_ino bigint)
RETURNS int[]
LANGUAGE plpgsql
AS $$
DECLARE
    v tarbox.inode;
    v_max_bytes bigint;
    v_max_lines bigint;
    v_pos numeric;
    v_nb int;
    v_nl int := 0;
    v_from bigint := 0;
    v_data bytea;
    v_cut record;
BEGIN
    PERFORM tarbox._lock_inode(c.tenant_id, p_ino);
    v := tarbox._inode_at(c.tenant_id, p_ino, c.head);
    IF v.ino IS NULL OR (v.mode & 61440) <> 32768 OR v.text_bytes = v.size THEN
        RETURN NULL;
    END IF;
    SELECT t.text_max_bytes, t.text_max_lines INTO v_max_bytes, v_max_lines
      FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id;
    IF v.size > v_max_bytes THEN
        IF v.text_bytes > 0 THEN
            PERFORM tarbox._text_spill(c, p_ino, 0, v.size);
        END IF;
        RETURN NULL;
    END IF;
    IF v.text_bytes > 0 THEN
        SELECT k.pos, k.nbytes, k.nlines INTO v_pos, v_nb, v_nl FROM tarbox.chunkmap k
         WHERE k.tenant_id = c.tenant_id AND k.ino = p_ino AND k.died = 2147483647
         ORDER BY k.pos DESC LIMIT 1;
        v_from := v.text_bytes - v_nb;
    ELSE
        v_data := tarbox._blocks_read(c.tenant_id, c.head, p_ino, v.size, 0, 65536);
        IF position('\x00'::bytea IN v_data) > 0 THEN
            RETURN NULL;
        END IF;
    END IF;
    IF v.text_bytes > 0 OR v.size > 65536 THEN
        v_data := tarbox._read(c.tenant_id, c.head, v, v_from, v.size - v_from);
    END IF;
    v_cut := tarbox._text_chunks(v_data);
    IF v_cut.ends IS NULL
       OR v.text_lines - v_nl + coalesce((SELECT sum(x) FROM unnest(v_cut.lines) x), 0) > v_max_lines THEN
        IF v.text_bytes > 0 THEN
            PERFORM tarbox._text_spill(c, p_ino, 0, v.size);
        END IF;
        RETURN NULL;
    END IF;
    IF v.text_bytes = 0 AND cardinality(v_cut.ends) = 1 AND v.size <= 65536 THEN
        -- One block that is one chunk (most small files): the chunk is that block's content,
        -- so its block row becomes the chunk row: nothing to store or release. Only for a file
        -- with no chunk rows at all (new in this layer's history of the inode).
        IF NOT EXISTS (SELECT 1 FROM tarbox.chunkmap k WHERE k.tenant_id = c.tenant_id AND k.ino = p_ino) THEN
            DELETE FROM tarbox.blockmap m
             WHERE m.tenant_id = c.tenant_id AND m.ino = p_ino AND m.blkno = 0
               AND m.died = 2147483647 AND m.born = c.head AND m.hash = sha256(v_data);
            IF FOUND THEN
                INSERT INTO tarbox.chunkmap (tenant_id, ino, pos, born, died, hash, nbytes, nlines)
                VALUES (c.tenant_id, p_ino, 1, c.head, 2147483647, sha256(v_data), v.size, v_cut.lines[1]);
                PERFORM tarbox._inode_cow(c.tenant_id, c.head, p_ino);
                UPDATE tarbox.inode i SET text_bytes = i.size, text_lines = v_cut.lines[1]
                 WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647;
                RETURN ARRAY[v_cut.lines[1], 0];
            END IF;
        END IF;
    END IF;
    RETURN tarbox._text_commit(c, p_ino, v_pos, v_data, v_cut.ends, v_cut.lines);
END
$$;
ALTER FUNCTION tarbox._text_rechunk(tarbox._context, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_rechunk(tarbox._context, bigint) FROM PUBLIC;
