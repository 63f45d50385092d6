-- tarbox.write: audited entry point of tarbox._do_write (op write, level standard).
CREATE OR REPLACE FUNCTION tarbox.write(p_path bytea, p_data bytea, p_offset bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('write', 2, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
    r bigint;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_write(p_path, p_data, p_offset);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || CASE WHEN p_offset IS NULL THEN jsonb_build_object('replace', true)
                      ELSE jsonb_build_object('offset', p_offset) END;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_write(p_path, p_data, p_offset);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_write(p_path, p_data, p_offset);
    END IF;
    PERFORM tarbox._audit_ok(au, r);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.write(bytea, bytea, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.write(bytea, bytea, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.write(bytea, bytea, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.write(bytea, bytea, bigint) IS
'Audit: recorded as operation write at level standard and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.write(bytea, bytea, bigint)', 'tarbox._do_write(bytea, bytea, bigint)');  -- the operation's reference first

