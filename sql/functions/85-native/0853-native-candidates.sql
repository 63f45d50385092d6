-- tarbox._native_candidates(tenant_id, extra, user): every enabled native mount definition that
-- applies to tenant p_tenant_id: the shared rows and the tenant's own rows of tarbox.native_mount
-- (origin 'table'), then those of the configuration p_extra (JSON, see tarbox._native_parse;
-- origin 'config') that are shared or name this tenant. source_path is expanded
-- (tarbox._native_expand with p_user for {user}); source_template is as written.
-- Errors: EINVAL (TX022) for an invalid configuration entry, a configuration entry using
-- {mount_id} (only stored definitions have an id) or an invalid p_user.
CREATE OR REPLACE FUNCTION tarbox._native_candidates(p_tenant_id bigint, p_extra jsonb, p_user text)
RETURNS TABLE (mount_id bigint, origin text, mount_path text, source_path text, source_template text,
               mode text, shared boolean, priority int, allow_setuid boolean, allow_devices boolean)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_name text;
    v_bad int;
BEGIN
    SELECT t.name INTO v_name FROM tarbox.tenant t WHERE t.tenant_id = p_tenant_id;
    SELECT min(p.ord) INTO v_bad FROM tarbox._native_parse(p_extra) p WHERE p.source_path LIKE '%{mount_id}%';
    IF v_bad IS NOT NULL THEN
        PERFORM tarbox._raise('EINVAL', format(
            'native mount #%s: {mount_id} is the id of a stored definition; one from a configuration file has none',
            v_bad));
    END IF;
    RETURN QUERY
        SELECT m.mount_id, 'table'::text, m.mount_path,
               tarbox._native_expand(m.source_path, p_tenant_id, v_name, m.mount_id, p_user),
               m.source_path, m.mode, m.shared, m.priority, m.allow_setuid, m.allow_devices
          FROM tarbox.native_mount m
         WHERE m.enabled AND (m.tenant IS NULL OR m.tenant = p_tenant_id)
        UNION ALL
        SELECT NULL::bigint, 'config'::text, p.mount_path,
               tarbox._native_expand(p.source_path, p_tenant_id, v_name, NULL, p_user),
               p.source_path, p.mode, p.tenant_name IS NULL, p.priority, p.allow_setuid, p.allow_devices
          FROM tarbox._native_parse(p_extra) p
         WHERE p.enabled AND (p.tenant_name IS NULL OR p.tenant_name = v_name);
END
$$;
ALTER FUNCTION tarbox._native_candidates(bigint, jsonb, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._native_candidates(bigint, jsonb, text) FROM PUBLIC;
