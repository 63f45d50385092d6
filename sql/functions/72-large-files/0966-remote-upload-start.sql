CREATE OR REPLACE FUNCTION tarbox.remote_upload_start(p_token text, p_path bytea, p_size bigint, p_sha256 text,
                                                      OUT session_id bigint, OUT chunk_size bigint,
                                                      OUT expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    k record := tarbox._caller_token(c, p_token);
    l record := tarbox._upload_limits();
    v_ino bigint;
BEGIN
    IF p_size IS NULL OR p_size < 0 OR p_size > 17592186044416 THEN
        PERFORM tarbox._raise(CASE WHEN p_size > 0 THEN 'EFBIG' ELSE 'EINVAL' END,
                              format('invalid size %s (0 to 16 TiB)', p_size));
    ELSIF p_sha256 IS NULL OR p_sha256 !~ '^[0-9a-f]{64}$' THEN
        PERFORM tarbox._raise('EINVAL', 'contentSha256 must be 64 lowercase hex digits');
    ELSIF (p_size + l.chunk_size - 1) / l.chunk_size > l.max_chunks THEN
        PERFORM tarbox._raise('EFBIG', format('%s bytes need more than %s chunks of %s bytes', p_size, l.max_chunks, l.chunk_size));
    END IF;
    -- where the file will go: checked now so that the client fails before it sends any data,
    -- and again by tarbox.remote_upload_complete, in a copy-on-write composition too
    PERFORM tarbox._upload_target(c, p_path);
    PERFORM tarbox._upload_expire(c.tenant_id, c.head);
    IF (SELECT count(*) FROM tarbox.upload_session s WHERE s.tenant_id = c.tenant_id) >= l.max_sessions THEN
        PERFORM tarbox._raise('EMFILE', format('this tenant already has %s open upload sessions; complete them or wait until they expire (%s)',
                                               l.max_sessions, l.session_ttl));
    END IF;
    -- the inode complete links at the path (a regular file with no entry and no link: lookup
    -- and readdir never see it); each chunk is staged in an inode of its own (migration 0150)
    v_ino := tarbox._upload_staging_new(c);
    chunk_size := l.chunk_size;
    expires_at := least(now() + l.session_ttl, k.expires_at);
    INSERT INTO tarbox.upload_session AS s (tenant_id, token_id, path, size, sha256, chunk_size, layer_id, ino, expires_at)
    VALUES (c.tenant_id, k.token_id, p_path, p_size, p_sha256, l.chunk_size, c.head, v_ino, expires_at)
    RETURNING s.session_id INTO session_id;
END
$$;
ALTER FUNCTION tarbox.remote_upload_start(text, bytea, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_upload_start(text, bytea, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_upload_start(text, bytea, bigint, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_upload_start(text, bytea, bigint, text) IS
'Remote API (POST /fs/upload-session/start). Open an upload session for a file of p_size bytes whose SHA-256 is p_sha256 (64 lowercase hex digits), to be placed at absolute path p_path (bytes; links followed) by tarbox.remote_upload_complete; p_token is the caller''s bearer token (text), to which the session is tied. The file is made now as an inode with no directory entry and no link (invisible to lookup and readdir; one inode of the tenant''s usage and quota), empty until completion; each chunk is staged in an inode of its own, made by its first PUT (tarbox.remote_upload_write). The target is checked now as at completion (tarbox._upload_target): its directory must exist, an existing target must be a writable regular file; in a copy-on-write composition the file goes into the caller''s copy at completion, a read-only one is EROFS. Returns (session_id, chunk_size (bytes, 16 MiB), expires_at (1 hour, or the token''s expiry if sooner)). At most 8 open sessions per tenant; expired sessions and those of revoked tokens are dropped here and by tarbox.gc. Errors: EACCES (TX013) p_token is not a live token of the caller, or the target is read-only, ENOENT (TX002) missing directory, EISDIR (TX021), EINVAL (TX022) bad size, hash or target type, EFBIG (TX027) over 16 TiB or 65536 chunks, EMFILE (TX024) too many open sessions, EDQUOT (TX122) inode quota, ENAMETOOLONG (TX036), EROFS (TX030) historical layer or read-only composition.';
