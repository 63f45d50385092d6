-- tarbox.audit_verify(tenant): recompute the hash chains and report what does not match.
CREATE OR REPLACE FUNCTION tarbox.audit_verify(p_tenant text DEFAULT NULL)
RETURNS TABLE (tenant_id bigint, tenant text, seal_no bigint, problem text, seq bigint, at timestamptz, detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_t bigint;
    v_name text;
    s tarbox.audit_seal;
    v_prev tarbox.audit_seal;
    v_n int;
    v_entries bytea;
    v_digest bytea;
    v_seals bigint;
    v_expired bigint;
    v_records bigint;
    v_problems bigint;
    v_head bytea;
    v_found bigint;
    r record;
BEGIN
    PERFORM tarbox._require_admin();
    IF p_tenant IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tarbox.tenant t WHERE t.name = p_tenant) THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_tenant));
    END IF;
    FOR v_t IN SELECT DISTINCT x.id FROM (SELECT s2.tenant_id AS id FROM tarbox.audit_seal s2
                                          UNION SELECT * FROM tarbox._audit_tenants()) x
                WHERE p_tenant IS NULL OR x.id = (SELECT t.tenant_id FROM tarbox.tenant t WHERE t.name = p_tenant)
                ORDER BY 1 LOOP
        SELECT t.name INTO v_name FROM tarbox.tenant t WHERE t.tenant_id = v_t;
        v_prev := NULL;
        v_seals := 0; v_expired := 0; v_records := 0; v_problems := 0; v_head := NULL;
        FOR s IN SELECT * FROM tarbox.audit_seal x WHERE x.tenant_id = v_t ORDER BY x.seal_no LOOP
            v_seals := v_seals + 1;
            -- the chain: numbering, bounds and the previous hash
            IF s.seal_no <> coalesce(v_prev.seal_no, 0) + 1 THEN
                SELECT count(*) INTO v_found FROM tarbox.audit_log l
                 WHERE l.tenant_id = v_t
                   AND (l.at_ns, l.seq) > (coalesce(v_prev.hi_at, -9223372036854775808), coalesce(v_prev.hi_seq, -9223372036854775808))
                   AND (l.at_ns, l.seq) <= (coalesce(s.lo_at, -9223372036854775808), coalesce(s.lo_seq, -9223372036854775808));
                RETURN QUERY SELECT v_t, v_name, s.seal_no, 'seal_missing'::text, NULL::bigint, NULL::timestamptz,
                                    format('seal(s) %s to %s are missing; %s record(s) lie in the range they covered',
                                           coalesce(v_prev.seal_no, 0) + 1, s.seal_no - 1, v_found);
                v_problems := v_problems + 1;
            ELSIF s.prev_hash <> coalesce(v_prev.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
                  OR s.lo_at IS DISTINCT FROM v_prev.hi_at OR s.lo_seq IS DISTINCT FROM v_prev.hi_seq THEN
                RETURN QUERY SELECT v_t, v_name, s.seal_no, 'chain_broken'::text, NULL::bigint, NULL::timestamptz,
                                    'the seal does not continue the previous one (previous hash or bounds differ)'::text;
                v_problems := v_problems + 1;
            END IF;
            -- the seal itself: its hash over what it says it covers
            IF s.hash <> tarbox._audit_seal_hash(s.prev_hash, s.tenant_id, s.seal_no, s.lo_at, s.lo_seq, s.hi_at,
                                                 s.hi_seq, s.records, s.digest) THEN
                RETURN QUERY SELECT v_t, v_name, s.seal_no, 'seal_altered'::text, NULL::bigint, NULL::timestamptz,
                                    'the seal''s hash does not match its own contents'::text;
                v_problems := v_problems + 1;
            END IF;
            v_head := s.hash;
            v_prev := s;
            IF s.expired_at IS NOT NULL THEN
                v_expired := v_expired + 1;
                CONTINUE;  -- its records went with retention; only the chain is checked
            END IF;
            -- the records: recomputed now
            SELECT count(*), string_agg(int8send(x.seq) || substring(x.d FROM 1 FOR 8), ''::bytea ORDER BY x.at_ns, x.seq),
                   sha256(string_agg(x.d, ''::bytea ORDER BY x.at_ns, x.seq))
              INTO v_n, v_entries, v_digest
              FROM (SELECT l.at_ns, l.seq, tarbox._audit_digest(l) AS d FROM tarbox.audit_log l
                     WHERE l.tenant_id = v_t
                       AND (l.at_ns, l.seq) > (coalesce(s.lo_at, -9223372036854775808), coalesce(s.lo_seq, -9223372036854775808))
                       AND (l.at_ns, l.seq) <= (s.hi_at, s.hi_seq)) x;
            v_records := v_records + v_n;
            IF v_digest IS DISTINCT FROM s.digest OR v_entries IS DISTINCT FROM s.entries THEN
                v_found := 0;
                FOR r IN
                    WITH stored AS (
                        SELECT ('x' || encode(substring(s.entries FROM g * 16 + 1 FOR 8), 'hex'))::bit(64)::bigint AS seq,
                               substring(s.entries FROM g * 16 + 9 FOR 8) AS d8
                          FROM generate_series(0, s.records - 1) g),
                    now_ AS (
                        SELECT l.seq, l.at_ns, substring(tarbox._audit_digest(l) FROM 1 FOR 8) AS d8
                          FROM tarbox.audit_log l
                         WHERE l.tenant_id = v_t
                           AND (l.at_ns, l.seq) > (coalesce(s.lo_at, -9223372036854775808), coalesce(s.lo_seq, -9223372036854775808))
                           AND (l.at_ns, l.seq) <= (s.hi_at, s.hi_seq))
                    SELECT coalesce(n.seq, st.seq) AS seq, n.at_ns,
                           CASE WHEN n.seq IS NULL THEN 'removed' WHEN st.seq IS NULL THEN 'inserted' ELSE 'changed' END AS kind
                      FROM stored st FULL JOIN now_ n ON n.seq = st.seq
                     WHERE st.d8 IS DISTINCT FROM n.d8
                     ORDER BY 1
                LOOP
                    RETURN QUERY SELECT v_t, v_name, s.seal_no, r.kind, r.seq,
                                        CASE WHEN r.at_ns IS NOT NULL THEN tarbox._audit_time(r.at_ns) END,
                                        CASE r.kind WHEN 'removed' THEN 'a sealed record is gone'
                                                    WHEN 'inserted' THEN 'a record that the seal does not cover lies in its range'
                                                    ELSE 'a sealed record''s content differs from what was sealed' END;
                    v_found := v_found + 1;
                END LOOP;
                IF v_found = 0 THEN
                    RETURN QUERY SELECT v_t, v_name, s.seal_no, 'seal_altered'::text, NULL::bigint, NULL::timestamptz,
                                        'the records match their entries but not the seal''s digest'::text;
                    v_found := 1;
                END IF;
                v_problems := v_problems + v_found;
            END IF;
        END LOOP;
        RETURN QUERY SELECT v_t, v_name, v_prev.seal_no, 'verified'::text, NULL::bigint, NULL::timestamptz,
                            format('%s seal(s) (%s expired), %s record(s) checked, %s problem(s); head %s',
                                   v_seals, v_expired, v_records, v_problems, coalesce(encode(v_head, 'hex'), 'none'));
    END LOOP;
END
$$;
ALTER FUNCTION tarbox.audit_verify(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.audit_verify(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.audit_verify(text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.audit_verify(text) IS
'Administrators: check the audit hash chains of tenant p_tenant (NULL = every tenant, deleted ones included): for every seal its place in the chain (seal_missing: a gap in the numbering, chain_broken: its previous hash or bounds do not continue the previous seal), its own hash (seal_altered) and, unless retention expired it, the records it covers, recomputed: changed, removed or inserted records, each with its seq and time. One row per problem, then one row ''verified'' per tenant with the counts and the head hash (record it elsewhere to detect a rewrite of the whole chain). Errors: ENOENT (TX002) no such tenant, 42501 not an administrator.';
