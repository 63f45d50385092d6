-- tarbox._text_spill(ctx, ino, at, upto): make the text part of a file end before the chunk
-- holding byte `at` (at < text_bytes), moving bytes [start of that chunk, upto) into the block
-- part, which then starts there (what the block part held is rewritten after them; bytes from
-- upto on are dropped: truncation passes the new size). Used before a write or a truncation
-- inside the text part, and to store a file that stopped being text as binary (at = 0). Costs
-- the bytes moved; the chunks before `at` are untouched. Updates text_bytes, text_lines and
-- stored of the live inode row (copied to the head layer first). Caller holds the inode lock.
CREATE OR REPLACE FUNCTION tarbox._text_spill(c tarbox._context, p_ino bigint, p_at bigint, p_upto bigint)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v tarbox.inode := tarbox._inode_at(c.tenant_id, p_ino, c.head);
    v_pos numeric;
    v_start bigint := 0;
    v_data bytea;
    v_cut record;
    v_delta bigint;
BEGIN
    IF p_at > 0 THEN
        SELECT x.pos, x.s - x.nbytes INTO v_pos, v_start
          FROM (SELECT k.pos, k.nbytes, sum(k.nbytes) OVER (ORDER BY k.pos) AS s
                  FROM tarbox.chunkmap k
                 WHERE k.tenant_id = c.tenant_id AND k.ino = p_ino AND k.died = 2147483647) x
         WHERE x.s > p_at
         ORDER BY x.pos LIMIT 1;
    END IF;
    v_data := tarbox._read(c.tenant_id, c.head, v, v_start, greatest(p_upto - v_start, 0));
    v_cut := tarbox._chunkmap_cut(c.tenant_id, c.head, p_ino, v_pos, NULL);
    v_delta := - v_cut.nbytes - tarbox._blockmap_cut(c.tenant_id, c.head, p_ino, 0);
    v_delta := v_delta + tarbox._blocks_write(c.tenant_id, c.head, p_ino, 0, v_data);
    PERFORM tarbox._inode_cow(c.tenant_id, c.head, p_ino);
    UPDATE tarbox.inode i
       SET text_bytes = v_start, text_lines = i.text_lines - v_cut.nlines, stored = i.stored + v_delta
     WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647;
END
$$;
ALTER FUNCTION tarbox._text_spill(tarbox._context, bigint, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_spill(tarbox._context, bigint, bigint, bigint) FROM PUBLIC;
