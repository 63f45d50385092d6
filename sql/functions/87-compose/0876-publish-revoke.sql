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
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM tarbox._audit_admin(v.tenant_id, 'publish_revoke', jsonb_build_object('name', v.name, 'tenant', p_tenant));
    RETURN true;
END
$$;
ALTER FUNCTION tarbox.publish_revoke(text, text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.publish_revoke(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.publish_revoke(text, text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.publish_revoke(text, text) IS
'Administrators: remove tenant p_tenant from the allow-list of publication p_name. From the tenant''s next statement on it sees none of the publication''s rows (row-level security) and its compositions of it answer ENOENT; the composition definitions stay, and work again after a new grant. Returns whether a grant was removed. Errors: ENOENT (TX002) no such publication or tenant, 42501 not an administrator.';
