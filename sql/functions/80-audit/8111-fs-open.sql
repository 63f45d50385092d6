-- tarbox.fs_open: audited entry point of tarbox._do_fs_open (op open, level see below).
CREATE OR REPLACE FUNCTION tarbox.fs_open(p_ino bigint, p_flags int, p_layer int DEFAULT NULL,
    p_kill_suidgid boolean DEFAULT false, p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_ino(tarbox._audit_begin('open', CASE WHEN (coalesce(p_flags, 0) & 512) <> 0 THEN 2 ELSE 3 END, p_layer, p_caller_uid, p_caller_gid, p_caller_pid), p_ino);
    r tarbox.attr;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_fs_open(p_ino, p_flags, p_layer, p_kill_suidgid);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('flags', p_flags);
    IF au.catch THEN
        BEGIN
            r := tarbox._do_fs_open(p_ino, p_flags, p_layer, p_kill_suidgid);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_fs_open(p_ino, p_flags, p_layer, p_kill_suidgid);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.fs_open(bigint, int, int, boolean, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_open(bigint, int, int, boolean, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_open(bigint, int, int, boolean, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_open(bigint, int, int, boolean, bigint, bigint, int) IS
'Audit: recorded as operation open, at level standard when it truncates (O_TRUNC) and at level full otherwise (tarbox.audit_log); p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_open(bigint, int, int, boolean, bigint, bigint, int)', 'tarbox._do_fs_open(bigint, int, int, boolean)');  -- the operation's reference first
