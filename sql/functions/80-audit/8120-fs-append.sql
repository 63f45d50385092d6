-- tarbox.fs_append: audited entry point of tarbox._do_fs_append (op write, level standard).
CREATE OR REPLACE FUNCTION tarbox.fs_append(p_ino bigint, p_data bytea, p_kill_suidgid boolean DEFAULT false,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_ino(tarbox._audit_begin('write', 2, NULL, p_caller_uid, p_caller_gid, p_caller_pid), p_ino);
    r bigint;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_fs_append(p_ino, p_data, p_kill_suidgid);
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_fs_append(p_ino, p_data, p_kill_suidgid);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_fs_append(p_ino, p_data, p_kill_suidgid);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('append', true, 'offset', r);
    PERFORM tarbox._audit_ok(au, octet_length(p_data));
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.fs_append(bigint, bytea, boolean, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_append(bigint, bytea, boolean, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_append(bigint, bytea, boolean, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_append(bigint, bytea, boolean, bigint, bigint, int) IS
'Audit: recorded as operation write (details: append, the offset where the data landed; bytes: the length of p_data) at level standard and above (tarbox.audit_log); p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_append(bigint, bytea, boolean, bigint, bigint, int)', 'tarbox._do_fs_append(bigint, bytea, boolean)');  -- the operation's reference first
