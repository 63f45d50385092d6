CREATE OR REPLACE FUNCTION tarbox.remote_upload_abort(p_token text, p_session bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    k record := tarbox._caller_token(c, p_token);
BEGIN
    PERFORM 1 FROM tarbox.upload_session x
     WHERE x.tenant_id = c.tenant_id AND x.session_id = p_session AND x.token_id = k.token_id
       FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no upload session %s of this token', p_session));
    END IF;
    PERFORM tarbox._upload_drop(c.tenant_id, c.head, p_session);
END
$$;
ALTER FUNCTION tarbox.remote_upload_abort(text, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_upload_abort(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_upload_abort(text, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_upload_abort(text, bigint) IS
'Remote API (DELETE /fs/upload-session/{id}). Abandon upload session p_session of bearer token p_token (text): its rows and its staged data go at once (its file and every chunk''s staging inode are purged, tarbox._upload_drop; a chunk PUT in flight ends first; while another mount of the tenant runs it is left to tarbox.purge_orphans). Errors: EACCES (TX013) p_token not a live token of the caller, ENOENT (TX002) no such session of this token.';
