-- tarbox.layer_new: audited entry point of tarbox._do_layer_new (op layer_new, level basic).
CREATE OR REPLACE FUNCTION tarbox.layer_new(p_name text, p_description text DEFAULT NULL, p_confirm boolean DEFAULT false,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS TABLE (layer_id int, name text, discarded int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_scope(
        tarbox._audit_begin('layer_new', 1, NULL, p_caller_uid, p_caller_gid, p_caller_pid));
BEGIN
    IF au.op IS NULL THEN
        RETURN QUERY SELECT * FROM tarbox._do_layer_new(p_name, p_description, p_confirm);
        RETURN;
    END IF;
    au.details := jsonb_strip_nulls(jsonb_build_object('name', p_name, 'description', p_description,
                                                       'confirm', coalesce(p_confirm, false), 'from', au.layer));
    IF au.catch THEN
        BEGIN
            FOR layer_id, name, discarded IN SELECT * FROM tarbox._do_layer_new(p_name, p_description, p_confirm) LOOP
                RETURN NEXT;
            END LOOP;
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        FOR layer_id, name, discarded IN SELECT * FROM tarbox._do_layer_new(p_name, p_description, p_confirm) LOOP
            RETURN NEXT;
        END LOOP;
    END IF;
    au.layer := layer_id;
    au.details := au.details || jsonb_build_object('discarded', discarded);
    PERFORM tarbox._audit_ok(au);
END
$$;
ALTER FUNCTION tarbox.layer_new(text, text, boolean, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.layer_new(text, text, boolean, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.layer_new(text, text, boolean, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.layer_new(text, text, boolean, bigint, bigint, int) IS
'Audit: recorded as operation layer_new (level basic; layer = the new layer, details: name, description, the layer it was made from, layers discarded). p_caller_uid, p_caller_gid, p_caller_pid: the calling process (FUSE control files; kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.layer_new(text, text, boolean, bigint, bigint, int)', 'tarbox._do_layer_new(text, text, boolean)');  -- the operation's reference first
