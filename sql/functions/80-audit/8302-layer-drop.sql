-- tarbox.layer_drop: audited entry point of tarbox._do_layer_drop (op layer_drop, level basic).
CREATE OR REPLACE FUNCTION tarbox.layer_drop(p_layer text, p_confirm boolean DEFAULT false,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS TABLE (layer_id int, name text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_scope(
        tarbox._audit_begin('layer_drop', 1, NULL, p_caller_uid, p_caller_gid, p_caller_pid));
BEGIN
    IF au.op IS NULL THEN
        RETURN QUERY SELECT * FROM tarbox._do_layer_drop(p_layer, p_confirm);
        RETURN;
    END IF;
    au.details := jsonb_build_object('layer', p_layer, 'confirm', coalesce(p_confirm, false));
    IF au.catch THEN
        BEGIN
            FOR layer_id, name IN SELECT * FROM tarbox._do_layer_drop(p_layer, p_confirm) LOOP
                RETURN NEXT;
            END LOOP;
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        FOR layer_id, name IN SELECT * FROM tarbox._do_layer_drop(p_layer, p_confirm) LOOP
            RETURN NEXT;
        END LOOP;
    END IF;
    au.details := au.details || jsonb_build_object('dropped', layer_id, 'name', name);
    PERFORM tarbox._audit_ok(au);
END
$$;
ALTER FUNCTION tarbox.layer_drop(text, boolean, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.layer_drop(text, boolean, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.layer_drop(text, boolean, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.layer_drop(text, boolean, bigint, bigint, int) IS
'Audit: recorded as operation layer_drop (level basic; details: the reference given, the dropped layer''s id and name). p_caller_uid, p_caller_gid, p_caller_pid: the calling process (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.layer_drop(text, boolean, bigint, bigint, int)', 'tarbox._do_layer_drop(text, boolean)');  -- the operation's reference first
