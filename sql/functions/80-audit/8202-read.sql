-- tarbox.read: audited entry point of tarbox._do_read (op read, level full).
CREATE OR REPLACE FUNCTION tarbox.read(p_path bytea, p_offset bigint DEFAULT 0, p_length bigint DEFAULT NULL, p_layer text DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_named(tarbox._audit_begin('read', 3, NULL, NULL, NULL, NULL), tarbox._audit_text(p_path));
    r bytea;
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_read(p_path, p_offset, p_length, p_layer);
    END IF;
    IF coalesce(p_offset, 0) <> 0 THEN
        au.details := coalesce(au.details, '{}'::jsonb) || jsonb_build_object('offset', p_offset);
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_read(p_path, p_offset, p_length, p_layer);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_read(p_path, p_offset, p_length, p_layer);
    END IF;
    PERFORM tarbox._audit_ok(au, octet_length(r));
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.read(bytea, bigint, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.read(bytea, bigint, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.read(bytea, bigint, bigint, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.read(bytea, bigint, bigint, text) IS
'Audit: recorded as operation read at level full and above (tarbox.audit_log). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.read(bytea, bigint, bigint, text)', 'tarbox._do_read(bytea, bigint, bigint, text)');  -- the operation's reference first
