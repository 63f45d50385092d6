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
    RETURN FOUND;
END
$$;
ALTER FUNCTION tarbox.publish_grant(text, text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.publish_grant(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.publish_grant(text, text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.publish_grant(text, text) IS
'Administrators: add tenant p_tenant to the allow-list of publication p_name (meaningful for a non-public one). Returns true when the grant is new, false when it existed. Errors: ENOENT (TX002) no such publication or tenant, EINVAL (TX022) p_tenant is the publisher, 42501 not an administrator.';

CREATE OR REPLACE FUNCTION tarbox.publish_revoke(p_name text, p_tenant text)
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
    DELETE FROM tarbox.publication_grant g
     WHERE g.tenant_id = v_tenant AND g.publisher_id = v.tenant_id AND g.name = v.name;
    RETURN FOUND;
END
$$;
ALTER FUNCTION tarbox.publish_revoke(text, text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.publish_revoke(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.publish_revoke(text, text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.publish_revoke(text, text) IS
'Administrators: remove tenant p_tenant from the allow-list of publication p_name. From the tenant''s next statement on it sees none of the publication''s rows (row-level security) and its compositions of it answer ENOENT; the composition definitions stay, and work again after a new grant. Returns whether a grant was removed. Errors: ENOENT (TX002) no such publication or tenant, 42501 not an administrator.';

CREATE OR REPLACE FUNCTION tarbox.publish_set_public(p_name text, p_public boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v tarbox.publication;
BEGIN
    PERFORM tarbox._require_admin();
    IF p_public IS NULL THEN
        PERFORM tarbox._raise('EINVAL', 'public must be true or false');
    END IF;
    v := tarbox._publication_find(p_name);
    UPDATE tarbox.publication p SET public = p_public WHERE p.tenant_id = v.tenant_id AND p.name = v.name;
END
$$;
ALTER FUNCTION tarbox.publish_set_public(text, boolean) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.publish_set_public(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.publish_set_public(text, boolean) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.publish_set_public(text, boolean) IS
'Administrators: make publication p_name public (every tenant may compose it) or private (only its allow-list). Errors: ENOENT (TX002) no such publication, EINVAL (TX022) NULL, 42501 not an administrator.';
