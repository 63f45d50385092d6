CREATE OR REPLACE FUNCTION tarbox.compose_definitions(p_tenant text DEFAULT NULL)
RETURNS TABLE (tenant text, compose_id int, mount_path text, source text, publisher text, mode text, available boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._require_admin();
    RETURN QUERY
        SELECT t.name, k.compose_id, k.mount_path, 'published:' || k.publication, u.name, k.mode,
               p.public OR EXISTS (SELECT 1 FROM tarbox.publication_grant g
                                    WHERE g.tenant_id = k.tenant_id AND g.publisher_id = p.tenant_id AND g.name = p.name)
          FROM tarbox.composition k
          JOIN tarbox.tenant t ON t.tenant_id = k.tenant_id
          JOIN tarbox.tenant u ON u.tenant_id = k.publisher_id
          JOIN tarbox.publication p ON p.tenant_id = k.publisher_id AND p.name = k.publication
         WHERE p_tenant IS NULL OR t.name = p_tenant
         ORDER BY t.name, k.mount_path;
END
$$;
ALTER FUNCTION tarbox.compose_definitions(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.compose_definitions(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_definitions(text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.compose_definitions(text) IS
'Administrators: the compositions of tenant p_tenant (NULL = every tenant): tenant, id, mount path, source (published:NAME), publishing tenant, mode, and available (the publication is public or granted to the tenant now). Errors: 42501 not an administrator.';
