-- tarbox.remote_list: audited entry point of tarbox._do_remote_list (op readdir, level see below).
CREATE OR REPLACE FUNCTION tarbox.remote_list(p_path bytea, p_after bytea DEFAULT NULL, p_limit int DEFAULT 1000,
    p_layer text DEFAULT NULL)
RETURNS SETOF tarbox.entry
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('readdir', CASE WHEN p_after IS NULL THEN 3 ELSE 4 END, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
    v_rows bigint;
BEGIN
    IF au.op IS NULL THEN
        RETURN QUERY SELECT * FROM tarbox._do_remote_list(p_path, p_after, p_limit, p_layer);
        RETURN;
    END IF;
    IF au.catch THEN
        BEGIN
            RETURN QUERY SELECT * FROM tarbox._do_remote_list(p_path, p_after, p_limit, p_layer);
            GET DIAGNOSTICS v_rows = ROW_COUNT;
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        RETURN QUERY SELECT * FROM tarbox._do_remote_list(p_path, p_after, p_limit, p_layer);
        GET DIAGNOSTICS v_rows = ROW_COUNT;
    END IF;
    au.details := jsonb_build_object('entries', v_rows);
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN;
END
$$;
ALTER FUNCTION tarbox.remote_list(bytea, bytea, int, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_list(bytea, bytea, int, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_list(bytea, bytea, int, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_list(bytea, bytea, int, text) IS
'Audit: recorded as operation readdir at level full, once per listing (the call without p_after), with the number of entries returned (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.remote_list(bytea, bytea, int, text)', 'tarbox._do_remote_list(bytea, bytea, int, text)');  -- the operation's reference first
