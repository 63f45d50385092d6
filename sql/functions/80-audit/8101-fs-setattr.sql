-- tarbox.fs_setattr: audited entry point of tarbox._do_fs_setattr (op setattr, level standard).
CREATE OR REPLACE FUNCTION tarbox.fs_setattr(p_ino bigint, p_mode int, p_uid bigint, p_gid bigint,
    p_size bigint, p_atime_ns bigint, p_mtime_ns bigint,
    p_ctime_ns bigint DEFAULT NULL,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_ino(tarbox._audit_begin('setattr', 2, NULL, p_caller_uid, p_caller_gid, p_caller_pid), p_ino);
    r tarbox.attr;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_fs_setattr(p_ino, p_mode, p_uid, p_gid, p_size, p_atime_ns, p_mtime_ns, p_ctime_ns);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || jsonb_strip_nulls(jsonb_build_object('mode', p_mode, 'uid', p_uid, 'gid', p_gid, 'size', p_size,
                                                   'atime_ns', p_atime_ns, 'mtime_ns', p_mtime_ns, 'ctime_ns', p_ctime_ns));
    IF au.catch THEN
        BEGIN
            r := tarbox._do_fs_setattr(p_ino, p_mode, p_uid, p_gid, p_size, p_atime_ns, p_mtime_ns, p_ctime_ns);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_fs_setattr(p_ino, p_mode, p_uid, p_gid, p_size, p_atime_ns, p_mtime_ns, p_ctime_ns);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.fs_setattr(bigint, int, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_setattr(bigint, int, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_setattr(bigint, int, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_setattr(bigint, int, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, int) IS
'Audit: recorded as operation setattr at level standard and above (tarbox.audit_log); p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_setattr(bigint, int, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, int)', 'tarbox._do_fs_setattr(bigint, int, bigint, bigint, bigint, bigint, bigint, bigint)');  -- the operation's reference first
