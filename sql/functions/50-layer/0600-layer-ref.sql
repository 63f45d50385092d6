-- tarbox._layer_ref(tenant, ref): the layer id a reference names: 'current', 'head' (the newest
-- layer), a layer name, a tag, or a layer id in decimal. NULL ref = current. ENOENT when none.
CREATE OR REPLACE FUNCTION tarbox._layer_ref(p_tenant bigint, p_ref text)
RETURNS int
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_id int;
BEGIN
    IF p_ref IS NULL OR p_ref = 'current' THEN
        SELECT t.current_layer INTO v_id FROM tarbox.tenant t WHERE t.tenant_id = p_tenant;
    ELSIF p_ref = 'head' THEN
        SELECT l.layer_id INTO v_id FROM tarbox.layer l WHERE l.tenant_id = p_tenant
         ORDER BY l.layer_id DESC LIMIT 1;
    ELSE
        SELECT l.layer_id INTO v_id FROM tarbox.layer l WHERE l.tenant_id = p_tenant AND l.name = p_ref;
        IF v_id IS NULL THEN
            SELECT g.layer_id INTO v_id FROM tarbox.layer_tag g WHERE g.tenant_id = p_tenant AND g.tag = p_ref;
        END IF;
        IF v_id IS NULL AND p_ref ~ '^[0-9]{1,9}$' THEN
            SELECT l.layer_id INTO v_id FROM tarbox.layer l WHERE l.tenant_id = p_tenant AND l.layer_id = p_ref::int;
        END IF;
    END IF;
    IF v_id IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('no layer or tag %L', p_ref));
    END IF;
    RETURN v_id;
END
$$;
ALTER FUNCTION tarbox._layer_ref(bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._layer_ref(bigint, text) FROM PUBLIC;
