-- tarbox.wasi_allocate: audited entry point of tarbox._do_wasi_allocate (op setattr, level standard).
CREATE OR REPLACE FUNCTION tarbox.wasi_allocate(p_ino bigint, p_offset bigint, p_len bigint)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_ino(tarbox._audit_begin('setattr', 2, NULL, NULL, NULL, NULL), p_ino);
    r tarbox.attr;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_wasi_allocate(p_ino, p_offset, p_len);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('allocate', true, 'offset', p_offset, 'len', p_len);
    IF au.catch THEN
        BEGIN
            r := tarbox._do_wasi_allocate(p_ino, p_offset, p_len);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_wasi_allocate(p_ino, p_offset, p_len);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.wasi_allocate(bigint, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.wasi_allocate(bigint, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.wasi_allocate(bigint, bigint, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.wasi_allocate(bigint, bigint, bigint) IS
'Audit: recorded as operation setattr at level standard and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.wasi_allocate(bigint, bigint, bigint)', 'tarbox._do_wasi_allocate(bigint, bigint, bigint)');  -- the operation's reference first
