-- tarbox.ln: audited entry point of tarbox._do_ln (op link or symlink, level basic).
CREATE OR REPLACE FUNCTION tarbox.ln(p_target bytea, p_path bytea, p_symbolic boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin(CASE WHEN coalesce(p_symbolic, false) THEN 'symlink' ELSE 'link' END, 1, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
    r bigint;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_ln(p_target, p_path, p_symbolic);
    END IF;
    IF coalesce(p_symbolic, false) THEN
        au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('target', tarbox._audit_text(p_target));
    ELSE
        au.path2 := au.path;
        au.path := tarbox._audit_clean_path(tarbox._audit_text(p_target));
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_ln(p_target, p_path, p_symbolic);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_ln(p_target, p_path, p_symbolic);
    END IF;
    au.ino := r;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.ln(bytea, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.ln(bytea, bytea, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.ln(bytea, bytea, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.ln(bytea, bytea, boolean) IS
'Audit: recorded as operation symlink (with the target) or link (path = the existing file, path2 = the new name) at level basic and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.ln(bytea, bytea, boolean)', 'tarbox._do_ln(bytea, bytea, boolean)');  -- the operation's reference first
