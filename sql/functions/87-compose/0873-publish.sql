-- publish runs as tarbox_maint and resolves the layer reference as the layer API does.
GRANT EXECUTE ON FUNCTION tarbox._layer_ref(bigint, text) TO tarbox_maint;

CREATE OR REPLACE FUNCTION tarbox.publish(p_tenant text, p_layer text, p_name text, p_to text[] DEFAULT NULL)
RETURNS TABLE (name text, tenant text, layer_id int, public boolean, granted_to text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_tenant bigint;
    v_layer int;
    v_head int;
    v_to bigint[];
    v_other text;
BEGIN
    PERFORM tarbox._require_admin();
    IF p_name IS NULL OR p_name !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' THEN
        PERFORM tarbox._raise('EINVAL', format(
            'publication name %L: 1..128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit', p_name));
    END IF;
    v_tenant := tarbox._tenant_named(p_tenant);
    SELECT t.name INTO v_other FROM tarbox.publication p JOIN tarbox.tenant t ON t.tenant_id = p.tenant_id
     WHERE p.name = p_name;
    IF FOUND THEN
        PERFORM tarbox._raise('EEXIST', format('publication %L exists already (tenant %s)', p_name, v_other));
    END IF;
    v_layer := tarbox._layer_ref(v_tenant, p_layer);
    SELECT max(l.layer_id) INTO v_head FROM tarbox.layer l WHERE l.tenant_id = v_tenant;
    IF v_layer = v_head THEN
        PERFORM tarbox._raise('EBUSY', format(
            'layer %s of tenant %s is its newest layer, still written in place: create a layer on it (tarbox layer new) and publish this one, which is then frozen',
            v_layer, p_tenant));
    END IF;
    SELECT array_agg(tarbox._tenant_named(t) ORDER BY t) INTO v_to FROM unnest(p_to) t;
    IF v_tenant = ANY (v_to) THEN
        PERFORM tarbox._raise('EINVAL', format('tenant %s cannot be granted its own publication', p_tenant));
    END IF;
    INSERT INTO tarbox.publication (tenant_id, name, layer_id, public)
    VALUES (v_tenant, p_name, v_layer, p_to IS NULL)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('EEXIST', format('publication %L was published concurrently', p_name));
    END IF;
    INSERT INTO tarbox.publication_grant (tenant_id, publisher_id, name, layer_id)
    SELECT DISTINCT t, v_tenant, p_name, v_layer FROM unnest(v_to) t;
    PERFORM tarbox._audit_admin(v_tenant, 'publish', jsonb_build_object('name', p_name, 'layer', v_layer, 'to', p_to));
    RETURN QUERY SELECT * FROM tarbox.publications() l WHERE l.name = p_name;
END
$$;
ALTER FUNCTION tarbox.publish(text, text, text, text[]) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.publish(text, text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.publish(text, text, text, text[]) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.publish(text, text, text, text[]) IS
'Administrators: publish the tree of tenant p_tenant as of layer p_layer (a name, tag, id, ''current'' or ''head'') as publication p_name (1..128 of A-Z a-z 0-9 . _ -; unique in the database), to every tenant when p_to is NULL (public), else to the tenants named in p_to (an allow-list, possibly empty; tarbox.publish_grant adds to it). The layer must not be the newest one (whose rows change in place): a published layer is frozen, and cannot be dropped or discarded while published (EBUSY). Returns the publication as tarbox.publications() lists it. Errors: EINVAL (TX022) bad name or the publisher in p_to, ENOENT (TX002) no such tenant or layer, EBUSY (TX016) the newest layer, EEXIST (TX017) the name is taken, 42501 not an administrator.';
