-- tarbox.wasi_set_times: audited entry point of tarbox._do_wasi_set_times (op setattr, level standard).
-- Its success is recorded by tarbox.fs_setattr, which it calls once the path is resolved; this wrapper
-- records only a failure raised before that call (a missing source, an existing target, an
-- escape from the directory: EPERM), so a failed WASI call is in the log with its errno as a
-- mount's are, and a successful one has exactly one record.
CREATE OR REPLACE FUNCTION tarbox.wasi_set_times(p_dir bigint, p_path text, p_follow boolean,
    p_atime_ns bigint, p_mtime_ns bigint, p_fst_flags int)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_begin('setattr', 2, NULL, NULL, NULL, NULL);
BEGIN
    IF au.op IS NULL OR NOT coalesce(au.catch, false) THEN
        RETURN tarbox._do_wasi_set_times(p_dir, p_path, p_follow, p_atime_ns, p_mtime_ns, p_fst_flags);
    END IF;
    BEGIN
        RETURN tarbox._do_wasi_set_times(p_dir, p_path, p_follow, p_atime_ns, p_mtime_ns, p_fst_flags);
    EXCEPTION WHEN OTHERS THEN
        au := tarbox._audit_beneath(au, p_dir, p_path);  -- the path only when it failed
        IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
            RETURN NULL;
        END IF;
        RAISE;
    END;
END
$$;
ALTER FUNCTION tarbox.wasi_set_times(bigint, text, boolean, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.wasi_set_times(bigint, text, boolean, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.wasi_set_times(bigint, text, boolean, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.wasi_set_times(bigint, text, boolean, bigint, bigint, int) IS
'Audit: recorded as operation setattr at level standard and above (tarbox.audit_log), by tarbox.fs_setattr. With tarbox.error_mode = ''warning'' a failure is recorded too (also one found before tarbox.fs_setattr is called) and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.wasi_set_times(bigint, text, boolean, bigint, bigint, int)', 'tarbox._do_wasi_set_times(bigint, text, boolean, bigint, bigint, int)');  -- the operation's reference first
