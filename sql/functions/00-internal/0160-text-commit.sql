-- tarbox._text_commit(ctx, ino, from_pos, data, ends, lines): make `data`, cut into chunks at
-- `ends` (tarbox._text_cut) with these line counts, the end of the file's text part: it
-- replaces the live chunks at position from_pos and after (NULL: all of them) and the whole
-- block part, so that afterwards the file is text up to its end. Costs the difference: the
-- old and new chunk lists are compared by hash and only the chunks between their common
-- prefix and common suffix change (old ones die or, born in this layer, are deleted; new ones
-- are stored and get positions between the unchanged neighbours, which keep theirs). When the
-- file has no live chunks at all (truncated, or rewritten from the start, in this layer) the
-- old list is the file's text in the layer before, and its unchanged chunks come back to life:
-- rewriting a whole file that differs in one line from the previous layer costs about one
-- chunk and two map rows.
-- Returns the lines added and deleted (difflib over the changed chunks, tarbox._line_stats;
-- for an append, the new text starting with the old, the lines after the old ones).
-- Updates size-independent columns of the live inode row: text_bytes (= the file size
-- afterwards, which the caller has set or keeps), text_lines, stored. Caller holds the inode
-- lock and has checked the thresholds.
CREATE OR REPLACE FUNCTION tarbox._text_commit(c tarbox._context, p_ino bigint, p_from numeric,
                                               p_data bytea, p_ends int[], p_lines int[])
RETURNS int[]
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- index probes whatever the arrays: no replanning
AS $$
DECLARE
    v tarbox.inode := tarbox._inode_at(c.tenant_id, p_ino, c.head);
    o_pos numeric[];
    o_hash bytea[];
    o_nb int[];
    o_nl int[];
    v_revive boolean := false;
    n_hash bytea[] := '{}';
    v_nnew int := coalesce(cardinality(p_ends), 0);
    v_nold int;
    p int := 0;
    s int := 0;
    i int;
    v_start int;
    v_after numeric;
    v_before numeric;
    v_newpos numeric[];
    v_old_mid bytea := ''::bytea;
    v_new_mid bytea;
    v_old_bytes bigint := 0;
    v_old_lines bigint := 0;
    v_cut record;
    v_blocks bigint;
    v_stats int[];
