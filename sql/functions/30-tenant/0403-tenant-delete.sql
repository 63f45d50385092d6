CREATE OR REPLACE FUNCTION tarbox._do_tenant_delete(p_name text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM tarbox._require_admin();
    SELECT t.tenant_id INTO v_id FROM tarbox.tenant t WHERE t.name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_name));
    END IF;
    -- Exclusive layer lock: no write of the tenant is in flight while its rows go.
    PERFORM pg_advisory_xact_lock(v_id);
    DELETE FROM tarbox.xattr WHERE tenant_id = v_id;
    DELETE FROM tarbox.blockmap WHERE tenant_id = v_id;
    DELETE FROM tarbox.chunkmap WHERE tenant_id = v_id;
    DELETE FROM tarbox.usage_delta WHERE tenant_id = v_id;
    DELETE FROM tarbox.block WHERE tenant_id = v_id;
    DELETE FROM tarbox.dentry WHERE tenant_id = v_id;
    DELETE FROM tarbox.inode WHERE tenant_id = v_id;
    DELETE FROM tarbox.mount_session WHERE tenant_id = v_id;
    DELETE FROM tarbox.layer_tag WHERE tenant_id = v_id;
    DELETE FROM tarbox.layer WHERE tenant_id = v_id;  -- tenant.current_layer's check is deferred
    DELETE FROM tarbox.tenant WHERE tenant_id = v_id;
    EXECUTE format('DROP SEQUENCE IF EXISTS tarbox.%I', 'ino_seq_' || v_id);
    EXECUTE format('DROP ROLE IF EXISTS %I', 'tarbox_tenant_' || v_id);
END
$$;
ALTER FUNCTION tarbox._do_tenant_delete(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._do_tenant_delete(text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_tenant_delete(text) IS
'Administrators: delete tenant p_name with all its rows (every layer, inode, entry, block, chunk map, xattr, usage counter), its inode sequence and its role. Errors: ENOENT (TX002) no such tenant, 42501 not an administrator.';
