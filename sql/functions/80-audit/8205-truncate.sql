-- tarbox.truncate: audited entry point of tarbox._do_truncate (op setattr, level standard).
CREATE OR REPLACE FUNCTION tarbox.truncate(p_path bytea, p_size bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('setattr', 2, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
BEGIN
    IF au.op IS NULL THEN
        PERFORM tarbox._do_truncate(p_path, p_size);
        RETURN;
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('size', p_size);
    IF au.catch THEN
        BEGIN
            PERFORM tarbox._do_truncate(p_path, p_size);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        PERFORM tarbox._do_truncate(p_path, p_size);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN;
END
$$;
ALTER FUNCTION tarbox.truncate(bytea, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.truncate(bytea, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.truncate(bytea, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.truncate(bytea, bigint) IS
'Audit: recorded as operation setattr at level standard and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.truncate(bytea, bigint)', 'tarbox._do_truncate(bytea, bigint)');  -- the operation's reference first
