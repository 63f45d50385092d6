-- tarbox.fs_fallocate: audited entry point of tarbox._do_fs_fallocate (op setattr, level
-- standard, details.fallocate: as tarbox.wasi_allocate records it). An upgraded database
-- dropped main's unaudited four-argument form in migration 0110.
CREATE OR REPLACE FUNCTION tarbox.fs_fallocate(p_ino bigint, p_mode int, p_offset bigint, p_length bigint,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_ino(tarbox._audit_begin('setattr', 2, NULL, p_caller_uid, p_caller_gid, p_caller_pid), p_ino);
    r tarbox.attr;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_fs_fallocate(p_ino, p_mode, p_offset, p_length);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb)
                  || jsonb_build_object('fallocate', p_mode, 'offset', p_offset, 'len', p_length);
    IF au.catch THEN
        BEGIN
            r := tarbox._do_fs_fallocate(p_ino, p_mode, p_offset, p_length);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_fs_fallocate(p_ino, p_mode, p_offset, p_length);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.fs_fallocate(bigint, int, bigint, bigint, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_fallocate(bigint, int, bigint, bigint, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_fallocate(bigint, int, bigint, bigint, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_fallocate(bigint, int, bigint, bigint, bigint, bigint, int) IS
'Audit: recorded as operation setattr at level standard and above (tarbox.audit_log), details.fallocate = p_mode with offset and len; p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_fallocate(bigint, int, bigint, bigint, bigint, bigint, int)', 'tarbox._do_fs_fallocate(bigint, int, bigint, bigint)');  -- the operation's reference first
