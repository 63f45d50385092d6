CREATE OR REPLACE FUNCTION tarbox.remote_upload_chunks(p_token text, p_session bigint, p_chunks jsonb,
                                                       OUT secret text, OUT expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    k record := tarbox._caller_token(c, p_token);
    l record := tarbox._upload_limits();
    s tarbox.upload_session;
    j jsonb;
    v_n int;
    v_i int := 0;
    v_pos bigint := 0;
    v_off bigint;
    v_size bigint;
BEGIN
    SELECT * INTO s FROM tarbox.upload_session x
     WHERE x.tenant_id = c.tenant_id AND x.session_id = p_session AND x.token_id = k.token_id
       AND x.expires_at > now()
       FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no open upload session %s of this token', p_session));
    ELSIF s.hash IS NOT NULL THEN
        PERFORM tarbox._raise('EEXIST', format('upload session %s already has its chunks', p_session));
    END IF;
    IF p_chunks IS NULL OR jsonb_typeof(p_chunks) <> 'array' THEN
        PERFORM tarbox._raise('EINVAL', 'chunks must be a JSON array');
    END IF;
    v_n := jsonb_array_length(p_chunks);
    IF v_n > l.max_chunks THEN
        PERFORM tarbox._raise('EFBIG', format('%s chunks (at most %s)', v_n, l.max_chunks));
    ELSIF v_n = 0 AND s.size > 0 THEN
        PERFORM tarbox._raise('EINVAL', format('no chunks for %s bytes', s.size));
    END IF;
    -- the chunks, in index order, must tile [0, size) exactly, each at most chunk_size bytes
    FOR j IN SELECT x FROM jsonb_array_elements(p_chunks) x
              ORDER BY CASE WHEN jsonb_typeof(x -> 'chunkIndex') = 'number' THEN (x ->> 'chunkIndex')::numeric END LOOP
        IF jsonb_typeof(j) <> 'object' OR jsonb_typeof(j -> 'chunkIndex') <> 'number'
           OR jsonb_typeof(j -> 'offsetBytes') <> 'number' OR jsonb_typeof(j -> 'sizeBytes') <> 'number'
           OR jsonb_typeof(j -> 'chunkSha256') <> 'string' THEN
            PERFORM tarbox._raise('EINVAL', 'each chunk is {chunkIndex, offsetBytes, sizeBytes, chunkSha256}');
        END IF;
        IF (j ->> 'chunkIndex') <> v_i::text THEN
            PERFORM tarbox._raise('EINVAL', format('chunk indexes must be 0 to %s, each once (found %s)', v_n - 1, j ->> 'chunkIndex'));
        END IF;
        IF (j ->> 'offsetBytes') !~ '^[0-9]{1,17}$' OR (j ->> 'sizeBytes') !~ '^[0-9]{1,17}$' THEN
            PERFORM tarbox._raise('EINVAL', format('chunk %s: offsetBytes and sizeBytes must be whole numbers', v_i));
        END IF;
        v_off := (j ->> 'offsetBytes')::bigint;
        v_size := (j ->> 'sizeBytes')::bigint;
        IF v_off <> v_pos THEN
            PERFORM tarbox._raise('EINVAL', format('chunk %s starts at byte %s, expected %s (chunks must follow each other)', v_i, v_off, v_pos));
        ELSIF v_size < 1 OR v_size > s.chunk_size THEN
            PERFORM tarbox._raise('EINVAL', format('chunk %s has %s bytes (1 to %s allowed)', v_i, v_size, s.chunk_size));
        ELSIF v_off + v_size > s.size THEN
            PERFORM tarbox._raise('EINVAL', format('chunk %s ends at byte %s, past the session''s size %s', v_i, v_off + v_size, s.size));
        ELSIF (j ->> 'chunkSha256') !~ '^[0-9a-f]{64}$' THEN
            PERFORM tarbox._raise('EINVAL', format('chunk %s: chunkSha256 must be 64 lowercase hex digits', v_i));
        END IF;
        INSERT INTO tarbox.upload_chunk (tenant_id, session_id, chunk_index, offset_, size, sha256)
        VALUES (c.tenant_id, s.session_id, v_i, v_off, v_size, j ->> 'chunkSha256');
        v_pos := v_off + v_size;
        v_i := v_i + 1;
    END LOOP;
    IF v_pos <> s.size THEN
        PERFORM tarbox._raise('EINVAL', format('the chunks cover %s bytes, the session %s', v_pos, s.size));
    END IF;
    secret := tarbox._capability_new('tbu', c.tenant_id);
    expires_at := s.expires_at;
    UPDATE tarbox.upload_session x SET hash = sha256(convert_to(secret, 'UTF8')), chunk_count = v_n
     WHERE x.tenant_id = c.tenant_id AND x.session_id = s.session_id;
END
$$;
ALTER FUNCTION tarbox.remote_upload_chunks(text, bigint, jsonb) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_upload_chunks(text, bigint, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_upload_chunks(text, bigint, jsonb) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_upload_chunks(text, bigint, jsonb) IS
'Remote API (POST /fs/upload-session/chunks). Describe the chunks of upload session p_session (of bearer token p_token, text): p_chunks is a JSON array of {chunkIndex, offsetBytes, sizeBytes, chunkSha256} whose indexes are 0..n-1 and whose byte ranges, in index order, cover the session''s size exactly, each 1 to chunk_size bytes, with the SHA-256 (64 lowercase hex digits) each must have. Once per session. Returns (secret, expires_at): the capability (tbu_<tenant>_<64 hex>, shown only here, its SHA-256 stored) with which the chunks are sent without the bearer token (tarbox.remote_upload_write), valid while the session is. Errors: EACCES (TX013) p_token is not a live token of the caller, ENOENT (TX002) no open session of this token, EEXIST (TX017) chunks already described, EINVAL (TX022) malformed or inconsistent chunks, EFBIG (TX027) more than 65536 chunks.';
