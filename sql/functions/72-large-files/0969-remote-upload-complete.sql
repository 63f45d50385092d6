CREATE OR REPLACE FUNCTION tarbox._do_remote_upload_complete(p_token text, p_session bigint, p_path bytea, p_size bigint,
                                                             p_sha256 text, p_chunk_count int)
RETURNS tarbox.entry
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    k record := tarbox._caller_token(c, p_token);
    s tarbox.upload_session;
    r tarbox._resolved;
    t record;  -- where the file goes (tarbox._upload_target)
    e tarbox.entry;
    v tarbox.inode;
    w tarbox.inode;
    ch tarbox.upload_chunk;
    v_missing int;
    v_sha text;
    v_end bigint;
    v_first bigint;
    v_last bigint;
    v_from bigint;
    v_to bigint;
    v_moved bigint;
    v_stored bigint := 0;
    v_blk bigint;
    v_buf bytea;
BEGIN
    SELECT * INTO s FROM tarbox.upload_session x
     WHERE x.tenant_id = c.tenant_id AND x.session_id = p_session AND x.token_id = k.token_id
       AND x.expires_at > now()
       FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no open upload session %s of this token', p_session));
    ELSIF s.layer_id <> c.head THEN
        PERFORM tarbox._raise('ESTALE', format('the tenant''s newest layer changed during upload session %s; start again', p_session));
    ELSIF p_path IS DISTINCT FROM s.path THEN
        PERFORM tarbox._raise('EINVAL', format('upload session %s is for %s, not %s', p_session,
                                               tarbox._name_text(s.path), tarbox._name_text(p_path)));
    ELSIF p_size IS DISTINCT FROM s.size OR p_sha256 IS DISTINCT FROM s.sha256 THEN
        PERFORM tarbox._raise('EINVAL', format('upload session %s was started for %s bytes with SHA-256 %s', p_session, s.size, s.sha256));
    ELSIF s.chunk_count IS NULL THEN
        PERFORM tarbox._raise('EINVAL', format('upload session %s has no chunks described yet', p_session));
    ELSIF p_chunk_count IS DISTINCT FROM s.chunk_count THEN
        PERFORM tarbox._raise('EINVAL', format('upload session %s has %s chunks, not %s', p_session, s.chunk_count, p_chunk_count));
    END IF;
    -- the chunks' row locks: a PUT of a chunk in flight (sending it again) ends first, and no
    -- new one starts (lock order: session, chunks, then inodes, as tarbox.remote_upload_write)
    PERFORM 1 FROM tarbox.upload_chunk x
     WHERE x.tenant_id = c.tenant_id AND x.session_id = s.session_id
     ORDER BY x.chunk_index
       FOR UPDATE;
    SELECT min(x.chunk_index) INTO v_missing FROM tarbox.upload_chunk x
     WHERE x.tenant_id = c.tenant_id AND x.session_id = s.session_id AND NOT x.done;
    IF v_missing IS NOT NULL THEN
        PERFORM tarbox._raise('EINVAL', format('chunk %s of upload session %s has not arrived whole', v_missing, p_session));
    END IF;
    -- lock order: the parent, the replaced file, then the session's inode and the chunks'
    -- staging inodes (parents first, then by inode number); in a copy-on-write composition
    -- the parent is the caller's copy of the directory (tarbox._cow_place)
    t := tarbox._upload_target(c, p_path);
    IF t.compose IS NOT NULL THEN
        r := tarbox._cow_place(c, t.compose, t.parent, t.name);
    ELSE
        r := ROW(t.parent, t.name, t.ino)::tarbox._resolved;
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, r.parent);
    r.ino := tarbox._dentry_at(c.tenant_id, r.parent, r.name, c.head);  -- again, under the lock
    IF r.ino IS NOT NULL THEN
        PERFORM tarbox._lock_inode(c.tenant_id, r.ino);
        e := tarbox._entry_at(c.tenant_id, r.ino, c.head, r.name);
        IF e.type = 'dir' THEN
            PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_path)));
        ELSIF e.type <> 'file' THEN
            PERFORM tarbox._raise('EINVAL', format('%s is not a regular file', tarbox._name_text(p_path)));
        ELSIF (e.mode & 146) = 0 THEN
            PERFORM tarbox._raise('EACCES', format('%s is read-only (no write permission bit); chmod it first',
                                                   tarbox._name_text(p_path)));
        END IF;
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, s.ino);
    PERFORM tarbox._lock_inode(c.tenant_id, x.ino) FROM tarbox.upload_chunk x
      WHERE x.tenant_id = c.tenant_id AND x.session_id = s.session_id ORDER BY x.ino;
    v := tarbox._inode_at(c.tenant_id, s.ino, c.head);
    IF v.ino IS NULL OR v.nlink <> 0 THEN
        PERFORM tarbox._raise('ENOENT', format('the staged data of upload session %s is gone', p_session));
    ELSIF v.size <> 0 THEN  -- written to by inode number: not what the chunks hold
        PERFORM tarbox._truncate(c, s.ino, 0);
    END IF;
    -- Splice the chunks into the session's inode, in order (migration 0150): every block that
    -- lies wholly in one chunk moves from the chunk's staging inode as it is (its block-map
    -- row changes inode; no data is read or copied); the bytes of a block that two chunks
    -- share (a chunk that does not start on a 64 KiB boundary) are gathered from the chunks
    -- and stored as one block. The chunk inodes hold their bytes at their offsets in the file,
    -- so the block numbers stay.
    FOR ch IN SELECT * FROM tarbox.upload_chunk x
              WHERE x.tenant_id = c.tenant_id AND x.session_id = s.session_id ORDER BY x.chunk_index LOOP
        w := tarbox._inode_at(c.tenant_id, ch.ino, c.head);
        v_end := ch.offset_ + ch.size;
        IF w.ino IS NULL OR w.nlink <> 0 OR (w.mode & 61440) <> 32768 THEN
            PERFORM tarbox._raise('ENOENT', format('the staged data of chunk %s of upload session %s is gone', ch.chunk_index, p_session));
        ELSIF w.size <> v_end OR w.text_bytes <> 0 THEN
            PERFORM tarbox._raise('EINVAL', format('chunk %s of upload session %s staged %s bytes, not %s',
                                                   ch.chunk_index, p_session, w.size - ch.offset_, ch.size));
        END IF;
        -- blocks [v_first, v_last) lie wholly in this chunk (the file's last block ends at its end)
        v_first := (ch.offset_ + 65535) / 65536;
        v_last := CASE WHEN v_end = s.size THEN (v_end + 65535) / 65536 ELSE v_end / 65536 END;
        IF v_last > v_first THEN
            WITH moved AS (
                UPDATE tarbox.blockmap m SET ino = s.ino
                 WHERE m.tenant_id = c.tenant_id AND m.ino = ch.ino AND m.died = 2147483647 AND m.born = c.head
                   AND m.blkno >= v_first AND m.blkno < v_last
                RETURNING m.hash)
            SELECT coalesce(sum((SELECT octet_length(b.data) FROM tarbox.block b
                                  WHERE b.tenant_id = c.tenant_id AND b.hash = moved.hash)), 0)
              INTO v_moved FROM moved;
            UPDATE tarbox.inode i SET stored = i.stored - v_moved
             WHERE i.tenant_id = c.tenant_id AND i.ino = ch.ino AND i.died = 2147483647;
            v_stored := v_stored + v_moved;
        END IF;
        -- the chunk's bytes outside those blocks: before block v_first, and from block
        -- greatest(v_first, v_last) on; each joins the block being gathered or starts the next
        FOR v_from, v_to IN VALUES (ch.offset_, least(v_end, v_first * 65536)),
                                   (greatest(ch.offset_, greatest(v_first, v_last) * 65536), v_end) LOOP
            CONTINUE WHEN v_to <= v_from;
            IF v_blk IS NOT NULL AND v_blk <> v_from / 65536 THEN
                v_stored := v_stored + tarbox._upload_block_put(c, s.ino, v_blk, v_buf);
                v_blk := NULL;
            END IF;
            v_buf := CASE WHEN v_blk IS NULL THEN ''::bytea ELSE v_buf END
                     || tarbox._read(c.tenant_id, c.head, w, v_from, v_to - v_from);
            v_blk := v_from / 65536;
        END LOOP;
    END LOOP;
    IF v_blk IS NOT NULL THEN
        v_stored := v_stored + tarbox._upload_block_put(c, s.ino, v_blk, v_buf);
    END IF;
    UPDATE tarbox.inode i SET size = s.size, stored = i.stored + v_stored,
                              mtime_ns = tarbox._now_ns(), ctime_ns = tarbox._now_ns()
     WHERE i.tenant_id = c.tenant_id AND i.ino = s.ino AND i.died = 2147483647;
    -- the chunk hashes were the client's own: the whole file must also have the SHA-256 the
    -- session was started with (hashed from the stored blocks, 16 MiB at a time); on a
    -- mismatch the error rolls the splice back with everything else
    v_sha := encode(tarbox._file_sha256(c.tenant_id, c.head, s.ino), 'hex');
    IF v_sha IS DISTINCT FROM s.sha256 THEN
        PERFORM tarbox._raise('EINVAL', format('upload session %s: the file staged has SHA-256 %s, the session was started with %s; nothing was changed',
                                               p_session, v_sha, s.sha256));
    END IF;
    -- the chunks' staging inodes, emptied (what is left of them: the bytes of shared blocks,
    -- now gathered into the file), go (left to tarbox.purge_orphans, empty, while another
    -- mount of the tenant runs)
    FOR ch IN SELECT * FROM tarbox.upload_chunk x
              WHERE x.tenant_id = c.tenant_id AND x.session_id = s.session_id ORDER BY x.ino LOOP
        v_moved := tarbox._blockmap_cut(c.tenant_id, c.head, ch.ino, 0);
        UPDATE tarbox.inode i SET size = 0, stored = i.stored - v_moved
         WHERE i.tenant_id = c.tenant_id AND i.ino = ch.ino AND i.died = 2147483647;
        PERFORM tarbox._purge(c.tenant_id, c.head, ch.ino);
    END LOOP;
    -- the staged inode replaces the old file in one step, as rename(2) over it would
    IF r.ino IS NOT NULL THEN
        PERFORM tarbox._remove_entry(c, r.parent, r.name, false);
    ELSE
        PERFORM tarbox._check_name(r.name);
    END IF;
    PERFORM tarbox._dentry_add(c.tenant_id, c.head, r.parent, r.name, s.ino);
    PERFORM tarbox._inode_touch(c.tenant_id, c.head, s.ino, 1, false, true);
    PERFORM tarbox._inode_touch(c.tenant_id, c.head, r.parent, 0, true, true);
    PERFORM tarbox._notify(c.tenant_id, NULL, r.parent, r.name);
    IF r.ino IS NOT NULL THEN
        PERFORM tarbox._purge(c.tenant_id, c.head, r.ino);
    END IF;
    IF EXISTS (SELECT 1 FROM tarbox.inode i
                WHERE i.tenant_id = c.tenant_id AND i.ino = s.ino AND i.died = 2147483647
                  AND i.text_bytes < i.size) THEN
        PERFORM tarbox._text_rechunk(c, s.ino);  -- as tarbox.remote_write does for its last chunk
    END IF;
    DELETE FROM tarbox.upload_session x WHERE x.tenant_id = c.tenant_id AND x.session_id = s.session_id;
    RETURN tarbox._entry_at(c.tenant_id, s.ino, c.head, r.name);
