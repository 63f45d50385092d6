-- tarbox.readlink: audited entry point of tarbox._do_readlink (op readlink, level full).
CREATE OR REPLACE FUNCTION tarbox.readlink(p_path text, p_layer text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('readlink', 3, NULL, NULL, NULL, NULL), p_path);
    r text;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_readlink(p_path, p_layer);
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_readlink(p_path, p_layer);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_readlink(p_path, p_layer);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.readlink(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.readlink(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.readlink(text, text) TO tarbox_tenant;
SELECT tarbox._audit_doc('tarbox.readlink(text, text)', 'tarbox._do_readlink(text, text)',
    'Audit: recorded as operation readlink at level full and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.');
