-- tarbox._truncate(ctx, ino, size, always): set a regular file's size (bytes) in the head layer.
-- Shrinking ends the chunk and block mappings past the new end and trims the block that holds
-- it (a cut inside the text part first moves the cut chunk's remaining bytes into the block
-- part: tarbox._text_spill), so a later extension reads zeros there; growing only changes the
-- size (the new range is a hole and stores nothing). mtime/ctime are updated when the size
-- changes, or always with p_always (open(2) with O_TRUNC marks them even on an empty file).
-- Caller holds the inode lock.
-- Errors: EINVAL (negative size, not a regular file), EFBIG (over 16 TiB), ENOENT.
CREATE OR REPLACE FUNCTION tarbox._truncate(c tarbox._context, p_ino bigint, p_size bigint, p_always boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v tarbox.inode := tarbox._inode_at(c.tenant_id, p_ino, c.head);
    v_keep int;
    v_rel bigint;
    v_data bytea;
    v_delta bigint := 0;
    v_cut record;
BEGIN
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    ELSIF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('inode %s is a directory', p_ino));
    ELSIF (v.mode & 61440) <> 32768 THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s is not a regular file', p_ino));
    ELSIF p_size IS NULL OR p_size < 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid size %s', p_size));
    ELSIF p_size > 17592186044416 THEN
        PERFORM tarbox._raise('EFBIG', format('size %s exceeds the 16 TiB file size limit', p_size));
    END IF;
    IF p_size = v.size AND NOT p_always THEN
        RETURN;
    END IF;
    IF p_size < v.size THEN
        IF p_size = 0 THEN
            v_cut := tarbox._chunkmap_cut(c.tenant_id, c.head, p_ino, NULL, NULL);
            v_delta := - v_cut.nbytes - tarbox._blockmap_cut(c.tenant_id, c.head, p_ino, 0);
            PERFORM tarbox._inode_cow(c.tenant_id, c.head, p_ino);
            UPDATE tarbox.inode i SET text_bytes = 0, text_lines = 0
             WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647;
        ELSIF p_size < v.text_bytes THEN
            PERFORM tarbox._text_spill(c, p_ino, p_size, p_size);
        ELSE
            v_rel := p_size - v.text_bytes;
            v_delta := - tarbox._blockmap_cut(c.tenant_id, c.head, p_ino, (v_rel + 65535) / 65536);
            v_keep := (v_rel % 65536)::int;
            IF v_keep > 0 THEN
                SELECT (SELECT b.data FROM tarbox.block b WHERE b.tenant_id = c.tenant_id AND b.hash = m.hash)
                  INTO v_data
                  FROM tarbox.blockmap m
                 WHERE m.tenant_id = c.tenant_id AND m.ino = p_ino AND m.blkno = v_rel / 65536
                   AND m.died = 2147483647;
                IF octet_length(v_data) > v_keep THEN
                    v_data := rtrim(substring(v_data FROM 1 FOR v_keep), '\x00'::bytea);
                    v_delta := v_delta + tarbox._blockmap_put(c.tenant_id, c.head, p_ino, v_rel / 65536,
                        CASE WHEN v_data = ''::bytea THEN NULL ELSE tarbox._block_store(c.tenant_id, v_data) END,
                        octet_length(v_data));
                END IF;
            END IF;
        END IF;
    END IF;
    PERFORM tarbox._inode_cow(c.tenant_id, c.head, p_ino);
    UPDATE tarbox.inode i SET size = p_size, mtime_ns = tarbox._now_ns(), ctime_ns = tarbox._now_ns(),
                              stored = i.stored + v_delta
     WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647;
    PERFORM tarbox._notify(c.tenant_id, p_ino, NULL, NULL);
END
$$;
ALTER FUNCTION tarbox._truncate(tarbox._context, bigint, bigint, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._truncate(tarbox._context, bigint, bigint, boolean) FROM PUBLIC;
