CREATE OR REPLACE FUNCTION tarbox.layer_list()
RETURNS TABLE (layer_id int, name text, description text, created_at timestamptz,
               is_current boolean, is_head boolean, tags text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
BEGIN
    RETURN QUERY
        SELECT l.layer_id, l.name, l.description, l.created_at, l.layer_id = c.layer, l.layer_id = c.head,
               coalesce((SELECT array_agg(g.tag ORDER BY g.tag) FROM tarbox.layer_tag g
                          WHERE g.tenant_id = l.tenant_id AND g.layer_id = l.layer_id), '{}')
          FROM tarbox.layer l
         WHERE l.tenant_id = c.tenant_id
         ORDER BY l.layer_id;
END
$$;
CREATE OR REPLACE FUNCTION tarbox.layer_current()
RETURNS TABLE (layer_id int, name text, description text, created_at timestamptz,
               is_current boolean, is_head boolean, tags text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM tarbox.layer_list() l WHERE l.is_current $$;
ALTER FUNCTION tarbox.layer_list() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.layer_list() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.layer_list() TO tarbox_tenant;
ALTER FUNCTION tarbox.layer_current() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.layer_current() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.layer_current() TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.layer_list() IS
'The calling tenant''s layers, oldest first: id (position in the linear history), name, description, creation time, whether it is current, whether it is the newest (the only writable one), tags. Errors: EACCES (TX013) caller is not a tenant.';
COMMENT ON FUNCTION tarbox.layer_current() IS
'The calling tenant''s current layer (the one its mounts and SQL calls see), as a row of tarbox.layer_list(). Errors: EACCES (TX013).';
