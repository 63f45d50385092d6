-- tarbox.append: audited entry point of tarbox._do_append (op write, level standard).
CREATE OR REPLACE FUNCTION tarbox.append(p_path bytea, p_data bytea)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('write', 2, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
    r bigint;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_append(p_path, p_data);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('append', true);
    IF au.catch THEN
        BEGIN
            r := tarbox._do_append(p_path, p_data);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_append(p_path, p_data);
    END IF;
    PERFORM tarbox._audit_ok(au, octet_length(p_data));
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.append(bytea, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.append(bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.append(bytea, bytea) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.append(bytea, bytea) IS
'Audit: recorded as operation write at level standard and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.append(bytea, bytea)', 'tarbox._do_append(bytea, bytea)');  -- the operation's reference first

