-- tarbox.wasi_readlink: audited entry point of tarbox._do_wasi_readlink (op readlink, level full).
CREATE OR REPLACE FUNCTION tarbox.wasi_readlink(p_dir bigint, p_path text)
RETURNS bytea
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_beneath(tarbox._audit_begin('readlink', 3, NULL, NULL, NULL, NULL), p_dir, p_path);
    r bytea;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_wasi_readlink(p_dir, p_path);
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_wasi_readlink(p_dir, p_path);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_wasi_readlink(p_dir, p_path);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.wasi_readlink(bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.wasi_readlink(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.wasi_readlink(bigint, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.wasi_readlink(bigint, text) IS
'Audit: recorded as operation readlink at level full and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.wasi_readlink(bigint, text)', 'tarbox._do_wasi_readlink(bigint, text)');  -- the operation's reference first
