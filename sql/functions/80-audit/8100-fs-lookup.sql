-- tarbox.fs_lookup: audited entry point of tarbox._do_fs_lookup (op lookup, level full).
-- p_reported: the caller, a Tarbox shell session (the mount), reports the lookup itself later
-- with tarbox.fs_lookup_report (success or errno), in a batch with others, as it reports the
-- reads of a file handle at release; the call then writes nothing and stays a read-only
-- transaction. From a tenant's own session p_reported is ignored (it could skip its records).
CREATE OR REPLACE FUNCTION tarbox.fs_lookup(p_parent bigint, p_name bytea, p_layer int DEFAULT NULL,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL,
    p_reported boolean DEFAULT false)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_begin('lookup', 3, p_layer, p_caller_uid, p_caller_gid, p_caller_pid);
    r tarbox.attr;
BEGIN
    IF au.op IS NULL OR (coalesce(p_reported, false) AND au.shell) THEN
        RETURN tarbox._do_fs_lookup(p_parent, p_name, p_layer);
    END IF;
    au := tarbox._audit_entry(au, p_parent, p_name, false);
    IF au.op IS NULL THEN  -- a path override below full
        RETURN tarbox._do_fs_lookup(p_parent, p_name, p_layer);
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_fs_lookup(p_parent, p_name, p_layer);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_fs_lookup(p_parent, p_name, p_layer);
    END IF;
    au.ino := r.ino;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.fs_lookup(bigint, bytea, int, bigint, bigint, int, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_lookup(bigint, bytea, int, bigint, bigint, int, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_lookup(bigint, bytea, int, bigint, bigint, int, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_lookup(bigint, bytea, int, bigint, bigint, int, boolean) IS
'Audit: recorded as operation lookup at level full and above (tarbox.audit_log); p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error. p_reported (a Tarbox shell session only, i.e. the mount): nothing is recorded here and errors are raised as errors; the caller reports the lookup and its outcome later with tarbox.fs_lookup_report.';
SELECT tarbox._audit_doc('tarbox.fs_lookup(bigint, bytea, int, bigint, bigint, int, boolean)', 'tarbox._do_fs_lookup(bigint, bytea, int)');  -- the operation's reference first
