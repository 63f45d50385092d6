-- tarbox.audit_seal(now): extend every tenant's hash chain over its closed records.
--
-- A record is closed when no transaction that could still commit one before it is running:
-- every record's time is taken after its transaction started, so the records older than the
-- start of the oldest running transaction (and than now - 1 s, against small clock steps) are
-- all committed, and no later commit can land among them. Sealing reads the log and writes
-- only tarbox.audit_seal: writers of the log never wait for it, and nothing on the write path
-- touches a shared row (no per-record chain update).
CREATE OR REPLACE FUNCTION tarbox.audit_seal(p_now timestamptz DEFAULT NULL)
RETURNS TABLE (tenant_id bigint, seals int, records bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_now timestamptz := coalesce(p_now, now());
    v_max int;
    v_horizon bigint;
    v_oldest timestamptz;
    v_t bigint;
    v_last tarbox.audit_seal;
    v_first bigint;
    v_end bigint;
    v_n int;
    v_entries bytea;
    v_digest bytea;
    v_hi_at bigint;
    v_hi_seq bigint;
    v_prev bytea;
    v_no bigint;
BEGIN
    PERFORM tarbox._require_admin();
    SELECT c.seal_max INTO v_max FROM tarbox.audit_config c FOR UPDATE;  -- one sealer at a time
    SELECT min(a.xact_start) INTO v_oldest FROM pg_stat_activity a
     WHERE a.pid <> pg_backend_pid() AND a.xact_start IS NOT NULL AND a.datname = current_database()
       AND a.backend_type = 'client backend';  -- (autovacuum writes no records)
    v_horizon := tarbox._audit_ns(least(v_now - interval '1 second', coalesce(v_oldest, 'infinity')));
    FOR v_t IN SELECT * FROM tarbox._audit_tenants() LOOP
        seals := 0;
        records := 0;
        LOOP
            SELECT * INTO v_last FROM tarbox.audit_seal s WHERE s.tenant_id = v_t ORDER BY s.seal_no DESC LIMIT 1;
            SELECT l.at_ns INTO v_first FROM tarbox.audit_log l
             WHERE l.tenant_id = v_t AND l.at_ns < v_horizon
               AND (l.at_ns, l.seq) > (coalesce(v_last.hi_at, -9223372036854775808), coalesce(v_last.hi_seq, -9223372036854775808))
             ORDER BY l.at_ns, l.seq LIMIT 1;
            EXIT WHEN NOT FOUND;
            -- a seal never spans two UTC days, so that retention removes whole seals
            v_end := least(v_horizon, tarbox._audit_ns(tarbox._audit_period(tarbox._audit_time(v_first), 'day') + interval '24 hours'));
            SELECT count(*), string_agg(int8send(r.seq) || substring(r.d FROM 1 FOR 8), ''::bytea ORDER BY r.at_ns, r.seq),
                   sha256(string_agg(r.d, ''::bytea ORDER BY r.at_ns, r.seq)),
                   (array_agg(r.at_ns ORDER BY r.at_ns DESC, r.seq DESC))[1],
                   (array_agg(r.seq ORDER BY r.at_ns DESC, r.seq DESC))[1]
              INTO v_n, v_entries, v_digest, v_hi_at, v_hi_seq
              FROM (SELECT l.at_ns, l.seq, tarbox._audit_digest(l) AS d FROM tarbox.audit_log l
                     WHERE l.tenant_id = v_t AND l.at_ns < v_end
                       AND (l.at_ns, l.seq) > (coalesce(v_last.hi_at, -9223372036854775808), coalesce(v_last.hi_seq, -9223372036854775808))
                     ORDER BY l.at_ns, l.seq LIMIT v_max) r;
            v_prev := coalesce(v_last.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
            v_no := coalesce(v_last.seal_no, 0) + 1;
            INSERT INTO tarbox.audit_seal (tenant_id, seal_no, lo_at, lo_seq, hi_at, hi_seq, records, digest, entries,
                                           prev_hash, hash)
            VALUES (v_t, v_no, v_last.hi_at, v_last.hi_seq, v_hi_at, v_hi_seq, v_n, v_digest, v_entries, v_prev,
                    tarbox._audit_seal_hash(v_prev, v_t, v_no, v_last.hi_at, v_last.hi_seq, v_hi_at, v_hi_seq, v_n, v_digest));
            seals := seals + 1;
            records := records + v_n;
        END LOOP;
        IF seals > 0 THEN
            tenant_id := v_t;
            RETURN NEXT;
        END IF;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox.audit_seal(timestamptz) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.audit_seal(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.audit_seal(timestamptz) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.audit_seal(timestamptz) IS
'Administrators: extend each tenant''s hash chain (tarbox.audit_seal) over its closed audit records: those older than the start of the oldest running transaction and than p_now - 1 s (p_now NULL = now; a later time is for tests with a frozen clock). Each seal covers at most audit_config.seal_max records of one UTC day. Run by tarbox.audit_maintain. Returns (tenant_id, seals, records) for the tenants sealed. Errors: 42501 not an administrator.';