BEGIN
    -- (two statements rather than "p_from IS NULL OR pos >= p_from": a generic plan of the
    -- OR could not use the position as an index bound)
    IF p_from IS NULL THEN
        SELECT array_agg(k.pos ORDER BY k.pos), array_agg(k.hash ORDER BY k.pos),
               array_agg(k.nbytes ORDER BY k.pos), array_agg(k.nlines ORDER BY k.pos)
          INTO o_pos, o_hash, o_nb, o_nl
          FROM tarbox.chunkmap k
         WHERE k.tenant_id = c.tenant_id AND k.ino = p_ino AND k.died = 2147483647;
    ELSE
        SELECT array_agg(k.pos ORDER BY k.pos), array_agg(k.hash ORDER BY k.pos),
               array_agg(k.nbytes ORDER BY k.pos), array_agg(k.nlines ORDER BY k.pos)
          INTO o_pos, o_hash, o_nb, o_nl
          FROM tarbox.chunkmap k
         WHERE k.tenant_id = c.tenant_id AND k.ino = p_ino AND k.died = 2147483647 AND k.pos >= p_from;
    END IF;
    IF o_pos IS NULL AND p_from IS NULL AND c.head > 1 THEN
        SELECT array_agg(k.pos ORDER BY k.pos), array_agg(k.hash ORDER BY k.pos),
               array_agg(k.nbytes ORDER BY k.pos), array_agg(k.nlines ORDER BY k.pos)
          INTO o_pos, o_hash, o_nb, o_nl
          FROM tarbox.chunkmap k
         WHERE k.tenant_id = c.tenant_id AND k.ino = p_ino AND k.born < c.head AND k.died = c.head;
        v_revive := o_pos IS NOT NULL;
    END IF;
    v_nold := coalesce(cardinality(o_pos), 0);
    IF NOT v_revive AND v_nold > 0 THEN
        SELECT sum(x) INTO v_old_bytes FROM unnest(o_nb) x;
        SELECT sum(x) INTO v_old_lines FROM unnest(o_nl) x;
    END IF;
    SELECT coalesce(array_agg(sha256(substring(p_data FROM coalesce(p_ends[g - 1], 0) + 1
                                                     FOR p_ends[g] - coalesce(p_ends[g - 1], 0))) ORDER BY g), '{}')
      INTO n_hash FROM generate_series(1, v_nnew) g;
    -- a chunk is unchanged when its bytes and its line count are (the same bytes can end a line
    -- or not: a piece of a line longer than 16 KiB counts 0 lines, the line's last piece 1)
    WHILE p < least(v_nold, v_nnew) AND o_hash[p + 1] = n_hash[p + 1] AND o_nl[p + 1] = p_lines[p + 1] LOOP
        p := p + 1;
    END LOOP;
    WHILE s < least(v_nold, v_nnew) - p AND o_hash[v_nold - s] = n_hash[v_nnew - s]
          AND o_nl[v_nold - s] = p_lines[v_nnew - s] LOOP
        s := s + 1;
    END LOOP;
    -- the old text of the changed range, for the line statistics
    IF v_nold - s > p THEN
        SELECT string_agg(b.data, ''::bytea ORDER BY g.i) INTO v_old_mid
          FROM generate_subscripts(o_hash, 1) g(i)
          JOIN tarbox.block b ON b.tenant_id = c.tenant_id AND b.hash = o_hash[g.i]
         WHERE g.i > p AND g.i <= v_nold - s;
    END IF;
    IF v_revive THEN
        UPDATE tarbox.chunkmap k SET died = 2147483647
         WHERE k.tenant_id = c.tenant_id AND k.ino = p_ino AND k.born < c.head AND k.died = c.head
           AND (k.pos = ANY (o_pos[1:p]) OR k.pos = ANY (o_pos[v_nold - s + 1:v_nold]));
    ELSIF v_nold - s > p THEN
        v_cut := tarbox._chunkmap_cut(c.tenant_id, c.head, p_ino, NULL, o_pos[p + 1:v_nold - s]);
    END IF;
    -- positions for the new chunks: between the last unchanged chunk before and the first after
    IF p > 0 THEN
        v_after := o_pos[p];
    ELSIF p_from IS NOT NULL THEN
        SELECT k.pos INTO v_after FROM tarbox.chunkmap k
         WHERE k.tenant_id = c.tenant_id AND k.ino = p_ino AND k.died = 2147483647 AND k.pos < p_from
         ORDER BY k.pos DESC LIMIT 1;
    END IF;
    v_after := coalesce(v_after, 0);
    v_before := CASE WHEN s > 0 THEN o_pos[v_nold - s + 1] END;
    v_newpos := tarbox._text_positions(v_after, v_before, v_nnew - p - s);
    IF v_nnew - s > p THEN
        PERFORM tarbox._blocks_store(c.tenant_id, n_hash[p + 1:v_nnew - s],
            ARRAY(SELECT substring(p_data FROM coalesce(p_ends[g - 1], 0) + 1 FOR p_ends[g] - coalesce(p_ends[g - 1], 0))
                    FROM generate_series(p + 1, v_nnew - s) g ORDER BY g));
        INSERT INTO tarbox.chunkmap (tenant_id, ino, pos, born, died, hash, nbytes, nlines)
        SELECT c.tenant_id, p_ino, v_newpos[g - p], c.head, 2147483647, n_hash[g],
               p_ends[g] - coalesce(p_ends[g - 1], 0), p_lines[g]
          FROM generate_series(p + 1, v_nnew - s) g;
    END IF;
    v_start := CASE WHEN p = 0 THEN 0 ELSE p_ends[p] END;
    v_new_mid := substring(p_data FROM v_start + 1
                           FOR CASE WHEN v_nnew - s = 0 THEN 0 ELSE p_ends[v_nnew - s] END - v_start);
    IF octet_length(v_old_mid) = 0 THEN
        -- nothing replaced: every new line is added (what difflib says, without the call)
        v_stats := ARRAY[coalesce((SELECT sum(p_lines[g]) FROM generate_series(p + 1, v_nnew - s) g), 0)::int, 0];
    ELSIF substring(v_new_mid FROM 1 FOR octet_length(v_old_mid)) = v_old_mid THEN
        -- an append: the lines after the old ones are added, none deleted; a last line the
        -- append completes is not counted as changed, so that a file written in pieces (its
        -- first write stored as text by tarbox._text_first_write, the rest re-chunked by its
        -- release) counts each of its lines once
        v_stats := ARRAY[(coalesce((SELECT sum(p_lines[g]) FROM generate_series(p + 1, v_nnew - s) g), 0)
                          - coalesce((SELECT sum(o_nl[g]) FROM generate_series(p + 1, v_nold - s) g), 0))::int, 0];
    ELSE
        v_stats := tarbox._line_stats(v_old_mid, v_new_mid);
    END IF;
    v_blocks := tarbox._blockmap_cut(c.tenant_id, c.head, p_ino, 0);
    PERFORM tarbox._inode_cow(c.tenant_id, c.head, p_ino);
    UPDATE tarbox.inode i
       SET text_bytes = i.size,
           text_lines = i.text_lines - v_old_lines + coalesce((SELECT sum(x) FROM unnest(p_lines) x), 0),
           stored = i.stored - v_blocks - v_old_bytes + octet_length(p_data)
     WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647;
    PERFORM tarbox._audit_lines(v_stats);  -- for the audit record of the running call
    RETURN v_stats;
END
$$;
ALTER FUNCTION tarbox._text_commit(tarbox._context, bigint, numeric, bytea, int[], int[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_commit(tarbox._context, bigint, numeric, bytea, int[], int[]) FROM PUBLIC;
