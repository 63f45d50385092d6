-- tarbox._text_replace(ctx, ino, data): make `data` the whole content of a regular file, stored
-- as text chunks, when it is text within the tenant's thresholds: only the chunks that differ
-- from the file's current text (or, if it has none in this layer, from its text in the layer
-- before) are stored and mapped (tarbox._text_commit). Updates size, mtime, ctime. Returns
-- (lines added, lines deleted), or NULL, changing nothing, when data is not to be stored as text
-- (the caller writes it as binary). Caller holds the inode lock.
CREATE OR REPLACE FUNCTION tarbox._text_replace(c tarbox._context, p_ino bigint, p_data bytea)
RETURNS int[]
LANGUAGE plpgsql
AS $$
DECLARE
    v_max_bytes bigint;
    v_max_lines bigint;
    v_cut record;
    v_now bigint := tarbox._now_ns();
    v_stats int[];
BEGIN
    SELECT t.text_max_bytes, t.text_max_lines INTO v_max_bytes, v_max_lines
      FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id;
    IF octet_length(p_data) > v_max_bytes OR octet_length(p_data) = 0 THEN
        RETURN NULL;  -- (an empty file is a truncation, nothing to chunk)
    END IF;
    v_cut := tarbox._text_chunks(p_data);
    IF v_cut.ends IS NULL OR coalesce((SELECT sum(x) FROM unnest(v_cut.lines) x), 0) > v_max_lines THEN
        RETURN NULL;
    END IF;
    PERFORM tarbox._inode_cow(c.tenant_id, c.head, p_ino);
    UPDATE tarbox.inode i
       SET size = octet_length(p_data), text_bytes = least(i.text_bytes, octet_length(p_data)),
           mtime_ns = v_now, ctime_ns = v_now
     WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647;
    v_stats := tarbox._text_commit(c, p_ino, NULL, p_data, v_cut.ends, v_cut.lines);
    PERFORM tarbox._notify(c.tenant_id, p_ino, NULL, NULL);
    RETURN coalesce(v_stats, ARRAY[0, 0]);
END
$$;
ALTER FUNCTION tarbox._text_replace(tarbox._context, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_replace(tarbox._context, bigint, bytea) FROM PUBLIC;
