-- tarbox.wasi_link: audited entry point of tarbox._do_wasi_link (op link, level basic).
-- Its success is recorded by tarbox.fs_link, which it calls once the path is resolved; this wrapper
-- records only a failure raised before that call (a missing source, an existing target, an
-- escape from the directory: EPERM), so a failed WASI call is in the log with its errno as a
-- mount's are, and a successful one has exactly one record.
CREATE OR REPLACE FUNCTION tarbox.wasi_link(p_dir bigint, p_path text, p_follow boolean,
    p_newdir bigint, p_newpath text)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_begin('link', 1, NULL, NULL, NULL, NULL);
BEGIN
    IF au.op IS NULL OR NOT coalesce(au.catch, false) THEN
        RETURN tarbox._do_wasi_link(p_dir, p_path, p_follow, p_newdir, p_newpath);
    END IF;
    BEGIN
        RETURN tarbox._do_wasi_link(p_dir, p_path, p_follow, p_newdir, p_newpath);
    EXCEPTION WHEN OTHERS THEN
        au := tarbox._audit_beneath(au, p_dir, p_path);  -- the path only when it failed
        IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
            RETURN NULL;
        END IF;
        RAISE;
    END;
END
$$;
ALTER FUNCTION tarbox.wasi_link(bigint, text, boolean, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.wasi_link(bigint, text, boolean, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.wasi_link(bigint, text, boolean, bigint, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.wasi_link(bigint, text, boolean, bigint, text) IS
'Audit: recorded as operation link at level basic and above (tarbox.audit_log), by tarbox.fs_link. With tarbox.error_mode = ''warning'' a failure is recorded too (also one found before tarbox.fs_link is called) and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.wasi_link(bigint, text, boolean, bigint, text)', 'tarbox._do_wasi_link(bigint, text, boolean, bigint, text)');  -- the operation's reference first
