-- tarbox.remote_mkdir: audited entry point of tarbox._do_remote_mkdir (op mkdir, level basic).
CREATE OR REPLACE FUNCTION tarbox.remote_mkdir(p_path bytea, p_mode int DEFAULT 493, p_parents boolean DEFAULT false)
RETURNS tarbox.entry
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('mkdir', 1, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
    r tarbox.entry;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_remote_mkdir(p_path, p_mode, p_parents);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('mode', p_mode, 'parents', coalesce(p_parents, false));
    IF au.catch THEN
        BEGIN
            r := tarbox._do_remote_mkdir(p_path, p_mode, p_parents);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_remote_mkdir(p_path, p_mode, p_parents);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.remote_mkdir(bytea, int, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_mkdir(bytea, int, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_mkdir(bytea, int, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_mkdir(bytea, int, boolean) IS
'Audit: recorded as operation mkdir at level basic and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.remote_mkdir(bytea, int, boolean)', 'tarbox._do_remote_mkdir(bytea, int, boolean)');  -- the operation's reference first
