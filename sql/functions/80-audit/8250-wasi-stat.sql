-- tarbox.wasi_stat: audited entry point of tarbox._do_wasi_stat (op stat, level full).
CREATE OR REPLACE FUNCTION tarbox.wasi_stat(p_dir bigint, p_path text, p_follow boolean)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_beneath(tarbox._audit_begin('stat', 3, NULL, NULL, NULL, NULL), p_dir, p_path);
    r tarbox.attr;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_wasi_stat(p_dir, p_path, p_follow);
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_wasi_stat(p_dir, p_path, p_follow);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_wasi_stat(p_dir, p_path, p_follow);
    END IF;
    au.ino := r.ino;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.wasi_stat(bigint, text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.wasi_stat(bigint, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.wasi_stat(bigint, text, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.wasi_stat(bigint, text, boolean) IS
'Audit: recorded as operation stat at level full and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.wasi_stat(bigint, text, boolean)', 'tarbox._do_wasi_stat(bigint, text, boolean)');  -- the operation's reference first
