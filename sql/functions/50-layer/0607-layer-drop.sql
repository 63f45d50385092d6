CREATE OR REPLACE FUNCTION tarbox._do_layer_drop(p_layer text, p_confirm boolean DEFAULT false)
RETURNS TABLE (layer_id int, name text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    c tarbox._context := tarbox._layer_lock();
    v_id int;
    v_name text;
    v_prev int;
    v_next int;
    v_hashes bytea[];
BEGIN
    IF p_layer IS NULL THEN
        PERFORM tarbox._raise('EINVAL', 'name the layer to drop');
    END IF;
    v_id := tarbox._layer_ref(c.tenant_id, p_layer);
    SELECT l.name INTO v_name FROM tarbox.layer l WHERE l.tenant_id = c.tenant_id AND l.layer_id = v_id;
    SELECT max(l.layer_id) INTO v_prev FROM tarbox.layer l WHERE l.tenant_id = c.tenant_id AND l.layer_id < v_id;
    SELECT min(l.layer_id) INTO v_next FROM tarbox.layer l WHERE l.tenant_id = c.tenant_id AND l.layer_id > v_id;
    IF v_prev IS NULL THEN
        PERFORM tarbox._raise('EPERM', format('layer %s is the base layer and cannot be dropped', v_name));
    END IF;
    PERFORM tarbox._layer_unpublished(c.tenant_id, v_id, v_id);
    IF v_id = c.layer AND (p_layer <> 'current' OR NOT coalesce(p_confirm, false)) THEN
        PERFORM tarbox._raise('EBUSY', format(
            'layer %s is the current layer: dropping it discards its changes and makes layer %s current; to do that, confirm: SELECT tarbox.layer_drop(''current'', true), or write {"name": "current", "confirm": true} to /.tarbox/layers/drop',
            v_name, v_prev));
    END IF;
    IF v_next IS NULL THEN
        -- The newest layer: its changes are discarded.
        PERFORM tarbox._layer_discard_after(c.tenant_id, v_prev);
    ELSE
        -- A layer in the middle: its changes are merged into the next layer, whose view does not
        -- change; rows seen only by the dropped layer go, and
        -- the blocks only they referenced.
        DELETE FROM tarbox.inode WHERE tenant_id = c.tenant_id AND born = v_id AND born > 1 AND died = v_next;
        DELETE FROM tarbox.dentry WHERE tenant_id = c.tenant_id AND born = v_id AND born > 1 AND died = v_next;
        WITH d AS (DELETE FROM tarbox.blockmap WHERE tenant_id = c.tenant_id AND born = v_id AND born > 1 AND died = v_next
                   RETURNING hash)
        SELECT array_agg(DISTINCT hash) INTO v_hashes FROM d;
        WITH d AS (DELETE FROM tarbox.chunkmap WHERE tenant_id = c.tenant_id AND born = v_id AND born > 1 AND died = v_next
                   RETURNING hash)
        SELECT coalesce(v_hashes, '{}') || coalesce(array_agg(DISTINCT hash), '{}') INTO v_hashes FROM d;
        DELETE FROM tarbox.xattr WHERE tenant_id = c.tenant_id AND born = v_id AND born > 1 AND died = v_next;
        UPDATE tarbox.inode SET born = v_next WHERE tenant_id = c.tenant_id AND born = v_id AND born > 1;
        UPDATE tarbox.dentry SET born = v_next WHERE tenant_id = c.tenant_id AND born = v_id AND born > 1;
        UPDATE tarbox.blockmap SET born = v_next WHERE tenant_id = c.tenant_id AND born = v_id AND born > 1;
        UPDATE tarbox.chunkmap SET born = v_next WHERE tenant_id = c.tenant_id AND born = v_id AND born > 1;
        UPDATE tarbox.xattr SET born = v_next WHERE tenant_id = c.tenant_id AND born = v_id AND born > 1;
        UPDATE tarbox.inode SET died = v_next WHERE tenant_id = c.tenant_id AND died = v_id;
        UPDATE tarbox.dentry SET died = v_next WHERE tenant_id = c.tenant_id AND died = v_id;
        UPDATE tarbox.blockmap SET died = v_next WHERE tenant_id = c.tenant_id AND died = v_id;
        UPDATE tarbox.chunkmap SET died = v_next WHERE tenant_id = c.tenant_id AND died = v_id;
        UPDATE tarbox.xattr SET died = v_next WHERE tenant_id = c.tenant_id AND died = v_id;
        DELETE FROM tarbox.layer l WHERE l.tenant_id = c.tenant_id AND l.layer_id = v_id;
        PERFORM tarbox._block_release(c.tenant_id, v_hashes);
    END IF;
    IF v_id = c.layer THEN
        UPDATE tarbox.tenant t SET current_layer = v_prev WHERE t.tenant_id = c.tenant_id;
        PERFORM tarbox._notify_layer(c.tenant_id, v_prev);
    END IF;
    RETURN QUERY SELECT v_id, v_name;
END
$$;
ALTER FUNCTION tarbox._do_layer_drop(text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_layer_drop(text, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_layer_drop(text, boolean) IS
'Drop layer p_layer (name, tag or id). A layer in the middle of the history is merged into the next one (the views of the later layers do not change; the dropped one can no longer be browsed); the newest layer''s changes are discarded. The base layer cannot be dropped (EPERM). The current layer is dropped only when named ''current'' with p_confirm; the layer below it becomes current. Returns the dropped (layer_id, name). Errors: ENOENT (TX002), EPERM (TX001), EBUSY (TX016) confirmation needed, EINVAL (TX022).';
