-- tarbox.remote_read: audited entry point of tarbox._do_remote_read (op read, level full).
CREATE OR REPLACE FUNCTION tarbox.remote_read(p_path bytea, p_offset bigint DEFAULT 0, p_length bigint DEFAULT NULL,
                                              p_layer text DEFAULT NULL, p_if_match text[] DEFAULT NULL,
                                              OUT data bytea, OUT offset_ bigint, OUT size bigint, OUT etag text,
                                              OUT mtime_ns bigint, OUT mode int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('read', 3, NULL, NULL, NULL, NULL),
                                                 tarbox._audit_text(p_path));
BEGIN
    IF au.op IS NULL THEN
        SELECT * INTO data, offset_, size, etag, mtime_ns, mode
          FROM tarbox._do_remote_read(p_path, p_offset, p_length, p_layer, p_if_match);
        RETURN;
    END IF;
    IF coalesce(p_offset, 0) <> 0 THEN
        au.details := jsonb_build_object('offset', p_offset);
    END IF;
    IF au.catch THEN
        BEGIN
            SELECT * INTO data, offset_, size, etag, mtime_ns, mode
              FROM tarbox._do_remote_read(p_path, p_offset, p_length, p_layer, p_if_match);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        SELECT * INTO data, offset_, size, etag, mtime_ns, mode
          FROM tarbox._do_remote_read(p_path, p_offset, p_length, p_layer, p_if_match);
    END IF;
    PERFORM tarbox._audit_ok(au, octet_length(data));
END
$$;
ALTER FUNCTION tarbox.remote_read(bytea, bigint, bigint, text, text[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_read(bytea, bigint, bigint, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_read(bytea, bigint, bigint, text, text[]) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_read(bytea, bigint, bigint, text, text[]) IS
'Audit: recorded as operation read at level full, one record per call, with the bytes returned (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.remote_read(bytea, bigint, bigint, text, text[])', 'tarbox._do_remote_read(bytea, bigint, bigint, text, text[])');  -- the operation's reference first
