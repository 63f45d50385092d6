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
    e tarbox.entry;
    v tarbox.inode;
    v_missing int;
    v_sha text;
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
    SELECT min(u.chunk_index) INTO v_missing FROM tarbox.upload_chunk u
     WHERE u.tenant_id = c.tenant_id AND u.session_id = s.session_id AND NOT u.done;
    IF v_missing IS NOT NULL THEN
        PERFORM tarbox._raise('EINVAL', format('chunk %s of upload session %s has not arrived whole', v_missing, p_session));
    END IF;
    IF tarbox._names_dir(p_path) THEN
        PERFORM tarbox._raise('EISDIR', format('%s: a path ending in / names a directory', tarbox._name_text(p_path)));
    END IF;
    -- lock order: the parent, the replaced file, then the staged inode (parents first)
    r := tarbox._walk(c, p_path, true);
    IF r.parent IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such directory', tarbox._name_text(p_path)));
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
    v := tarbox._inode_at(c.tenant_id, s.ino, c.head);
    IF v.ino IS NULL OR v.nlink <> 0 THEN
        PERFORM tarbox._raise('ENOENT', format('the staged data of upload session %s is gone', p_session));
    ELSIF v.size <> s.size THEN
        PERFORM tarbox._raise('EINVAL', format('upload session %s staged %s bytes, not %s', p_session, v.size, s.size));
    END IF;
    -- the chunk hashes were the client's own: the whole file must also have the SHA-256 the
    -- session was started with (hashed from the stored blocks, 16 MiB at a time)
    v_sha := encode(tarbox._file_sha256(c.tenant_id, c.head, s.ino), 'hex');
    IF v_sha IS DISTINCT FROM s.sha256 THEN
        PERFORM tarbox._raise('EINVAL', format('upload session %s: the file staged has SHA-256 %s, the session was started with %s; nothing was changed',
                                               p_session, v_sha, s.sha256));
    END IF;
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
'Remote API (POST /fs/upload-session/complete). Complete upload session p_session of bearer token p_token (text): p_path (bytes), p_size, p_sha256 and p_chunk_count must be what the session was started and described with, and every chunk must have arrived whole with its announced SHA-256 (tarbox.remote_upload_write). In one transaction the staged inode gets its entry at p_path (links followed), replacing an existing writable regular file as rename(2) would (readers of the path see the old file or the new one, never a part), the session''s rows go, and a text file is stored as text chunks. The staged file''s bytes, hashed again as a whole in the database (16 MiB at a time), must have the SHA-256 the session was started with (the chunk hashes are the client''s own and need not agree with it). Returns the file''s tarbox.entry. Errors: EACCES (TX013) p_token not a live token of the caller, or the target is read-only, ENOENT (TX002) no open session of this token or missing directory, EINVAL (TX022) arguments differ from the session''s, chunks missing, the whole file''s SHA-256 is not the announced one (nothing changes; the session stays open), target not a regular file, EISDIR (TX021), ESTALE (TX116) the newest layer changed since the session started, EROFS (TX030) historical layer.';
