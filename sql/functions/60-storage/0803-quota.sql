CREATE OR REPLACE FUNCTION tarbox.tenant_quota(p_name text, p_bytes bigint DEFAULT NULL,
                                               p_inodes bigint DEFAULT NULL, p_layers int DEFAULT NULL)
RETURNS TABLE (tenant text, quota_bytes bigint, quota_inodes bigint, quota_layers int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    PERFORM tarbox._require_admin();
    IF p_bytes < 0 OR p_inodes < 0 OR p_layers < 0 THEN
        PERFORM tarbox._raise('EINVAL', 'a quota is a positive number, or 0 for none');
    END IF;
    UPDATE tarbox.tenant t
       SET quota_bytes = CASE WHEN p_bytes IS NULL THEN t.quota_bytes ELSE nullif(p_bytes, 0) END,
           quota_inodes = CASE WHEN p_inodes IS NULL THEN t.quota_inodes ELSE nullif(p_inodes, 0) END,
           quota_layers = CASE WHEN p_layers IS NULL THEN t.quota_layers ELSE nullif(p_layers, 0) END
     WHERE t.name = p_name;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_name));
    END IF;
    PERFORM tarbox._audit_admin(t.tenant_id, 'tenant_quota', jsonb_build_object('bytes', t.quota_bytes, 'inodes', t.quota_inodes, 'layers', t.quota_layers)) FROM tarbox.tenant t WHERE t.name = p_name;
    RETURN QUERY SELECT t.name, t.quota_bytes, t.quota_inodes, t.quota_layers FROM tarbox.tenant t WHERE t.name = p_name;
END
$$;
ALTER FUNCTION tarbox.tenant_quota(text, bigint, bigint, int) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_quota(text, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_quota(text, bigint, bigint, int) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.tenant_quota(text, bigint, bigint, int) IS
'Administrators: set tenant p_name''s quotas: p_bytes = content bytes stored in blocks (after deduplication, every layer, before compression), p_inodes = live inodes of the newest layer, p_layers = layers; NULL leaves one unchanged, 0 removes it. An operation that would exceed a quota fails with EDQUOT and changes nothing; statfs reports the byte and inode quotas as the file system''s size. Accounting is per transaction: concurrent writers do not see each other''s uncommitted usage, so the limit can be passed by what is in flight at one moment (at most one write per connection). Returns the quotas now in force. Errors: ENOENT (TX002) no such tenant, EINVAL (TX022) negative value, 42501 not an administrator.';

CREATE OR REPLACE FUNCTION tarbox.tenant_text_limits(p_name text, p_max_bytes bigint DEFAULT NULL,
                                                     p_max_lines bigint DEFAULT NULL)
RETURNS TABLE (tenant text, text_max_bytes bigint, text_max_lines bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    PERFORM tarbox._require_admin();
    IF p_max_bytes NOT BETWEEN 0 AND 1073741824 OR p_max_lines < 0 THEN
        PERFORM tarbox._raise('EINVAL', 'text limits: 0..1073741824 bytes, lines >= 0 (0 = never store as text)');
    END IF;
    UPDATE tarbox.tenant t
       SET text_max_bytes = coalesce(p_max_bytes, t.text_max_bytes),
           text_max_lines = coalesce(p_max_lines, t.text_max_lines)
     WHERE t.name = p_name;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_name));
    END IF;
    PERFORM tarbox._audit_admin(t.tenant_id, 'tenant_text_limits', jsonb_build_object('max_bytes', t.text_max_bytes, 'max_lines', t.text_max_lines)) FROM tarbox.tenant t WHERE t.name = p_name;
    RETURN QUERY SELECT t.name, t.text_max_bytes, t.text_max_lines FROM tarbox.tenant t WHERE t.name = p_name;
END
$$;
ALTER FUNCTION tarbox.tenant_text_limits(text, bigint, bigint) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_text_limits(text, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_text_limits(text, bigint, bigint) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.tenant_text_limits(text, bigint, bigint) IS
'Administrators: set the thresholds under which tenant p_name''s files that are text (UTF-8 without NUL) are stored as line chunks (defaults 10 MiB, 100,000 lines; NULL leaves one unchanged). Files over them are stored as binary blocks from their next change on. Returns the limits now in force. Errors: ENOENT (TX002) no such tenant, EINVAL (TX022) out of range, 42501 not an administrator.';
