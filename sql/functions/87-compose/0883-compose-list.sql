CREATE OR REPLACE FUNCTION tarbox.compose_list()
RETURNS TABLE (compose_id int, mount_path text, source text, mode text, available boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_me bigint := tarbox._tenant_id();
BEGIN
    IF v_me IS NULL THEN
        PERFORM tarbox._raise('EACCES', format('role %s is not a tenant', tarbox._caller()));
    END IF;
    RETURN QUERY
        SELECT k.compose_id, k.mount_path, 'published:' || k.publication, k.mode,
               EXISTS (SELECT 1 FROM tarbox.publication_grant g
                        WHERE g.tenant_id = v_me AND g.publisher_id = k.publisher_id AND g.name = k.publication)
               OR EXISTS (SELECT 1 FROM tarbox.publication p
                           WHERE p.tenant_id = k.publisher_id AND p.name = k.publication AND p.public)
          FROM tarbox.composition k
         WHERE k.tenant_id = v_me
         ORDER BY k.mount_path;
END
$$;
ALTER FUNCTION tarbox.compose_list() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_list() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_list() TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_list() IS
'The calling tenant''s compositions: id (the slot of its inode numbers in a mount), mount path, source (published:NAME), mode, and available (false once the grant was revoked: lookups below it answer ENOENT). Errors: EACCES (TX013) not a tenant.';
