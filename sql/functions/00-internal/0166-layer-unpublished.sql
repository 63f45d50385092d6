-- tarbox._layer_unpublished(tenant, first, last): EBUSY unless no layer p_first..p_last of the
-- tenant is published (tarbox.publication): a published layer is frozen, so dropping or
-- discarding it would change what its consumers see. Called by layer_drop and
-- _layer_discard_after before they delete anything.
CREATE OR REPLACE FUNCTION tarbox._layer_unpublished(p_tenant bigint, p_first int, p_last int)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_name text;
    v_layer int;
BEGIN
    SELECT p.name, p.layer_id INTO v_name, v_layer FROM tarbox.publication p
     WHERE p.tenant_id = p_tenant AND p.layer_id BETWEEN p_first AND p_last
     ORDER BY p.layer_id, p.name LIMIT 1;
    IF FOUND THEN
        PERFORM tarbox._raise('EBUSY', format(
            'layer %s is published as %L: an administrator must unpublish it first (tarbox unpublish %s)',
            v_layer, v_name, v_name));
    END IF;
END
$$;
ALTER FUNCTION tarbox._layer_unpublished(bigint, int, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._layer_unpublished(bigint, int, int) FROM PUBLIC;
