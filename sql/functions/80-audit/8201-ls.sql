-- tarbox.ls: audited entry point of tarbox._do_ls (op readdir, level full).
CREATE OR REPLACE FUNCTION tarbox.ls(p_path bytea, p_layer text DEFAULT NULL)
RETURNS TABLE (name text, type text, mode int, uid bigint, gid bigint, size bigint,
               mtime timestamptz, ino bigint, target text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('readdir', 3, NULL, NULL, NULL, NULL), tarbox._audit_text(coalesce(p_path, '\x2f'::bytea)));
    v_rows bigint;
BEGIN
    IF au.op IS NULL THEN
        RETURN QUERY SELECT * FROM tarbox._do_ls(p_path, p_layer);
        RETURN;
    END IF;
    IF au.catch THEN
        BEGIN
            RETURN QUERY SELECT * FROM tarbox._do_ls(p_path, p_layer);
            GET DIAGNOSTICS v_rows = ROW_COUNT;
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        RETURN QUERY SELECT * FROM tarbox._do_ls(p_path, p_layer);
        GET DIAGNOSTICS v_rows = ROW_COUNT;
    END IF;
    au.details := jsonb_build_object('entries', v_rows);
    PERFORM tarbox._audit_ok(au, NULL);
    RETURN;
END
$$;
ALTER FUNCTION tarbox.ls(bytea, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.ls(bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.ls(bytea, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.ls(bytea, text) IS
'Audit: recorded as operation readdir at level full and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.ls(bytea, text)', 'tarbox._do_ls(bytea, text)');  -- the operation's reference first
