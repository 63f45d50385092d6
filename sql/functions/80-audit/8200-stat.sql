-- tarbox.stat: audited entry point of tarbox._do_stat (op stat, level full).
CREATE OR REPLACE FUNCTION tarbox.stat(p_path bytea, p_follow boolean DEFAULT true, p_layer text DEFAULT NULL)
RETURNS TABLE (ino bigint, type text, mode int, nlink int, uid bigint, gid bigint, rdev bigint,
               size bigint, blocks bigint, atime_ns bigint, mtime_ns bigint, ctime_ns bigint,
               btime_ns bigint, target bytea)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('stat', 3, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
    v_rows bigint;
BEGIN
    IF au.op IS NULL THEN
        RETURN QUERY SELECT * FROM tarbox._do_stat(p_path, p_follow, p_layer);
        RETURN;
    END IF;
    IF au.catch THEN
        BEGIN
            RETURN QUERY SELECT * FROM tarbox._do_stat(p_path, p_follow, p_layer);
            GET DIAGNOSTICS v_rows = ROW_COUNT;
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        RETURN QUERY SELECT * FROM tarbox._do_stat(p_path, p_follow, p_layer);
        GET DIAGNOSTICS v_rows = ROW_COUNT;
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN;
END
$$;
ALTER FUNCTION tarbox.stat(bytea, boolean, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.stat(bytea, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.stat(bytea, boolean, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.stat(bytea, boolean, text) IS
'Audit: recorded as operation stat at level full and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.stat(bytea, boolean, text)', 'tarbox._do_stat(bytea, boolean, text)');  -- the operation's reference first
