CREATE OR REPLACE FUNCTION tarbox.usage(p_tenant text DEFAULT NULL)
RETURNS TABLE (tenant text, logical_bytes bigint, referenced_bytes bigint, unique_bytes bigint,
               stored_bytes bigint, metadata_bytes bigint, garbage_bytes bigint, inodes bigint,
               layers bigint, blocks bigint, text_files bigint, chunks bigint, dedup_ratio numeric,
               used_bytes bigint, used_inodes bigint, quota_bytes bigint, quota_inodes bigint,
               quota_layers int, text_max_bytes bigint, text_max_lines bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint := tarbox._tenant_id();
    v_name text;
BEGIN
    IF v_id IS NULL THEN
        RETURN QUERY SELECT * FROM tarbox.tenant_usage(p_tenant);
        RETURN;
    END IF;
    SELECT t.name INTO v_name FROM tarbox.tenant t WHERE t.tenant_id = v_id;
    IF p_tenant IS NOT NULL AND p_tenant IS DISTINCT FROM v_name THEN
        PERFORM tarbox._raise('EACCES', 'a tenant can only see its own usage: call tarbox.usage() without a name');
    END IF;
    RETURN QUERY SELECT v_name, u.* FROM tarbox._usage(v_id) u;
END
$$;
ALTER FUNCTION tarbox.usage(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.usage(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.usage(text) TO tarbox_tenant, tarbox_admin;
COMMENT ON FUNCTION tarbox.usage(text) IS
'Storage usage of the calling tenant (p_tenant NULL or its own name), or for an administrator of tenant p_tenant or every tenant (tarbox.tenant_usage). Bytes: logical_bytes = sum of the sizes of the live regular files of the newest layer; referenced_bytes = content those versions reference (st_blocks * 512, holes excluded); unique_bytes = content stored in blocks after deduplication, every layer included; stored_bytes = the same after PostgreSQL''s compression (pg_column_size); metadata_bytes = the tenant''s inode, entry, map and xattr rows (without index overhead); garbage_bytes = blocks nothing references (tarbox.gc frees them). Counts: inodes (live, newest layer), layers, blocks, text_files (stored as chunks), chunks (live chunk map rows). dedup_ratio = referenced_bytes / unique_bytes. used_bytes / used_inodes = the counters the quotas are checked against; quota_* NULL = unlimited; text_max_bytes / text_max_lines: the thresholds for text storage. Only the tenant''s own rows are read: no figure depends on what another tenant stores. Errors: EACCES (TX013) a tenant naming another tenant, ENOENT (TX002) no such tenant (administrators), 42501 neither tenant nor administrator.';

CREATE OR REPLACE FUNCTION tarbox.tenant_usage(p_name text DEFAULT NULL)
RETURNS TABLE (tenant text, logical_bytes bigint, referenced_bytes bigint, unique_bytes bigint,
               stored_bytes bigint, metadata_bytes bigint, garbage_bytes bigint, inodes bigint,
               layers bigint, blocks bigint, text_files bigint, chunks bigint, dedup_ratio numeric,
               used_bytes bigint, used_inodes bigint, quota_bytes bigint, quota_inodes bigint,
               quota_layers int, text_max_bytes bigint, text_max_lines bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    PERFORM tarbox._require_admin();
    IF p_name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tarbox.tenant t WHERE t.name = p_name) THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_name));
    END IF;
    FOR r IN SELECT t.tenant_id, t.name FROM tarbox.tenant t
              WHERE p_name IS NULL OR t.name = p_name ORDER BY t.name LOOP
        RETURN QUERY SELECT r.name, u.* FROM tarbox._usage(r.tenant_id) u;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox.tenant_usage(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_usage(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_usage(text) TO tarbox_admin, tarbox_owner;
COMMENT ON FUNCTION tarbox.tenant_usage(text) IS
'Administrators: tarbox.usage figures of tenant p_name, or of every tenant when NULL (one row each, by name). Errors: ENOENT (TX002) no such tenant, 42501 not an administrator.';
