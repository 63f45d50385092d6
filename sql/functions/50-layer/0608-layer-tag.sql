CREATE OR REPLACE FUNCTION tarbox._do_layer_tag(p_layer text, p_tag text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context;
BEGIN
    IF p_layer IS NULL THEN
        PERFORM tarbox._raise('EINVAL', 'name the layer to tag (''current'' names the current one)');
    END IF;
    c := tarbox._layer_lock();
    PERFORM tarbox._layer_check_name(c.tenant_id, p_tag);
    INSERT INTO tarbox.layer_tag (tenant_id, tag, layer_id)
    VALUES (c.tenant_id, p_tag, tarbox._layer_ref(c.tenant_id, p_layer));
END
$$;
CREATE OR REPLACE FUNCTION tarbox._do_layer_untag(p_tag text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._layer_lock();
BEGIN
    DELETE FROM tarbox.layer_tag g WHERE g.tenant_id = c.tenant_id AND g.tag = p_tag;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no tag %L', p_tag));
    END IF;
END
$$;
ALTER FUNCTION tarbox._do_layer_tag(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_layer_tag(text, text) FROM PUBLIC;
ALTER FUNCTION tarbox._do_layer_untag(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_layer_untag(text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_layer_tag(text, text) IS
'Give layer p_layer (name, tag, id, ''current'', ''head'') the extra name p_tag, usable wherever a layer is named. Errors: ENOENT (TX002) no such layer, EINVAL (TX022) bad tag or NULL layer, EEXIST (TX017) name taken.';
COMMENT ON FUNCTION tarbox._do_layer_untag(text) IS
'Remove tag p_tag (the layer stays). Errors: ENOENT (TX002) no such tag.';
