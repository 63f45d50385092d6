-- tarbox.fs_readlink: audited entry point of tarbox._do_fs_readlink (op readlink, level full).
CREATE OR REPLACE FUNCTION tarbox.fs_readlink(p_ino bigint, p_layer int DEFAULT NULL,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_ino(tarbox._audit_begin('readlink', 3, p_layer, p_caller_uid, p_caller_gid, p_caller_pid), p_ino);
    r bytea;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_fs_readlink(p_ino, p_layer);
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_fs_readlink(p_ino, p_layer);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_fs_readlink(p_ino, p_layer);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.fs_readlink(bigint, int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_readlink(bigint, int, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_readlink(bigint, int, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_readlink(bigint, int, bigint, bigint, int) IS
'Audit: recorded as operation readlink at level full and above (tarbox.audit_log); p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_readlink(bigint, int, bigint, bigint, int)', 'tarbox._do_fs_readlink(bigint, int)');  -- the operation's reference first
