-- tarbox._audit_lines(stats): the storage code (tarbox._text_commit) tells the audit that the
-- running call changed a text file by stats = {lines added, lines deleted} (NULL: not text,
-- nothing to say). The counts add up in the transaction-local setting tarbox.audit_lines
-- ('added,deleted') until tarbox._audit_put writes them into the call's record and clears it;
-- tarbox._audit_begin clears it too, so a record carries only what its own call changed (a
-- value a session wrote there itself never reaches a record).
CREATE OR REPLACE FUNCTION tarbox._audit_lines(p_stats int[]) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v text := current_setting('tarbox.audit_lines', true);
BEGIN
    IF p_stats IS NULL OR cardinality(p_stats) < 2 OR p_stats[1] IS NULL OR p_stats[2] IS NULL THEN
        RETURN;
    END IF;
    p_stats := ARRAY[greatest(p_stats[1], 0), greatest(p_stats[2], 0)];
    IF v ~ '^[0-9]{1,9},[0-9]{1,9}$' THEN
        p_stats := ARRAY[least(p_stats[1]::bigint + split_part(v, ',', 1)::int, 999999999),
                         least(p_stats[2]::bigint + split_part(v, ',', 2)::int, 999999999)];
    END IF;
    PERFORM set_config('tarbox.audit_lines', p_stats[1] || ',' || p_stats[2], true);
END
$$;
ALTER FUNCTION tarbox._audit_lines(int[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_lines(int[]) FROM PUBLIC;

-- tarbox._audit_for(tenant, op, details, bytes): record an operation on tenant `tenant` that
-- is not a call of the file API and may be run by the tenant or by an administrator (garbage
-- collection), at level basic: written unless the tenant's highest level is none or the
-- transaction is read-only. The caller is the session (role, client address).
CREATE OR REPLACE FUNCTION tarbox._audit_for(p_tenant bigint, p_op text, p_details jsonb, p_bytes bigint DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    v_max smallint;
BEGIN
    SELECT coalesce(p.max_level, p.level, c.default_level) INTO v_max
      FROM tarbox.audit_config c LEFT JOIN tarbox.audit_policy p ON p.tenant_id = p_tenant;
    IF p_tenant IS NULL OR coalesce(v_max, 0) < 1 OR current_setting('transaction_read_only') = 'on' THEN
        RETURN false;
    END IF;
    INSERT INTO tarbox.audit_log (tenant_id, at_ns, op, ok, role, client_addr, bytes, duration_ns, details)
    VALUES (p_tenant, (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint, p_op, true,
            session_user, inet_client_addr(), p_bytes, 0, p_details);
    RETURN true;
END
$$;
ALTER FUNCTION tarbox._audit_for(bigint, text, jsonb, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_for(bigint, text, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._audit_for(bigint, text, jsonb, bigint) TO tarbox_maint;
