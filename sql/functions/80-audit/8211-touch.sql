-- tarbox.touch: audited entry point of tarbox._do_touch (op setattr, level standard).
CREATE OR REPLACE FUNCTION tarbox.touch(p_path bytea, p_atime_ns bigint DEFAULT NULL, p_mtime_ns bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('setattr', 2, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
BEGIN
    IF au.op IS NULL THEN
        PERFORM tarbox._do_touch(p_path, p_atime_ns, p_mtime_ns);
        RETURN;
    END IF;
    au.details := coalesce(au.details, '{}'::jsonb) || jsonb_strip_nulls(jsonb_build_object('touch', true, 'atime_ns', p_atime_ns, 'mtime_ns', p_mtime_ns));
    IF au.catch THEN
        BEGIN
            PERFORM tarbox._do_touch(p_path, p_atime_ns, p_mtime_ns);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        PERFORM tarbox._do_touch(p_path, p_atime_ns, p_mtime_ns);
    END IF;
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN;
END
$$;
ALTER FUNCTION tarbox.touch(bytea, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.touch(bytea, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.touch(bytea, bigint, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.touch(bytea, bigint, bigint) IS
'Audit: recorded as operation setattr at level standard and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.touch(bytea, bigint, bigint)', 'tarbox._do_touch(bytea, bigint, bigint)');  -- the operation's reference first
