-- tarbox._native_best(tenant_id, path, extra, user): the native mount definition that serves the
-- normalised absolute path p_path for tenant p_tenant_id, or no row. Candidates are
-- tarbox._native_candidates (the table's shared and own rows, then the configuration p_extra);
-- a candidate matches when its mount_path is p_path (exact) or a directory above it (prefix,
-- on a component boundary). Order: exact before prefix, longer mount_path before shorter, lower
-- priority first, tenant-specific before shared, then a configuration entry before a stored
-- one and the lower mount_id (so the answer is always the same). rel_path is the rest of
-- p_path below mount_path ('' for an exact match).
-- Errors: those of tarbox._native_candidates (EINVAL).
CREATE OR REPLACE FUNCTION tarbox._native_best(p_tenant_id bigint, p_path text, p_extra jsonb, p_user text)
RETURNS TABLE (mount_id bigint, origin text, mount_path text, source_path text, rel_path text, mode text,
               shared boolean, priority int, allow_setuid boolean, allow_devices boolean, match text)
LANGUAGE sql STABLE
AS $$
    SELECT d.mount_id, d.origin, d.mount_path, d.source_path,
           substr(p_path, length(d.mount_path) + 2), d.mode, d.shared, d.priority,
           d.allow_setuid, d.allow_devices,
           CASE WHEN d.mount_path = p_path THEN 'exact' ELSE 'prefix' END
      FROM tarbox._native_candidates(p_tenant_id, p_extra, p_user) d
     WHERE d.mount_path = p_path OR left(p_path, length(d.mount_path) + 1) = d.mount_path || '/'
     ORDER BY d.mount_path = p_path DESC, length(d.mount_path) DESC, d.priority, d.shared,
              d.origin = 'table', d.mount_id
     LIMIT 1
$$;
ALTER FUNCTION tarbox._native_best(bigint, text, jsonb, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._native_best(bigint, text, jsonb, text) FROM PUBLIC;
