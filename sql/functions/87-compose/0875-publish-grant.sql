CREATE OR REPLACE FUNCTION tarbox.publish_grant(p_name text, p_tenant text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v tarbox.publication;
    v_tenant bigint;
BEGIN
    PERFORM tarbox._require_admin();
    v := tarbox._publication_find(p_name);
    v_tenant := tarbox._tenant_named(p_tenant);
    IF v_tenant = v.tenant_id THEN
        PERFORM tarbox._raise('EINVAL', format('tenant %s publishes %L: it cannot be granted its own publication', p_tenant, p_name));
    END IF;
    INSERT INTO tarbox.publication_grant (tenant_id, publisher_id, name, layer_id)
    VALUES (v_tenant, v.tenant_id, v.name, v.layer_id) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM tarbox._audit_admin(v.tenant_id, 'publish_grant', jsonb_build_object('name', v.name, 'tenant', p_tenant));
    RETURN true;
END
$$;
ALTER FUNCTION tarbox.publish_grant(text, text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.publish_grant(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.publish_grant(text, text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.publish_grant(text, text) IS
'Administrators: add tenant p_tenant to the allow-list of publication p_name (meaningful for a non-public one). Returns true when the grant is new, false when it existed. Errors: ENOENT (TX002) no such publication or tenant, EINVAL (TX022) p_tenant is the publisher, 42501 not an administrator.';
