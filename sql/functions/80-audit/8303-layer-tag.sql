-- tarbox.layer_tag / tarbox.layer_untag: audited entry points of tarbox._do_layer_tag and
-- tarbox._do_layer_untag (ops layer_tag, layer_untag, level basic).
CREATE OR REPLACE FUNCTION tarbox.layer_tag(p_layer text, p_tag text,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_scope(
        tarbox._audit_begin('layer_tag', 1, NULL, p_caller_uid, p_caller_gid, p_caller_pid));
BEGIN
    IF au.op IS NULL THEN
        PERFORM tarbox._do_layer_tag(p_layer, p_tag);
        RETURN;
    END IF;
    au.details := jsonb_build_object('layer', p_layer, 'tag', p_tag);
    IF au.catch THEN
        BEGIN
            PERFORM tarbox._do_layer_tag(p_layer, p_tag);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        PERFORM tarbox._do_layer_tag(p_layer, p_tag);
    END IF;
    PERFORM tarbox._audit_ok(au);
END
$$;

CREATE OR REPLACE FUNCTION tarbox.layer_untag(p_tag text,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_scope(
        tarbox._audit_begin('layer_untag', 1, NULL, p_caller_uid, p_caller_gid, p_caller_pid));
BEGIN
    IF au.op IS NULL THEN
        PERFORM tarbox._do_layer_untag(p_tag);
        RETURN;
    END IF;
    au.details := jsonb_build_object('tag', p_tag);
    IF au.catch THEN
        BEGIN
            PERFORM tarbox._do_layer_untag(p_tag);
        EXCEPTION WHEN OTHERS THEN
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        PERFORM tarbox._do_layer_untag(p_tag);
    END IF;
    PERFORM tarbox._audit_ok(au);
END
$$;
ALTER FUNCTION tarbox.layer_tag(text, text, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.layer_tag(text, text, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.layer_tag(text, text, bigint, bigint, int) TO tarbox_tenant;
ALTER FUNCTION tarbox.layer_untag(text, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.layer_untag(text, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.layer_untag(text, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.layer_tag(text, text, bigint, bigint, int) IS
'Audit: recorded as operation layer_tag (level basic; details: layer and tag). p_caller_uid, p_caller_gid, p_caller_pid: the calling process (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.layer_tag(text, text, bigint, bigint, int)', 'tarbox._do_layer_tag(text, text)');  -- the operation's reference first
COMMENT ON FUNCTION tarbox.layer_untag(text, bigint, bigint, int) IS
'Audit: recorded as operation layer_untag (level basic; details: the tag). p_caller_uid, p_caller_gid, p_caller_pid: the calling process (kept only from a Tarbox shell session). With tarbox.error_mode = ''warning'' a failure is recorded too and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.layer_untag(text, bigint, bigint, int)', 'tarbox._do_layer_untag(text)');  -- the operation's reference first
