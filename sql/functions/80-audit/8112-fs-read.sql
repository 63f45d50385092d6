-- tarbox.fs_read: audited entry point of tarbox._do_fs_read (op read, level full).
-- A Tarbox shell that passes the file handle (p_fh) reports the reads of that handle in one
-- record when it releases it (tarbox.fs_read_report): a successful read is then not recorded here,
-- so level full costs no write per read(2). Any other caller (a tenant's own session, or a
-- shell without a handle) gets one record per call. Failures are recorded per call.
CREATE OR REPLACE FUNCTION tarbox.fs_read(p_ino bigint, p_offset bigint, p_length int, p_layer int DEFAULT NULL,
    p_fh bigint DEFAULT NULL,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_begin('read', 3, p_layer, p_caller_uid, p_caller_gid, p_caller_pid);
    v_later boolean := p_fh IS NOT NULL AND coalesce(au.shell, false);
    r bytea;
BEGIN
    IF au.op IS NOT NULL AND (NOT v_later OR au.paths) THEN
        au := tarbox._audit_ino(au, p_ino);  -- the path now (reported reads only need it to pick a level)
    END IF;
    IF au.op IS NULL THEN
        RETURN tarbox._do_fs_read(p_ino, p_offset, p_length, p_layer);
    END IF;
    au.details := jsonb_build_object('offset', p_offset);
    IF au.catch THEN
        BEGIN
            r := tarbox._do_fs_read(p_ino, p_offset, p_length, p_layer);
        EXCEPTION WHEN OTHERS THEN
            IF au.ino IS NULL THEN
                au := tarbox._audit_ino(au, p_ino);
            END IF;
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_fs_read(p_ino, p_offset, p_length, p_layer);
    END IF;
    IF NOT v_later THEN
        PERFORM tarbox._audit_ok(au, octet_length(r));
    END IF;
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.fs_read(bigint, bigint, int, int, bigint, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_read(bigint, bigint, int, int, bigint, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_read(bigint, bigint, int, int, bigint, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_read(bigint, bigint, int, int, bigint, bigint, bigint, int) IS
'Audit: recorded as operation read at level full (tarbox.audit_log): one record per call, unless a Tarbox shell passes its file handle p_fh, which promises one record for all the reads of that handle at release (tarbox.fs_read_report). p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_read(bigint, bigint, int, int, bigint, bigint, bigint, int)', 'tarbox._do_fs_read(bigint, bigint, int, int)');  -- the operation's reference first
