CREATE OR REPLACE FUNCTION tarbox.publication_list()
RETURNS TABLE (name text, publisher_id bigint, layer_id int, public boolean, own boolean, granted_to bigint[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_me bigint := tarbox._tenant_id();
BEGIN
    IF v_me IS NULL THEN
        PERFORM tarbox._raise('EACCES', format('role %s is not a tenant', tarbox._caller()));
    END IF;
    -- Row-level security shows the caller its own publications, the public ones, and the
    -- grants to it and of its own publications; nothing else.
    RETURN QUERY
        SELECT p.name, p.tenant_id, p.layer_id, p.public, p.tenant_id = v_me,
               CASE WHEN p.tenant_id = v_me THEN
                   coalesce((SELECT array_agg(g.tenant_id ORDER BY g.tenant_id) FROM tarbox.publication_grant g
                              WHERE g.publisher_id = p.tenant_id AND g.name = p.name), '{}') END
          FROM tarbox.publication p
        UNION ALL
        SELECT g.name, g.publisher_id, g.layer_id, false, false, NULL::bigint[]
          FROM tarbox.publication_grant g
         WHERE g.tenant_id = v_me
           AND NOT EXISTS (SELECT 1 FROM tarbox.publication p
                            WHERE p.tenant_id = g.publisher_id AND p.name = g.name)
        ORDER BY 1;
END
$$;
ALTER FUNCTION tarbox.publication_list() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.publication_list() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.publication_list() TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.publication_list() IS
'The publications the calling tenant may compose (public, or granted to it) and its own: name, publishing tenant id, layer id, public, own; granted_to (the tenant ids of the allow-list) only for its own (NULL otherwise: a consumer does not learn who else may compose). Errors: EACCES (TX013) not a tenant.';
