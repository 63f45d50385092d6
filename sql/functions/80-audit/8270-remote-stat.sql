-- tarbox.remote_stat: audited entry point of tarbox._do_remote_stat (op stat, level full).
CREATE OR REPLACE FUNCTION tarbox.remote_stat(p_path bytea, p_follow boolean DEFAULT true, p_layer text DEFAULT NULL)
RETURNS tarbox.entry
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('stat', 3, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
    r tarbox.entry;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_remote_stat(p_path, p_follow, p_layer);
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_remote_stat(p_path, p_follow, p_layer);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_remote_stat(p_path, p_follow, p_layer);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.remote_stat(bytea, boolean, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_stat(bytea, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_stat(bytea, boolean, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_stat(bytea, boolean, text) IS
'Audit: recorded as operation stat at level full and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.remote_stat(bytea, boolean, text)', 'tarbox._do_remote_stat(bytea, boolean, text)');  -- the operation's reference first
