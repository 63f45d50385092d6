CREATE OR REPLACE FUNCTION tarbox._do_layer_switch(p_layer text)
RETURNS TABLE (layer_id int, name text, read_only boolean)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    c tarbox._context;
    v_id int;
BEGIN
    IF p_layer IS NULL THEN
        PERFORM tarbox._raise('EINVAL', 'name the layer to switch to (''head'' names the newest)');
    END IF;
    c := tarbox._layer_lock();
    v_id := tarbox._layer_ref(c.tenant_id, p_layer);
    UPDATE tarbox.tenant t SET current_layer = v_id WHERE t.tenant_id = c.tenant_id;
    PERFORM tarbox._notify_layer(c.tenant_id, v_id);
    RETURN QUERY SELECT l.layer_id, l.name, l.layer_id <> c.head
                   FROM tarbox.layer l WHERE l.tenant_id = c.tenant_id AND l.layer_id = v_id;
END
$$;
ALTER FUNCTION tarbox._do_layer_switch(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_layer_switch(text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_layer_switch(text) IS
'Make layer p_layer (name, tag, id, ''head'') the tenant''s current layer: every mount and SQL call of the tenant sees the tree as of that layer (mounts are told by NOTIFY). Later layers are kept; a historical layer is read-only (writes fail with EROFS) until you switch back to the newest or create a new layer on it. Returns (layer_id, name, read_only). Errors: ENOENT (TX002) no such layer, EINVAL (TX022) NULL.';
