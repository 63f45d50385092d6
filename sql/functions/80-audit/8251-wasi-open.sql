-- tarbox.wasi_open: audited entry point of tarbox._do_wasi_open (op open, level see below).
CREATE OR REPLACE FUNCTION tarbox.wasi_open(p_dir bigint, p_path text, p_follow boolean,
    p_oflags int, p_write boolean)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_beneath(tarbox._audit_begin('open', CASE WHEN (coalesce(p_oflags, 0) & 1) <> 0 THEN 1 WHEN (coalesce(p_oflags, 0) & 8) <> 0 THEN 2 ELSE 3 END, NULL, NULL, NULL, NULL), p_dir, p_path);
    r tarbox.attr;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_wasi_open(p_dir, p_path, p_follow, p_oflags, p_write);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('oflags', p_oflags, 'write', coalesce(p_write, false));
    IF au.catch THEN
        BEGIN
            r := tarbox._do_wasi_open(p_dir, p_path, p_follow, p_oflags, p_write);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_wasi_open(p_dir, p_path, p_follow, p_oflags, p_write);
    END IF;
    au.ino := r.ino;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.wasi_open(bigint, text, boolean, int, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.wasi_open(bigint, text, boolean, int, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.wasi_open(bigint, text, boolean, int, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.wasi_open(bigint, text, boolean, int, boolean) IS
'Audit: recorded as operation open (tarbox.audit_log) at level basic when it may create (oflags creat), standard when it truncates, full otherwise. With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.wasi_open(bigint, text, boolean, int, boolean)', 'tarbox._do_wasi_open(bigint, text, boolean, int, boolean)');  -- the operation's reference first
