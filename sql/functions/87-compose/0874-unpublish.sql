CREATE OR REPLACE FUNCTION tarbox.unpublish(p_name text)
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v tarbox.publication;
    v_n int;
BEGIN
    PERFORM tarbox._require_admin();
    v := tarbox._publication_find(p_name);
    SELECT count(*) INTO v_n FROM tarbox.composition k
     WHERE k.publisher_id = v.tenant_id AND k.publication = v.name;
    DELETE FROM tarbox.publication p WHERE p.tenant_id = v.tenant_id AND p.name = v.name;
    PERFORM tarbox._audit_admin(v.tenant_id, 'unpublish', jsonb_build_object('name', v.name, 'compositions', v_n));
    RETURN v_n;
END
$$;
ALTER FUNCTION tarbox.unpublish(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.unpublish(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.unpublish(text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.unpublish(text) IS
'Administrators: withdraw publication p_name. Its grants and the compositions of it go with it (cascade); consumers'' own rows (their mount point directories) stay. A running mount of it answers ENOENT from the next request on. Returns the number of compositions removed. Errors: ENOENT (TX002) no such publication, 42501 not an administrator.';
