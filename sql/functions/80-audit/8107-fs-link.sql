-- tarbox.fs_link: audited entry point of tarbox._do_fs_link (op link, level basic).
CREATE OR REPLACE FUNCTION tarbox.fs_link(p_ino bigint, p_newparent bigint, p_newname bytea,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_begin('link', 1, NULL, p_caller_uid, p_caller_gid, p_caller_pid);
    v_dst tarbox._audit_call := tarbox._audit_entry(au, p_newparent, p_newname, false);
    r tarbox.attr;
BEGIN
    au := tarbox._audit_ino(au, p_ino);
    au.op := coalesce(au.op, v_dst.op);  -- recorded when the level of either path asks for it
    IF au.op IS NULL THEN
        RETURN tarbox._do_fs_link(p_ino, p_newparent, p_newname);
    END IF;
    au.path2 := v_dst.path;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_fs_link(p_ino, p_newparent, p_newname);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_fs_link(p_ino, p_newparent, p_newname);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.fs_link(bigint, bigint, bytea, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_link(bigint, bigint, bytea, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_link(bigint, bigint, bytea, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_link(bigint, bigint, bytea, bigint, bigint, int) IS
'Audit: recorded as operation link at level basic and above (tarbox.audit_log); p_caller_uid, p_caller_gid, p_caller_pid: the calling process from the FUSE request context (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_link(bigint, bigint, bytea, bigint, bigint, int)', 'tarbox._do_fs_link(bigint, bigint, bytea)');  -- the operation's reference first
