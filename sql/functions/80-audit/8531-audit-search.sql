-- tarbox.audit_search(...): the calling tenant's audit records matching a filter, oldest
-- first; what `tarbox audit TENANT`, /.tarbox/audit/query and the HTTP route show.
CREATE OR REPLACE FUNCTION tarbox.audit_search(p_since timestamptz DEFAULT NULL, p_until timestamptz DEFAULT NULL,
                                               p_path text DEFAULT NULL, p_ops text[] DEFAULT NULL,
                                               p_failed boolean DEFAULT false, p_limit int DEFAULT 1000,
                                               p_newest boolean DEFAULT false)
RETURNS SETOF tarbox.audit
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tenant bigint := (tarbox._ctx(NULL, false)).tenant_id;
    v_path text := tarbox._audit_clean_path(p_path);
    v_limit int := coalesce(p_limit, 1000);
    -- times beyond what ns since the epoch in a bigint can hold (1677..2262, and +-infinity)
    -- are clamped to its ends: no record is outside them
    v_since bigint := CASE WHEN p_since IS NOT NULL THEN tarbox._audit_ns(least(greatest(p_since,
                          timestamptz '1678-01-01 00:00Z'), timestamptz '2262-04-11 00:00Z')) END;
    v_until bigint := CASE WHEN p_until IS NOT NULL THEN tarbox._audit_ns(least(greatest(p_until,
                          timestamptz '1678-01-01 00:00Z'), timestamptz '2262-04-11 00:00Z')) END;
BEGIN
    IF v_limit NOT BETWEEN 1 AND 100000 THEN
        PERFORM tarbox._raise('EINVAL', format('limit %s: 1 to 100000 records', v_limit));
    ELSIF v_path IS NOT NULL AND left(v_path, 1) <> '/' THEN
        PERFORM tarbox._raise('EINVAL', format('path %L is not absolute (it must start with /)', p_path));
    ELSIF cardinality(p_ops) > 64 THEN
        PERFORM tarbox._raise('EINVAL', 'at most 64 operations in a filter');
    END IF;
    RETURN QUERY
        SELECT x.* FROM (
            SELECT a.* FROM tarbox.audit a
             WHERE a.tenant_id = v_tenant
               AND (v_since IS NULL OR a.at_ns >= v_since)
               AND (v_until IS NULL OR a.at_ns < v_until)
               AND (v_path IS NULL OR v_path = '/' OR a.path = v_path OR left(a.path, length(v_path) + 1) = v_path || '/'
                    OR a.path2 = v_path OR left(a.path2, length(v_path) + 1) = v_path || '/')
               AND (p_ops IS NULL OR a.op = ANY (p_ops))
               AND (NOT coalesce(p_failed, false) OR NOT a.ok)
             ORDER BY CASE WHEN p_newest THEN -a.at_ns ELSE a.at_ns END, CASE WHEN p_newest THEN -a.seq ELSE a.seq END
             LIMIT v_limit) x
        ORDER BY x.at_ns, x.seq;
END
$$;
ALTER FUNCTION tarbox.audit_search(timestamptz, timestamptz, text, text[], boolean, int, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.audit_search(timestamptz, timestamptz, text, text[], boolean, int, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.audit_search(timestamptz, timestamptz, text, text[], boolean, int, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.audit_search(timestamptz, timestamptz, text, text[], boolean, int, boolean) IS
'The calling tenant''s audit records (rows of tarbox.audit), oldest first: from p_since (inclusive) to p_until (exclusive; times outside 1678..2262 are clamped to those years), on path p_path or below it (as path or destination), of the operations p_ops (NULL = all), only failures with p_failed; at most p_limit (1..100000) records, the oldest ones or with p_newest the newest ones. Errors: EINVAL (TX022) bad limit, relative path or more than 64 operations, EACCES (TX013) caller is not a tenant.';
