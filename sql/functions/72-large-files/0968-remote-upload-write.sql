CREATE OR REPLACE FUNCTION tarbox.remote_upload_write(p_secret text, p_index int, p_pos bigint, p_data bytea,
                                                      p_last boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    s tarbox.upload_session;
    u tarbox.upload_chunk;
    v tarbox.inode;
    v_n bigint := coalesce(octet_length(p_data), 0);
    v_hash text;
BEGIN
    SELECT * INTO s FROM tarbox.upload_session x
     WHERE x.tenant_id = c.tenant_id AND x.hash = sha256(convert_to(coalesce(p_secret, ''), 'UTF8'))
       AND x.expires_at > now();
    IF NOT FOUND THEN
        PERFORM tarbox._raise('EACCES', 'unknown or expired upload URL');
    ELSIF s.layer_id <> c.head THEN
        PERFORM tarbox._raise('ESTALE', format('the tenant''s newest layer changed during upload session %s; start again', s.session_id));
    END IF;
    -- the chunk's row lock serialises two PUTs of one chunk (lock order: chunk, then its staging
    -- inode); PUTs of different chunks share no lock: each chunk has a staging inode of its own
    SELECT * INTO u FROM tarbox.upload_chunk x
     WHERE x.tenant_id = c.tenant_id AND x.session_id = s.session_id AND x.chunk_index = p_index
       FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('upload session %s has no chunk %s', s.session_id, p_index));
    END IF;
    IF p_pos IS NULL OR (p_pos <> 0 AND p_pos <> u.received) THEN
        PERFORM tarbox._raise('EINVAL', format('chunk %s: piece at byte %s, expected %s', p_index, p_pos, u.received));
    ELSIF p_pos + v_n > u.size THEN
        PERFORM tarbox._raise('EFBIG', format('chunk %s is %s bytes; this body is longer', p_index, u.size));
    END IF;
    IF v_n > 0 THEN
        IF u.ino IS NULL THEN  -- the chunk's first piece: its staging inode (migration 0150)
            u.ino := tarbox._upload_staging_new(c);
        END IF;
        -- at the chunk's place in the file: its blocks have their final numbers (and blocks
        -- they stay: never text, whose map rows complete could not move)
        PERFORM tarbox._write(c, u.ino, u.offset_ + p_pos, p_data, false, false);
    END IF;
    u.received := p_pos + v_n;
    u.done := false;
    IF p_last THEN
        IF u.received <> u.size THEN
            PERFORM tarbox._raise('EINVAL', format('chunk %s is %s bytes; the body had %s', p_index, u.size, u.received));
        END IF;
        -- what was stored is what the client hashed: read the chunk back and hash it
        v := tarbox._inode_at(c.tenant_id, u.ino, c.head);
        v_hash := encode(sha256(tarbox._read(c.tenant_id, c.head, v, u.offset_, u.size)), 'hex');
        IF v_hash <> u.sha256 THEN
            PERFORM tarbox._raise('EINVAL', format('chunk %s has SHA-256 %s, the session announced %s', p_index, v_hash, u.sha256));
        END IF;
        u.done := true;
    END IF;
    UPDATE tarbox.upload_chunk x SET received = u.received, done = u.done, ino = u.ino
     WHERE x.tenant_id = c.tenant_id AND x.session_id = s.session_id AND x.chunk_index = p_index;
    RETURN u.received;
END
$$;
ALTER FUNCTION tarbox.remote_upload_write(text, int, bigint, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_upload_write(text, int, bigint, bytea, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_upload_write(text, int, bigint, bytea, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_upload_write(text, int, bigint, bytea, boolean) IS
'Remote API (PUT of a chunk URL). Write piece p_data of chunk p_index of the upload session whose chunk capability is p_secret (from tarbox.remote_upload_chunks) into the chunk''s own staging inode (made by the chunk''s first piece: a regular file with no entry, the chunk''s bytes at their offset in the file; see migration 0150), under that chunk''s row lock and that inode''s lock only, so that PUTs of different chunks of one session run at the same time and two PUTs of one chunk one after the other: p_pos is the piece''s byte offset within the chunk (0 starts the chunk again; otherwise where the previous piece of the same transaction ended), at most 16 MiB per call; p_last marks the last piece: the chunk must then have exactly its announced size, and its stored bytes, read back, must have its announced SHA-256, else the call fails and the transaction (the whole PUT) rolls back. Returns the bytes of the chunk received so far. Errors: EACCES (TX013) unknown or expired capability (or another tenant''s), ENOENT (TX002) no such chunk, EINVAL (TX022) piece out of order, size or SHA-256 mismatch, EFBIG (TX027) more bytes than the chunk has, ESTALE (TX116) the newest layer changed since the session started, EDQUOT (TX122) byte quota, or inode quota (each chunk''s staging inode is one of the tenant''s inodes until the session ends).';
