-- tarbox.audit_maintain(now): the audit log's housekeeping, for pg_cron or `tarbox audit
-- maintain`: seal (tarbox.audit_seal), apply retention (tarbox._audit_expire), then make the
-- partitions of the coming periods and move rows out of the default partition
-- (tarbox._audit_premake). The steps that need strong locks on tarbox.audit_log (detaching,
-- attaching, creating partitions) come last, so writers wait only for the end of the
-- transaction, not for the sealing. p_now: the time to act as of (NULL = now; tests pass a
-- frozen clock).
CREATE OR REPLACE FUNCTION tarbox.audit_maintain(p_now timestamptz DEFAULT NULL)
RETURNS TABLE (action text, object text, detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_now timestamptz := coalesce(p_now, now());
    r record;
BEGIN
    PERFORM tarbox._require_admin();
    PERFORM 1 FROM tarbox.audit_config c FOR UPDATE;  -- one maintenance at a time
    FOR r IN SELECT * FROM tarbox.audit_seal(p_now) LOOP
        action := 'sealed';
        object := coalesce((SELECT t.name FROM tarbox.tenant t WHERE t.tenant_id = r.tenant_id), r.tenant_id::text);
        detail := format('%s record(s) in %s seal(s)', r.records, r.seals);
        RETURN NEXT;
    END LOOP;
    -- The partition changes wait at most 2 s for their locks: a transaction that keeps the log
    -- open for reading (a tenant's own, say) must not make every writer queue behind them.
    -- (each step in a block of its own: its rows are returned only once it is done)
    PERFORM set_config('lock_timeout', '2s', true);
    BEGIN
        RETURN QUERY SELECT * FROM tarbox._audit_expire(v_now);
    EXCEPTION WHEN lock_not_available THEN
        action := 'postponed'; object := 'retention';
        detail := 'a lock on the log was not granted within 2 s (a long transaction holds it); next run';
        RETURN NEXT;
    END;
    BEGIN
        RETURN QUERY SELECT 'created'::text, n, NULL::text FROM tarbox._audit_premake(v_now) n;
    EXCEPTION WHEN lock_not_available THEN
        action := 'postponed'; object := 'partitions';
        detail := 'a lock on the log was not granted within 2 s (a long transaction holds it); next run';
        RETURN NEXT;
    END;
END
$$;
ALTER FUNCTION tarbox.audit_maintain(timestamptz) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.audit_maintain(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.audit_maintain(timestamptz) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.audit_maintain(timestamptz) IS
'Administrators: audit housekeeping, to schedule with pg_cron (SELECT cron.schedule(''tarbox-audit'', ''17 * * * *'', ''SELECT tarbox.audit_maintain()'')) or run with `tarbox audit maintain`: seals the closed records (tarbox.audit_seal), applies each tenant''s retention (partitions expired for every tenant are dropped or detached; those where a tenant with a longer retention keeps rows are rewritten with only its rows; expired seals keep their hashes), and makes the partitions of the current and the next audit_config.premake periods (moving rows that landed in the default partition). p_now: act as of this time (NULL = now). Returns one row per action: (sealed | expired | dropped | detached | archived | created | postponed, object, detail); postponed: the partition changes did not get their locks within 2 s (a long transaction holds the log) and wait for the next run, the sealing is kept. Errors: 42501 not an administrator.';
