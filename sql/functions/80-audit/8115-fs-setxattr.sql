-- tarbox.fs_setxattr: audited entry point of tarbox._do_fs_setxattr (op setxattr, level standard).
CREATE OR REPLACE FUNCTION tarbox.fs_setxattr(p_ino bigint, p_name bytea, p_value bytea, p_flags int DEFAULT 0,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_ino(tarbox._audit_begin('setxattr', 2, NULL, p_caller_uid, p_caller_gid, p_caller_pid), p_ino);
BEGIN
    IF au.op IS NULL THEN
        PERFORM tarbox._do_fs_setxattr(p_ino, p_name, p_value, p_flags);
        RETURN;
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('name', tarbox._audit_text(p_name), 'flags', p_flags);
    IF au.catch THEN
        BEGIN
            PERFORM tarbox._do_fs_setxattr(p_ino, p_name, p_value, p_flags);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        PERFORM tarbox._do_fs_setxattr(p_ino, p_name, p_value, p_flags);
    END IF;
    PERFORM tarbox._audit_ok(au, octet_length(p_value));
    RETURN;
END
$$;
ALTER FUNCTION tarbox.fs_setxattr(bigint, bytea, bytea, int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_setxattr(bigint, bytea, bytea, int, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_setxattr(bigint, bytea, bytea, int, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_setxattr(bigint, bytea, bytea, int, bigint, bigint, int) IS
'Audit: recorded as operation setxattr at level standard and above (tarbox.audit_log); p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_setxattr(bigint, bytea, bytea, int, bigint, bigint, int)', 'tarbox._do_fs_setxattr(bigint, bytea, bytea, int)');  -- the operation's reference first
