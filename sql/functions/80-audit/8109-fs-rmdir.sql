-- tarbox.fs_rmdir: audited entry point of tarbox._do_fs_rmdir (op rmdir, level basic).
CREATE OR REPLACE FUNCTION tarbox.fs_rmdir(p_parent bigint, p_name bytea,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_entry(tarbox._audit_begin('rmdir', 1, NULL, p_caller_uid, p_caller_gid, p_caller_pid), p_parent, p_name, true);
BEGIN
    IF au.op IS NULL THEN
        PERFORM tarbox._do_fs_rmdir(p_parent, p_name);
        RETURN;
    END IF;
    IF au.catch THEN
        BEGIN
            PERFORM tarbox._do_fs_rmdir(p_parent, p_name);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        PERFORM tarbox._do_fs_rmdir(p_parent, p_name);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN;
END
$$;
ALTER FUNCTION tarbox.fs_rmdir(bigint, bytea, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_rmdir(bigint, bytea, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_rmdir(bigint, bytea, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_rmdir(bigint, bytea, bigint, bigint, int) IS
'Audit: recorded as operation rmdir at level basic and above (tarbox.audit_log); p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_rmdir(bigint, bytea, bigint, bigint, int)', 'tarbox._do_fs_rmdir(bigint, bytea)');  -- the operation's reference first
