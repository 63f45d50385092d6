CREATE OR REPLACE FUNCTION tarbox._do_layer_new(p_name text, p_description text DEFAULT NULL, p_confirm boolean DEFAULT false)
RETURNS TABLE (layer_id int, name text, discarded int)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    c tarbox._context := tarbox._layer_lock();
    v_future int;
    v_names text;
BEGIN
    PERFORM tarbox._layer_check_name(c.tenant_id, p_name);
    IF length(p_description) > 4096 THEN
        PERFORM tarbox._raise('EINVAL', 'layer description longer than 4096 characters');
    END IF;
    SELECT count(*), string_agg(l.name, ', ' ORDER BY l.layer_id) INTO v_future, v_names
      FROM tarbox.layer l WHERE l.tenant_id = c.tenant_id AND l.layer_id > c.layer;
    IF v_future > 0 THEN
        IF NOT coalesce(p_confirm, false) THEN
            PERFORM tarbox._raise('EBUSY', format(
                'the current layer %s is historical: a new layer on it deletes the %s later layer(s) (%s). To do that, confirm: SELECT tarbox.layer_new(%L, NULL, true), or write {"name": "%s", "confirm": true} to /.tarbox/layers/new',
                c.layer, v_future, v_names, p_name, p_name));
        END IF;
        PERFORM tarbox._layer_discard_after(c.tenant_id, c.layer);
    END IF;
    IF (SELECT t.quota_layers FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id)
       <= (SELECT count(*) FROM tarbox.layer l WHERE l.tenant_id = c.tenant_id) THEN
        PERFORM tarbox._raise('EDQUOT', format('layer quota of %s layers reached; drop a layer first',
            (SELECT t.quota_layers FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id)));
    END IF;
    INSERT INTO tarbox.layer (tenant_id, layer_id, name, description)
    VALUES (c.tenant_id, c.layer + 1, p_name, p_description);
    UPDATE tarbox.tenant t SET current_layer = c.layer + 1 WHERE t.tenant_id = c.tenant_id;
    PERFORM tarbox._notify_layer(c.tenant_id, c.layer + 1);
    RETURN QUERY SELECT c.layer + 1, p_name, coalesce(v_future, 0);
END
$$;
ALTER FUNCTION tarbox._do_layer_new(text, text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_layer_new(text, text, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_layer_new(text, text, boolean) IS
'Checkpoint: freeze the current layer and open a new writable layer named p_name on top of it, which becomes current (O(1) in the number of files: rows are copied on their first change). If the current layer is historical, the later layers are deleted, only with p_confirm (else EBUSY with how to confirm). Returns (layer_id, name, discarded = number of layers deleted). Serialised per tenant against writes and other checkpoints. Errors: EDQUOT (TX122) the tenant''s layer quota is reached, EINVAL (TX022) bad name, EEXIST (TX017) name taken, EBUSY (TX016) confirmation needed.';
