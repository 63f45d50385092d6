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
    PERFORM tarbox._audit_admin(v.tenant_id, 'publish_set_public', jsonb_build_object('name', v.name, 'public', p_public));
END
$$;
ALTER FUNCTION tarbox.publish_set_public(text, boolean) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.publish_set_public(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.publish_set_public(text, boolean) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.publish_set_public(text, boolean) IS
'Administrators: make publication p_name public (every tenant may compose it) or private (only its allow-list). Errors: ENOENT (TX002) no such publication, EINVAL (TX022) NULL, 42501 not an administrator.';
