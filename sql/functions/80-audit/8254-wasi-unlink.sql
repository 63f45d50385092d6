-- tarbox.wasi_unlink: audited entry point of tarbox._do_wasi_unlink (op unlink, level basic).
CREATE OR REPLACE FUNCTION tarbox.wasi_unlink(p_dir bigint, p_path text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_beneath(tarbox._audit_begin('unlink', 1, NULL, NULL, NULL, NULL), p_dir, p_path);
BEGIN
    IF au.op IS NULL THEN
        PERFORM tarbox._do_wasi_unlink(p_dir, p_path);
        RETURN;
    END IF;
    IF au.catch THEN
        BEGIN
            PERFORM tarbox._do_wasi_unlink(p_dir, p_path);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        PERFORM tarbox._do_wasi_unlink(p_dir, p_path);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN;
END
$$;
ALTER FUNCTION tarbox.wasi_unlink(bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.wasi_unlink(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.wasi_unlink(bigint, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.wasi_unlink(bigint, text) IS
'Audit: recorded as operation unlink at level basic and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.wasi_unlink(bigint, text)', 'tarbox._do_wasi_unlink(bigint, text)');  -- the operation's reference first
