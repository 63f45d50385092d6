-- tarbox._audit_expire(now): retention. A partition whose period ended more than a tenant's
-- retention_days before `now` has expired for that tenant. A partition expired for every
-- tenant with rows in it is dropped (or detached, audit_config.expired = 'detach', and renamed
-- audit_detached_pYYYYMMDD, for the operator to archive). When some of its tenants keep their
-- records longer, the partition is archived instead: rewritten as a new partition of the same
-- period holding only those tenants' rows, which takes the old one's place (the old one is
-- then dropped or detached). Seals of the expired tenants over that period are marked expired
-- (their entries go, their hashes stay: the chain stays checkable). Nothing here blocks the
-- writers of the current partitions except the short detach/attach at the end.
-- Returns (action, partition, detail) for what it did.
CREATE OR REPLACE FUNCTION tarbox._audit_expire(p_now timestamptz)
RETURNS TABLE (action text, object text, detail text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    c tarbox.audit_config;
    v_min_days int;
    p tarbox.audit_partition;
    v_keep bigint[];
    v_gone bigint[];
    v_tmp text;
    v_rows bigint;
BEGIN
    SELECT * INTO c FROM tarbox.audit_config;
    SELECT least(c.retention_days, min(a.retention_days)) INTO v_min_days FROM tarbox.audit_policy a;
    FOR p IN SELECT * FROM tarbox.audit_partition a
              WHERE a.hi_ns <= tarbox._audit_ns(p_now - make_interval(days => v_min_days))
              ORDER BY a.lo_ns LOOP
        SELECT coalesce(array_agg(x.tenant_id) FILTER (WHERE x.kept), '{}'),
               coalesce(array_agg(x.tenant_id) FILTER (WHERE NOT x.kept), '{}')
          INTO v_keep, v_gone
          FROM (SELECT g.tenant_id,
                       p.hi_ns > tarbox._audit_ns(p_now - make_interval(days => coalesce(a.retention_days, c.retention_days))) AS kept
                  FROM (SELECT DISTINCT l.tenant_id FROM tarbox.audit_log l
                         WHERE l.at_ns >= p.lo_ns AND l.at_ns < p.hi_ns) g
                  LEFT JOIN tarbox.audit_policy a ON a.tenant_id = g.tenant_id) x;
        IF cardinality(v_gone) = 0 AND cardinality(v_keep) > 0 THEN
            CONTINUE;  -- every tenant with rows here keeps them
        END IF;
        UPDATE tarbox.audit_seal s SET entries = NULL, expired_at = p_now
         WHERE s.tenant_id = ANY (v_gone) AND s.expired_at IS NULL
           AND s.hi_at >= p.lo_ns AND s.hi_at < p.hi_ns;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        IF v_rows > 0 THEN
            action := 'expired'; object := p.name;
            detail := format('%s seal(s) of %s tenant(s)', v_rows, cardinality(v_gone));
            RETURN NEXT;
        END IF;
        IF cardinality(v_keep) = 0 THEN
            EXECUTE format('ALTER TABLE tarbox.audit_log DETACH PARTITION tarbox.%I', p.name);
            IF c.expired = 'detach' THEN
                EXECUTE format('ALTER TABLE tarbox.%I RENAME TO %I', p.name, replace(p.name, 'audit_log_p', 'audit_detached_p'));
                action := 'detached';
            ELSE
                EXECUTE format('DROP TABLE tarbox.%I', p.name);
                action := 'dropped';
            END IF;
            DELETE FROM tarbox.audit_partition a WHERE a.name = p.name;
            object := p.name;
            detail := format('%s tenant(s) expired', cardinality(v_gone));
            RETURN NEXT;
            CONTINUE;
        END IF;
        -- archive: the rows of the tenants that keep them, in a new table of the same period
        v_tmp := 'audit_log_a' || substr(p.name, 12);
        EXECUTE format('CREATE TABLE tarbox.%I (LIKE tarbox.audit_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', v_tmp);
        EXECUTE format('INSERT INTO tarbox.%I SELECT * FROM tarbox.%I WHERE tenant_id = ANY ($1)', v_tmp, p.name) USING v_keep;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        EXECUTE format('ALTER TABLE tarbox.%I ADD CONSTRAINT %I CHECK (at_ns >= %s AND at_ns < %s)',
                       v_tmp, p.name || '_bounds', p.lo_ns, p.hi_ns);
        EXECUTE format('ALTER TABLE tarbox.audit_log DETACH PARTITION tarbox.%I', p.name);
        IF c.expired = 'detach' THEN
            EXECUTE format('ALTER TABLE tarbox.%I RENAME TO %I', p.name, replace(p.name, 'audit_log_p', 'audit_detached_p'));
        ELSE
            EXECUTE format('DROP TABLE tarbox.%I', p.name);
        END IF;
        EXECUTE format('ALTER TABLE tarbox.%I RENAME TO %I', v_tmp, p.name);
        EXECUTE format('ALTER TABLE tarbox.audit_log ATTACH PARTITION tarbox.%I FOR VALUES FROM (%s) TO (%s)',
                       p.name, p.lo_ns, p.hi_ns);
        EXECUTE format('ALTER TABLE tarbox.%I OWNER TO tarbox_maint', p.name);
        PERFORM tarbox._audit_no_statistics(p.name);
        EXECUTE format('ALTER TABLE tarbox.%I ENABLE ROW LEVEL SECURITY', p.name);
        EXECUTE format('ALTER TABLE tarbox.%I FORCE ROW LEVEL SECURITY', p.name);
        EXECUTE format('CREATE POLICY audit_log_own ON tarbox.%I USING (tenant_id = tarbox._tenant_id()) '
                       'WITH CHECK (tenant_id = tarbox._tenant_id())', p.name);
        UPDATE tarbox.audit_partition a SET archived = true WHERE a.name = p.name;
        action := 'archived'; object := p.name;
        detail := format('kept %s record(s) of %s tenant(s) with a longer retention; %s tenant(s) expired',
                         v_rows, cardinality(v_keep), cardinality(v_gone));
        RETURN NEXT;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._audit_expire(timestamptz) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_expire(timestamptz) FROM PUBLIC;
