-- tarbox.fs_release: audited entry point of tarbox._do_fs_release (op release, level standard):
-- the close of a handle that wrote, where the storage code turns what was written into text
-- chunks and learns the lines added and deleted. Recorded only when it did (a text change:
-- the record carries its line counts) or when it failed; the writes themselves have their
-- own records.
CREATE OR REPLACE FUNCTION tarbox.fs_release(p_ino bigint, p_sync boolean DEFAULT false,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS int[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_begin('release', 2, NULL, p_caller_uid, p_caller_gid, p_caller_pid);
    r int[];
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_fs_release(p_ino, p_sync);
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_fs_release(p_ino, p_sync);
        EXCEPTION WHEN OTHERS THEN
            au := tarbox._audit_ino(au, p_ino);
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_fs_release(p_ino, p_sync);
    END IF;
    IF r IS NOT NULL THEN  -- a text change: its path (and the path overrides) only now
        au := tarbox._audit_ino(au, p_ino);
        au.lines_added := greatest(r[1], 0);
        au.lines_deleted := greatest(r[2], 0);
        IF coalesce(p_sync, false) THEN
            au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('sync', true);
        END IF;
        PERFORM tarbox._audit_ok(au, NULL);
    END IF;
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.fs_release(bigint, boolean, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_release(bigint, boolean, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_release(bigint, boolean, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_release(bigint, boolean, bigint, bigint, int) IS
'Audit: recorded as operation release at level standard and above (tarbox.audit_log) when it changed a text file (the record''s lines_added and lines_deleted) or failed; p_caller_uid, p_caller_gid, p_caller_pid: the process that opened the handle (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_release(bigint, boolean, bigint, bigint, int)', 'tarbox._do_fs_release(bigint, boolean)');  -- the operation's reference first
