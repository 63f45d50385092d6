CREATE OR REPLACE FUNCTION tarbox.gc(p_tenant text DEFAULT NULL)
RETURNS TABLE (tenant text, blocks_freed bigint, bytes_freed bigint, blocks_kept bigint, ms numeric)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_id bigint := tarbox._tenant_id();
    v_name text;
BEGIN
    IF v_id IS NULL THEN
        RETURN QUERY SELECT * FROM tarbox.tenant_gc(p_tenant);
        RETURN;
    END IF;
    SELECT t.name INTO v_name FROM tarbox.tenant t WHERE t.tenant_id = v_id;
    IF p_tenant IS NOT NULL AND p_tenant IS DISTINCT FROM v_name THEN
        PERFORM tarbox._raise('EACCES', 'a tenant can only collect its own garbage: call tarbox.gc() without a name');
    END IF;
    RETURN QUERY SELECT v_name, g.blocks_freed, g.bytes_freed, g.blocks_kept, g.ms FROM tarbox._gc(v_id) g;
END
$$;
ALTER FUNCTION tarbox.gc(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.gc(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.gc(text) TO tarbox_tenant, tarbox_admin;
COMMENT ON FUNCTION tarbox.gc(text) IS
'Garbage collection: delete the blocks (binary blocks and text chunks) that no version of any file in any layer references, safely while the tenant is being written. A tenant collects its own (p_tenant NULL or its own name); an administrator names a tenant, or NULL for every tenant (tarbox.tenant_gc). Returns one row per tenant: blocks and bytes freed, blocks kept, milliseconds taken. Deleting files and dropping layers free their unshared blocks at once; gc collects what concurrent writers left (a block skipped because another transaction held it) and data from before the storage upgrade. Errors: EACCES (TX013) a tenant naming another tenant, ENOENT (TX002) no such tenant (administrators), 42501 neither tenant nor administrator.';

CREATE OR REPLACE FUNCTION tarbox.tenant_gc(p_name text DEFAULT NULL)
RETURNS TABLE (tenant text, blocks_freed bigint, bytes_freed bigint, blocks_kept bigint, ms numeric)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    r record;
BEGIN
    PERFORM tarbox._require_admin();
    IF p_name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tarbox.tenant t WHERE t.name = p_name) THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_name));
    END IF;
    FOR r IN SELECT t.tenant_id, t.name FROM tarbox.tenant t
              WHERE p_name IS NULL OR t.name = p_name ORDER BY t.name LOOP
        RETURN QUERY SELECT r.name, g.blocks_freed, g.bytes_freed, g.blocks_kept, g.ms FROM tarbox._gc(r.tenant_id) g;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox.tenant_gc(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_gc(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_gc(text) TO tarbox_admin, tarbox_owner;
COMMENT ON FUNCTION tarbox.tenant_gc(text) IS
'Administrators: tarbox.gc for tenant p_name, or every tenant when NULL (one row each: tenant, blocks and bytes freed, blocks kept, milliseconds). Errors: ENOENT (TX002) no such tenant, 42501 not an administrator.';
