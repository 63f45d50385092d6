-- tarbox.fs_symlink: audited entry point of tarbox._do_fs_symlink (op symlink, level basic).
CREATE OR REPLACE FUNCTION tarbox.fs_symlink(p_parent bigint, p_name bytea, p_target bytea,
    p_uid bigint, p_gid bigint,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_entry(tarbox._audit_begin('symlink', 1, NULL, p_caller_uid, p_caller_gid, p_caller_pid), p_parent, p_name, false);
    r tarbox.attr;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_fs_symlink(p_parent, p_name, p_target, p_uid, p_gid);
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('target', tarbox._audit_text(p_target));
    IF au.catch THEN
        BEGIN
            r := tarbox._do_fs_symlink(p_parent, p_name, p_target, p_uid, p_gid);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_fs_symlink(p_parent, p_name, p_target, p_uid, p_gid);
    END IF;
    au.ino := r.ino;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.fs_symlink(bigint, bytea, bytea, bigint, bigint, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_symlink(bigint, bytea, bytea, bigint, bigint, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_symlink(bigint, bytea, bytea, bigint, bigint, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_symlink(bigint, bytea, bytea, bigint, bigint, bigint, bigint, int) IS
'Audit: recorded as operation symlink at level basic and above (tarbox.audit_log); p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_symlink(bigint, bytea, bytea, bigint, bigint, bigint, bigint, int)', 'tarbox._do_fs_symlink(bigint, bytea, bytea, bigint, bigint)');  -- the operation's reference first
