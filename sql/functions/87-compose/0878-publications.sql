CREATE OR REPLACE FUNCTION tarbox.publications()
RETURNS TABLE (name text, tenant text, layer_id int, public boolean, granted_to text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._require_admin();
    RETURN QUERY
        SELECT p.name, t.name, p.layer_id, p.public,
               coalesce((SELECT array_agg(u.name ORDER BY u.name)
                           FROM tarbox.publication_grant g JOIN tarbox.tenant u ON u.tenant_id = g.tenant_id
                          WHERE g.publisher_id = p.tenant_id AND g.name = p.name), '{}')
          FROM tarbox.publication p JOIN tarbox.tenant t ON t.tenant_id = p.tenant_id
         ORDER BY p.name;
END
$$;
ALTER FUNCTION tarbox.publications() OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.publications() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.publications() TO tarbox_admin;
COMMENT ON FUNCTION tarbox.publications() IS
'Administrators: every publication: name, publishing tenant, layer id, public, and the tenants of its allow-list (sorted). Errors: 42501 not an administrator.';
