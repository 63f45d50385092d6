-- tarbox.remote_upload_complete: audited entry point of tarbox._do_remote_upload_complete (op
-- write, level standard): the upload becomes visible here, so this is where it is recorded,
-- with the bytes of the whole file and the session in the details (the chunk PUTs before it
-- only stage data in a hidden inode, and tarbox.remote_upload_start/chunks/abort change nothing
-- a reader of the tree can see).
CREATE OR REPLACE FUNCTION tarbox.remote_upload_complete(p_token text, p_session bigint, p_path bytea, p_size bigint,
                                                         p_sha256 text, p_chunk_count int)
RETURNS tarbox.entry
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('write', 2, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
    r tarbox.entry;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_remote_upload_complete(p_token, p_session, p_path, p_size, p_sha256, p_chunk_count);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb)
                  || jsonb_build_object('upload_session', p_session, 'chunks', p_chunk_count, 'truncate', true);
    IF au.catch THEN
        BEGIN
            r := tarbox._do_remote_upload_complete(p_token, p_session, p_path, p_size, p_sha256, p_chunk_count);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_remote_upload_complete(p_token, p_session, p_path, p_size, p_sha256, p_chunk_count);
    END IF;
    PERFORM tarbox._audit_ok(au, p_size);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.remote_upload_complete(text, bigint, bytea, bigint, text, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_upload_complete(text, bigint, bytea, bigint, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_upload_complete(text, bigint, bytea, bigint, text, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_upload_complete(text, bigint, bytea, bigint, text, int) IS
'Audit: recorded as operation write at level standard and above (tarbox.audit_log), with the file''s size as bytes and the session in the details. With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.remote_upload_complete(text, bigint, bytea, bigint, text, int)', 'tarbox._do_remote_upload_complete(text, bigint, bytea, bigint, text, int)');
