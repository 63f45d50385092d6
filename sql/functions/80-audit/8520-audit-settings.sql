-- Audit settings: the installation's (tarbox.audit_configure), a tenant's level and path
-- overrides (tarbox.audit_set_level), its retention (tarbox.audit_set_retention), and what
-- applies to a tenant (tarbox.audit_settings). Only administrators change them; a change to a
-- tenant's settings is recorded in its log and announced on its channel ('<pid> audit <max
-- level>'), so its mounts learn whether reads are audited.

-- tarbox._audit_tenant(name): the id of tenant `name`. Errors: ENOENT (TX002).
CREATE OR REPLACE FUNCTION tarbox._audit_tenant(p_name text) RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v bigint;
BEGIN
    SELECT t.tenant_id INTO v FROM tarbox.tenant t WHERE t.name = p_name;
    IF v IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_name));
    END IF;
    RETURN v;
END
$$;
ALTER FUNCTION tarbox._audit_tenant(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_tenant(text) FROM PUBLIC;

-- tarbox._audit_refresh(tenant): recompute the tenant's max_level and paths after a change,
-- and tell its mounts.
CREATE OR REPLACE FUNCTION tarbox._audit_refresh(p_tenant bigint) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_max smallint;
BEGIN
    INSERT INTO tarbox.audit_policy AS p (tenant_id) VALUES (p_tenant) ON CONFLICT (tenant_id) DO NOTHING;
    UPDATE tarbox.audit_policy p
       SET max_level = greatest(coalesce(p.level, (SELECT c.default_level FROM tarbox.audit_config c)),
                                (SELECT max(l.level) FROM tarbox.audit_path_level l WHERE l.tenant_id = p_tenant)),
           paths = EXISTS (SELECT 1 FROM tarbox.audit_path_level l WHERE l.tenant_id = p_tenant)
     WHERE p.tenant_id = p_tenant
    RETURNING p.max_level INTO v_max;
    PERFORM pg_notify(t.notify_channel, format('%s audit %s', pg_backend_pid(), v_max))
       FROM tarbox.tenant t WHERE t.tenant_id = p_tenant;
END
$$;
ALTER FUNCTION tarbox._audit_refresh(bigint) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_refresh(bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION tarbox.audit_set_level(p_tenant text, p_level text, p_path text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
    v_level smallint;
    v_path text;
BEGIN
    PERFORM tarbox._require_admin();
    v_id := tarbox._audit_tenant(p_tenant);
    v_level := CASE WHEN lower(p_level) = 'default' THEN NULL ELSE tarbox._audit_level_num(p_level) END;
    IF p_path IS NULL THEN
        INSERT INTO tarbox.audit_policy AS p (tenant_id, level) VALUES (v_id, v_level)
        ON CONFLICT (tenant_id) DO UPDATE SET level = excluded.level;
    ELSE
        IF left(p_path, 1) <> '/' OR octet_length(p_path) > 4096 THEN
            PERFORM tarbox._raise('EINVAL', format('path %L is not absolute (it must start with /)', p_path));
        END IF;
        v_path := tarbox._audit_clean_path(p_path);
        IF v_level IS NULL THEN
            DELETE FROM tarbox.audit_path_level l WHERE l.tenant_id = v_id AND l.prefix = v_path;
        ELSE
            INSERT INTO tarbox.audit_path_level AS l (tenant_id, prefix, level) VALUES (v_id, v_path, v_level)
            ON CONFLICT (tenant_id, prefix) DO UPDATE SET level = excluded.level;
        END IF;
    END IF;
    PERFORM tarbox._audit_refresh(v_id);
    PERFORM tarbox._audit_admin(v_id, 'audit_level',
                                jsonb_strip_nulls(jsonb_build_object('level', lower(p_level), 'path', v_path)));
END
$$;
ALTER FUNCTION tarbox.audit_set_level(text, text, text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.audit_set_level(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.audit_set_level(text, text, text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.audit_set_level(text, text, text) IS
'Administrators: set the audit level of tenant p_tenant (none, basic, standard, full, or default = the installation''s) or, with p_path (absolute), of the paths equal to or below that prefix (the longest matching prefix wins; default removes the override). basic records namespace changes and layer operations; standard adds writes and attribute changes; full adds reads (one record per open file at release), lookups and listings. Recorded in the tenant''s log (audit_level). Errors: ENOENT (TX002) no such tenant, EINVAL (TX022) unknown level or relative path, 42501 not an administrator.';

CREATE OR REPLACE FUNCTION tarbox.audit_set_retention(p_tenant text, p_days int)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM tarbox._require_admin();
    v_id := tarbox._audit_tenant(p_tenant);
    IF p_days IS NOT NULL AND p_days NOT BETWEEN 1 AND 36500 THEN
        PERFORM tarbox._raise('EINVAL', format('retention of %s days: 1 to 36500 days, or NULL for the default', p_days));
    END IF;
    INSERT INTO tarbox.audit_policy AS p (tenant_id, retention_days) VALUES (v_id, p_days)
    ON CONFLICT (tenant_id) DO UPDATE SET retention_days = excluded.retention_days;
    PERFORM tarbox._audit_refresh(v_id);
    PERFORM tarbox._audit_admin(v_id, 'audit_retention', jsonb_build_object('days', p_days));
END
$$;
ALTER FUNCTION tarbox.audit_set_retention(text, int) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.audit_set_retention(text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.audit_set_retention(text, int) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.audit_set_retention(text, int) IS
'Administrators: keep tenant p_tenant''s audit records at least p_days days (1..36500; NULL = the installation default, 90 unless configured). Records go with whole partitions (tarbox.audit_maintain): once their period ended p_days ago. Recorded in the tenant''s log (audit_retention). Errors: ENOENT (TX002), EINVAL (TX022), 42501 not an administrator.';

CREATE OR REPLACE FUNCTION tarbox.audit_configure(p_period text DEFAULT NULL, p_premake int DEFAULT NULL,
                                                  p_retention_days int DEFAULT NULL, p_default_level text DEFAULT NULL,
                                                  p_expired text DEFAULT NULL)
RETURNS TABLE (period text, premake int, retention_days int, default_level text, expired text, seal_max int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    PERFORM tarbox._require_admin();
    IF p_period IS NOT NULL AND p_period NOT IN ('month', 'day') THEN
        PERFORM tarbox._raise('EINVAL', format('partition period %L: month or day', p_period));
    ELSIF p_premake IS NOT NULL AND p_premake NOT BETWEEN 1 AND 366 THEN
        PERFORM tarbox._raise('EINVAL', format('%s periods ahead: 1 to 366', p_premake));
    ELSIF p_retention_days IS NOT NULL AND p_retention_days NOT BETWEEN 1 AND 36500 THEN
        PERFORM tarbox._raise('EINVAL', format('retention of %s days: 1 to 36500', p_retention_days));
    ELSIF p_expired IS NOT NULL AND p_expired NOT IN ('drop', 'detach') THEN
        PERFORM tarbox._raise('EINVAL', format('expired partitions: drop or detach, not %L', p_expired));
    END IF;
    UPDATE tarbox.audit_config c
       SET period = coalesce(p_period, c.period), premake = coalesce(p_premake, c.premake),
           retention_days = coalesce(p_retention_days, c.retention_days),
           default_level = CASE WHEN p_default_level IS NULL THEN c.default_level
                                ELSE tarbox._audit_level_num(p_default_level) END,
           expired = coalesce(p_expired, c.expired);
    IF p_default_level IS NOT NULL THEN
        PERFORM tarbox._audit_refresh(a.tenant_id) FROM tarbox.audit_policy a;
    END IF;
    RETURN QUERY SELECT c.period, c.premake, c.retention_days, tarbox._audit_level_name(c.default_level), c.expired, c.seal_max
                   FROM tarbox.audit_config c;
END
$$;
ALTER FUNCTION tarbox.audit_configure(text, int, int, text, text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.audit_configure(text, int, int, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.audit_configure(text, int, int, text, text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.audit_configure(text, int, int, text, text) IS
'Administrators: the installation''s audit settings; each argument NULL keeps the current value. p_period: month or day (UTC) partitions from the next one made on; p_premake: periods made ahead (1..366); p_retention_days: default retention (1..36500); p_default_level: level of tenants without their own (none, basic, standard, full); p_expired: drop or detach expired partitions. Returns the settings. Errors: EINVAL (TX022), 42501 not an administrator.';

-- What applies to a tenant: for the calling tenant (tenants), or for a named one (administrators).
CREATE OR REPLACE FUNCTION tarbox.audit_settings()
RETURNS TABLE (level text, max_level text, retention_days int, paths jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_tenant bigint := (tarbox._ctx(NULL, false)).tenant_id;
BEGIN
    RETURN QUERY
        SELECT tarbox._audit_level_name(coalesce(p.level, c.default_level)),
               tarbox._audit_level_name(coalesce(p.max_level, p.level, c.default_level)),
               coalesce(p.retention_days, c.retention_days),
               coalesce((SELECT jsonb_object_agg(l.prefix, tarbox._audit_level_name(l.level))
                           FROM tarbox.audit_path_level l WHERE l.tenant_id = v_tenant), '{}'::jsonb)
          FROM tarbox.audit_config c LEFT JOIN tarbox.audit_policy p ON p.tenant_id = v_tenant;
END
$$;
ALTER FUNCTION tarbox.audit_settings() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.audit_settings() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.audit_settings() TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.audit_settings() IS
'The calling tenant''s audit settings: its level, the highest level of it and its path overrides (full means some reads are recorded), the retention in days and the path overrides as {prefix: level}. Errors: EACCES (TX013) caller is not a tenant.';

CREATE OR REPLACE FUNCTION tarbox.audit_settings(p_tenant text)
RETURNS TABLE (level text, max_level text, retention_days int, paths jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_tenant bigint;
BEGIN
    PERFORM tarbox._require_admin();
    v_tenant := tarbox._audit_tenant(p_tenant);
    RETURN QUERY
        SELECT tarbox._audit_level_name(coalesce(p.level, c.default_level)),
               tarbox._audit_level_name(coalesce(p.max_level, p.level, c.default_level)),
               coalesce(p.retention_days, c.retention_days),
               coalesce((SELECT jsonb_object_agg(l.prefix, tarbox._audit_level_name(l.level))
                           FROM tarbox.audit_path_level l WHERE l.tenant_id = v_tenant), '{}'::jsonb)
          FROM tarbox.audit_config c LEFT JOIN tarbox.audit_policy p ON p.tenant_id = v_tenant;
END
$$;
ALTER FUNCTION tarbox.audit_settings(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.audit_settings(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.audit_settings(text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.audit_settings(text) IS
'Administrators: tenant p_tenant''s audit settings, as tarbox.audit_settings() shows them to the tenant. Errors: ENOENT (TX002), 42501 not an administrator.';
