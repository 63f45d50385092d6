-- tarbox.layer_switch: audited entry point of tarbox._do_layer_switch (op layer_switch, level basic).
CREATE OR REPLACE FUNCTION tarbox.layer_switch(p_layer text,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS TABLE (layer_id int, name text, read_only boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_scope(
        tarbox._audit_begin('layer_switch', 1, NULL, p_caller_uid, p_caller_gid, p_caller_pid));
BEGIN
    IF au.op IS NULL THEN
        RETURN QUERY SELECT * FROM tarbox._do_layer_switch(p_layer);
        RETURN;
    END IF;
    au.details := jsonb_build_object('to', p_layer, 'from', au.layer);
    IF au.catch THEN
        BEGIN
            FOR layer_id, name, read_only IN SELECT * FROM tarbox._do_layer_switch(p_layer) LOOP
                RETURN NEXT;
            END LOOP;
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        FOR layer_id, name, read_only IN SELECT * FROM tarbox._do_layer_switch(p_layer) LOOP
            RETURN NEXT;
        END LOOP;
    END IF;
    au.layer := layer_id;
    PERFORM tarbox._audit_ok(au);
END
$$;
ALTER FUNCTION tarbox.layer_switch(text, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.layer_switch(text, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.layer_switch(text, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.layer_switch(text, bigint, bigint, int) IS
'Audit: recorded as operation layer_switch (level basic; layer = the layer switched to, details: the reference given and the layer before). p_caller_uid, p_caller_gid, p_caller_pid: the calling process (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.layer_switch(text, bigint, bigint, int)', 'tarbox._do_layer_switch(text)');  -- the operation's reference first
