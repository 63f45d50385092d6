-- tarbox.fs_rename: audited entry point of tarbox._do_fs_rename (op rename, level basic).
CREATE OR REPLACE FUNCTION tarbox.fs_rename(p_parent bigint, p_name bytea, p_newparent bigint,
    p_newname bytea, p_flags int DEFAULT 0,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_begin('rename', 1, NULL, p_caller_uid, p_caller_gid, p_caller_pid);
    v_dst tarbox._audit_call := tarbox._audit_entry(au, p_newparent, p_newname, false);
BEGIN
    au := tarbox._audit_entry(au, p_parent, p_name, true);
    au.op := coalesce(au.op, v_dst.op);  -- recorded when the level of either path asks for it
    IF au.op IS NULL THEN
        PERFORM tarbox._do_fs_rename(p_parent, p_name, p_newparent, p_newname, p_flags);
        RETURN;
    END IF;
    au.path2 := v_dst.path;
    IF coalesce(p_flags, 0) <> 0 THEN
        au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('flags', p_flags);
    END IF;
    IF au.catch THEN
        BEGIN
            PERFORM tarbox._do_fs_rename(p_parent, p_name, p_newparent, p_newname, p_flags);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        PERFORM tarbox._do_fs_rename(p_parent, p_name, p_newparent, p_newname, p_flags);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN;
END
$$;
ALTER FUNCTION tarbox.fs_rename(bigint, bytea, bigint, bytea, int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_rename(bigint, bytea, bigint, bytea, int, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_rename(bigint, bytea, bigint, bytea, int, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_rename(bigint, bytea, bigint, bytea, int, bigint, bigint, int) IS
'Audit: recorded as operation rename at level basic and above (tarbox.audit_log); p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_rename(bigint, bytea, bigint, bytea, int, bigint, bigint, int)', 'tarbox._do_fs_rename(bigint, bytea, bigint, bytea, int)');  -- the operation's reference first
