-- tarbox.wasi_write: audited entry point of tarbox._do_wasi_write (op write, level standard).
CREATE OR REPLACE FUNCTION tarbox.wasi_write(p_ino bigint, p_offset bigint, p_data bytea,
    p_append boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_ino(tarbox._audit_begin('write', 2, NULL, NULL, NULL, NULL), p_ino);
    r bigint;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_wasi_write(p_ino, p_offset, p_data, p_append);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || CASE WHEN coalesce(p_append, false) THEN jsonb_build_object('append', true)
                      ELSE jsonb_build_object('offset', p_offset) END;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_wasi_write(p_ino, p_offset, p_data, p_append);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_wasi_write(p_ino, p_offset, p_data, p_append);
    END IF;
    PERFORM tarbox._audit_ok(au, octet_length(p_data));
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.wasi_write(bigint, bigint, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.wasi_write(bigint, bigint, bytea, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.wasi_write(bigint, bigint, bytea, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.wasi_write(bigint, bigint, bytea, boolean) IS
'Audit: recorded as operation write at level standard and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.wasi_write(bigint, bigint, bytea, boolean)', 'tarbox._do_wasi_write(bigint, bigint, bytea, boolean)');  -- the operation's reference first
