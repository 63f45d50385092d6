CREATE OR REPLACE FUNCTION tarbox.layer_info(p_layer text)
RETURNS TABLE (layer_id int, name text, description text, created_at timestamptz,
               is_current boolean, is_head boolean, tags text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id int := tarbox._layer_ref((tarbox._ctx(NULL, false)).tenant_id, p_layer);
BEGIN
    RETURN QUERY SELECT * FROM tarbox.layer_list() l WHERE l.layer_id = v_id;
END
$$;
ALTER FUNCTION tarbox.layer_info(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.layer_info(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.layer_info(text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.layer_info(text) IS
'The layer a reference names (name, tag, decimal id, ''current'', ''head''), as a row of tarbox.layer_list(); its layer_id is what the inode API''s p_layer takes. Errors: ENOENT (TX002) no such layer, EACCES (TX013).';
