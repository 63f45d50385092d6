-- tarbox.fs_readdir: audited entry point of tarbox._do_fs_readdir (op readdir, level see below).
CREATE OR REPLACE FUNCTION tarbox.fs_readdir(p_ino bigint, p_offset bigint, p_limit int, p_layer int DEFAULT NULL,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS TABLE (name bytea, next_offset bigint, a tarbox.attr)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_ino(tarbox._audit_begin('readdir', CASE WHEN coalesce(p_offset, 0) = 0 THEN 3 ELSE 4 END, p_layer, p_caller_uid, p_caller_gid, p_caller_pid), p_ino);
    v_rows bigint;
BEGIN
    IF au.op IS NULL THEN
        RETURN QUERY SELECT * FROM tarbox._do_fs_readdir(p_ino, p_offset, p_limit, p_layer);
        RETURN;
    END IF;
    IF au.catch THEN
        BEGIN
            RETURN QUERY SELECT * FROM tarbox._do_fs_readdir(p_ino, p_offset, p_limit, p_layer);
            GET DIAGNOSTICS v_rows = ROW_COUNT;
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        RETURN QUERY SELECT * FROM tarbox._do_fs_readdir(p_ino, p_offset, p_limit, p_layer);
        GET DIAGNOSTICS v_rows = ROW_COUNT;
    END IF;
    au.details := jsonb_build_object('entries', v_rows);
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN;
END
$$;
ALTER FUNCTION tarbox.fs_readdir(bigint, bigint, int, int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_readdir(bigint, bigint, int, int, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_readdir(bigint, bigint, int, int, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_readdir(bigint, bigint, int, int, bigint, bigint, int) IS
'Audit: recorded as operation readdir at level full, once per listing (the call at offset 0), with the number of entries returned (tarbox.audit_log); p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_readdir(bigint, bigint, int, int, bigint, bigint, int)', 'tarbox._do_fs_readdir(bigint, bigint, int, int)');  -- the operation's reference first
