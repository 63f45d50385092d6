-- tarbox.rm: audited entry point of tarbox._do_rm (op rm, level basic).
CREATE OR REPLACE FUNCTION tarbox.rm(p_path bytea, p_recursive boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('rm', 1, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
    r bigint;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_rm(p_path, p_recursive);
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_rm(p_path, p_recursive);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_rm(p_path, p_recursive);
    END IF;
    au.details := jsonb_build_object('recursive', coalesce(p_recursive, false), 'entries', r);
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.rm(bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.rm(bytea, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.rm(bytea, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.rm(bytea, boolean) IS
'Audit: recorded as operation rm at level basic and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.rm(bytea, boolean)', 'tarbox._do_rm(bytea, boolean)');  -- the operation's reference first
