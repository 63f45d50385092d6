DROP FUNCTION IF EXISTS tarbox._write(tarbox._context, bigint, bigint, bytea, boolean);
-- tarbox._write(ctx, ino, offset, data, append, text): write bytes into a regular file at an offset
-- (bytes; with append, at the current end, read under the inode lock so concurrent appends never
-- overlap). Writes go to the file's block part: only the 64 KiB blocks the range touches are
-- rewritten (a block rewritten in the layer it was born in releases its old content at once),
-- trailing zeros of a block are not stored and an all-zero block is a hole; a gap past the old
-- end becomes a hole. The first write of text to an empty file is stored as text chunks at
-- once (tarbox._text_first_write), unless `text` is false (an upload chunk's staging inode,
-- whose block-map rows tarbox.remote_upload_complete moves into the file). A write into the
-- text part first moves the text from the chunk it lands in to the end into the block part
-- (tarbox._text_spill); appends never touch the text part. A block part is cut into chunks when the file is released (tarbox.fs_release).
-- Updates size, mtime, ctime and stored. Takes the inode lock.
-- Errors: ENOENT, EISDIR, EINVAL (not a regular file, negative offset), EFBIG, EDQUOT.
CREATE OR REPLACE FUNCTION tarbox._write(c tarbox._context, p_ino bigint, p_offset bigint,
                                         p_data bytea, p_append boolean, p_text boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v tarbox.inode;
    v_off bigint := p_offset;
    v_n bigint := coalesce(octet_length(p_data), 0);
    v_t bigint;
    v_roff bigint;
    v_b bigint;
    v_s int;
    v_from bigint;
    v_len int;
    v_new bytea;
    v_old bytea;
    v_delta bigint := 0;
    v_now bigint := tarbox._now_ns();
BEGIN
    PERFORM tarbox._lock_inode(c.tenant_id, p_ino);
    v := tarbox._inode_at(c.tenant_id, p_ino, c.head);
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    ELSIF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('inode %s is a directory', p_ino));
    ELSIF (v.mode & 61440) <> 32768 THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s is not a regular file', p_ino));
    END IF;
    IF p_append THEN
        v_off := v.size;
    END IF;
    IF v_off IS NULL OR v_off < 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid offset %s', v_off));
    ELSIF v_off + v_n > 17592186044416 THEN
        PERFORM tarbox._raise('EFBIG', 'write beyond the 16 TiB file size limit');
    END IF;
    IF v_n = 0 THEN
        RETURN 0;
    END IF;
    IF v_off = 0 AND v.size = 0 AND p_text AND tarbox._text_first_write(c, v, p_data, v_now) THEN
        PERFORM tarbox._notify(c.tenant_id, p_ino, NULL, NULL);
        RETURN v_n;
    END IF;
    IF v_off < v.text_bytes THEN
        PERFORM tarbox._text_spill(c, p_ino, v_off, v.size);
        v := tarbox._inode_at(c.tenant_id, p_ino, c.head);
    END IF;
    v_t := v.text_bytes;
    v_roff := v_off - v_t;
    -- (a FOR i IN a..b loop variable is int: block numbers past 2^31 / 65536 need bigint)
    FOR v_b IN SELECT generate_series(v_roff / 65536, (v_roff + v_n - 1) / 65536) LOOP
        v_s := greatest(v_roff - v_b * 65536, 0)::int;
        v_from := v_b * 65536 + v_s - v_roff;
        v_len := least(65536 - v_s, v_n - v_from)::int;
        IF v_s = 0 AND v_len = 65536 THEN
            v_new := substring(p_data FROM (v_from + 1)::int FOR v_len);
        ELSE
            v_old := NULL;
            SELECT (SELECT b.data FROM tarbox.block b WHERE b.tenant_id = c.tenant_id AND b.hash = m.hash)
              INTO v_old
              FROM tarbox.blockmap m
             WHERE m.tenant_id = c.tenant_id AND m.ino = p_ino AND m.blkno = v_b
               AND m.died = 2147483647;
            v_old := coalesce(v_old, ''::bytea);
            IF octet_length(v_old) < v_s THEN
                v_old := v_old || tarbox._zeros(v_s - octet_length(v_old));
            END IF;
            v_new := substring(v_old FROM 1 FOR v_s)
                     || substring(p_data FROM (v_from + 1)::int FOR v_len)
                     || substring(v_old FROM v_s + v_len + 1);
        END IF;
        v_new := rtrim(v_new, '\x00'::bytea);
        v_delta := v_delta + tarbox._blockmap_put(c.tenant_id, c.head, p_ino, v_b,
            CASE WHEN v_new = ''::bytea THEN NULL ELSE tarbox._block_store(c.tenant_id, v_new) END,
            octet_length(v_new));
    END LOOP;
    IF v.born <> c.head THEN  -- (read under the inode lock taken above: v is the live row)
        PERFORM tarbox._inode_cow(c.tenant_id, c.head, p_ino);
    END IF;
    UPDATE tarbox.inode i
       SET size = greatest(i.size, v_off + v_n), mtime_ns = v_now, ctime_ns = v_now,
           stored = i.stored + v_delta
     WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647;
    PERFORM tarbox._notify(c.tenant_id, p_ino, NULL, NULL);
    RETURN v_n;
END
$$;
ALTER FUNCTION tarbox._write(tarbox._context, bigint, bigint, bytea, boolean, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._write(tarbox._context, bigint, bigint, bytea, boolean, boolean) FROM PUBLIC;