END
$$;
ALTER FUNCTION tarbox._do_remote_upload_complete(text, bigint, bytea, bigint, text, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_remote_upload_complete(text, bigint, bytea, bigint, text, int) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_remote_upload_complete(text, bigint, bytea, bigint, text, int) IS
'Remote API (POST /fs/upload-session/complete). Complete upload session p_session of bearer token p_token (text): p_path (bytes), p_size, p_sha256 and p_chunk_count must be what the session was started and described with, and every chunk must have arrived whole with its announced SHA-256 (tarbox.remote_upload_write). In one transaction the chunks, each staged in an inode of its own, are spliced into the session''s inode in index order (the block-map rows of every 64 KiB block that lies wholly in one chunk move to it, no data is copied; a block two chunks share is gathered from both and stored; see migration 0150), the chunks'' staging inodes are purged, and the session''s inode gets its entry at p_path (links followed), replacing an existing writable regular file as rename(2) would (readers of the path see the old file or the new one, never a part; in a copy-on-write composition the file is the caller''s own, in its copy of the directory, and hides a publisher''s file of that name, as the mount''s rename over it does), the session''s rows go, and a text file is stored as text chunks. The staged file''s bytes, hashed again as a whole in the database (16 MiB at a time), must have the SHA-256 the session was started with (the chunk hashes are the client''s own and need not agree with it). Returns the file''s tarbox.entry. Errors: EACCES (TX013) p_token not a live token of the caller, or the target is read-only, ENOENT (TX002) no open session of this token, missing directory, or staged data gone (a staging inode removed), EINVAL (TX022) arguments differ from the session''s, chunks missing, the whole file''s SHA-256 is not the announced one (nothing changes; the session stays open), target not a regular file, or a chunk''s staging inode not of the chunk''s size, EISDIR (TX021), EDQUOT (TX122) byte quota (a gathered block), ESTALE (TX116) the newest layer changed since the session started, EROFS (TX030) historical layer or read-only composition.';
