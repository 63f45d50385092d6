-- tarbox.remote_write: audited entry point of tarbox._do_remote_write (op write, level standard).
CREATE OR REPLACE FUNCTION tarbox.remote_write(p_path bytea, p_data bytea, p_offset bigint DEFAULT 0,
    p_truncate boolean DEFAULT false, p_final boolean DEFAULT false,
    p_create_new boolean DEFAULT false, p_if_match text[] DEFAULT NULL,
    p_if_none_match boolean DEFAULT false, p_append boolean DEFAULT false,
    p_mode int DEFAULT 420)
RETURNS tarbox.entry
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('write', 2, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
    r tarbox.entry;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_remote_write(p_path, p_data, p_offset, p_truncate, p_final, p_create_new, p_if_match, p_if_none_match, p_append, p_mode);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || jsonb_strip_nulls(jsonb_build_object('offset', CASE WHEN NOT coalesce(p_append, false) THEN p_offset END,
                                                      'append', CASE WHEN p_append THEN true END,
                                                      'truncate', CASE WHEN p_truncate THEN true END,
                                                      'create_new', CASE WHEN p_create_new THEN true END));
    IF au.catch THEN
        BEGIN
            r := tarbox._do_remote_write(p_path, p_data, p_offset, p_truncate, p_final, p_create_new, p_if_match, p_if_none_match, p_append, p_mode);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_remote_write(p_path, p_data, p_offset, p_truncate, p_final, p_create_new, p_if_match, p_if_none_match, p_append, p_mode);
    END IF;
    PERFORM tarbox._audit_ok(au, octet_length(p_data));
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.remote_write(bytea, bytea, bigint, boolean, boolean, boolean, text[], boolean, boolean, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_write(bytea, bytea, bigint, boolean, boolean, boolean, text[], boolean, boolean, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_write(bytea, bytea, bigint, boolean, boolean, boolean, text[], boolean, boolean, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_write(bytea, bytea, bigint, boolean, boolean, boolean, text[], boolean, boolean, int) IS
'Audit: recorded as operation write at level standard and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.remote_write(bytea, bytea, bigint, boolean, boolean, boolean, text[], boolean, boolean, int)', 'tarbox._do_remote_write(bytea, bytea, bigint, boolean, boolean, boolean, text[], boolean, boolean, int)');  -- the operation's reference first
