-- Partitions of tarbox.audit_log: one per period (a UTC month, or a UTC day, as
-- tarbox.audit_config.period says), named audit_log_pYYYYMMDD after its first day, registered in
-- tarbox.audit_partition. Internal helpers of tarbox.audit_maintain (run as tarbox_maint, or by
-- `tarbox init` as the installing superuser).

-- tarbox._audit_ns(time): nanoseconds since the epoch (microsecond resolution).
CREATE OR REPLACE FUNCTION tarbox._audit_ns(p_time timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT (extract(epoch FROM p_time) * 1000000)::bigint * 1000 $$;
ALTER FUNCTION tarbox._audit_ns(timestamptz) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_ns(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._audit_ns(timestamptz) TO tarbox_maint;

-- tarbox._audit_time(ns): the timestamp of nanoseconds since the epoch.
CREATE OR REPLACE FUNCTION tarbox._audit_time(p_ns bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT timestamptz 'epoch' + (p_ns / 1000) * interval '1 microsecond' $$;
ALTER FUNCTION tarbox._audit_time(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_time(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._audit_time(bigint) TO tarbox_maint;

-- tarbox._audit_period(time, period): the start of the UTC month or day holding `time`.
CREATE OR REPLACE FUNCTION tarbox._audit_period(p_time timestamptz, p_period text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT date_trunc(p_period, p_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' $$;
ALTER FUNCTION tarbox._audit_period(timestamptz, text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_period(timestamptz, text) FROM PUBLIC;

-- tarbox._audit_no_statistics(table): no per-value planner statistics on any column of a new
-- audit table (a partition does not take them from its parent; see migration 0081).
CREATE OR REPLACE FUNCTION tarbox._audit_no_statistics(p_table text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_col name;
BEGIN
    FOR v_col IN SELECT a.attname FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = format('tarbox.%I', p_table)::regclass AND a.attnum > 0 AND NOT a.attisdropped
                  ORDER BY a.attnum LOOP
        EXECUTE format('ALTER TABLE tarbox.%I ALTER COLUMN %I SET STATISTICS 0', p_table, v_col);
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._audit_no_statistics(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_no_statistics(text) FROM PUBLIC;

-- tarbox._audit_partition_make(lo, hi): make partitions for whatever part of [lo, hi) no
-- partition covers yet (partitions never overlap; after a switch between months and days the
-- existing ones stay and only the gaps get new ones). Rows of those ranges that landed in the
-- default partition are moved into the new partition before it is attached. Every partition
-- gets the row-level security of the parent (a partition read directly has its own policies).
-- Returns the names of the partitions made.
CREATE OR REPLACE FUNCTION tarbox._audit_partition_make(p_lo timestamptz, p_hi timestamptz)
RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
    v_lo bigint := tarbox._audit_ns(p_lo);
    v_hi bigint := tarbox._audit_ns(p_hi);
    v_cur bigint := v_lo;
    v_gap_hi bigint;
    p record;
    v_name text;
    v_moved bigint;
BEGIN
    LOOP
        EXIT WHEN v_cur >= v_hi;
        SELECT * INTO p FROM tarbox.audit_partition a
         WHERE a.hi_ns > v_cur AND a.lo_ns < v_hi ORDER BY a.lo_ns LIMIT 1;
        IF FOUND AND p.lo_ns <= v_cur THEN
            v_cur := p.hi_ns;  -- covered
            CONTINUE;
        END IF;
        v_gap_hi := CASE WHEN FOUND THEN p.lo_ns ELSE v_hi END;
        v_name := 'audit_log_p' || to_char(tarbox._audit_time(v_cur) AT TIME ZONE 'UTC', 'YYYYMMDD');
        IF EXISTS (SELECT 1 FROM tarbox.audit_log_default d WHERE d.at_ns >= v_cur AND d.at_ns < v_gap_hi) THEN
            EXECUTE format('CREATE TABLE tarbox.%I (LIKE tarbox.audit_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', v_name);
            EXECUTE format('ALTER TABLE tarbox.%I ADD CONSTRAINT %I CHECK (at_ns >= %s AND at_ns < %s)',
                           v_name, v_name || '_bounds', v_cur, v_gap_hi);
            EXECUTE format('WITH moved AS (DELETE FROM tarbox.audit_log_default d WHERE d.at_ns >= %s AND d.at_ns < %s RETURNING d.*) '
                           'INSERT INTO tarbox.%I SELECT * FROM moved', v_cur, v_gap_hi, v_name);
            GET DIAGNOSTICS v_moved = ROW_COUNT;
            EXECUTE format('ALTER TABLE tarbox.audit_log ATTACH PARTITION tarbox.%I FOR VALUES FROM (%s) TO (%s)',
                           v_name, v_cur, v_gap_hi);
            RAISE NOTICE 'audit: moved % record(s) from the default partition into %', v_moved, v_name;
        ELSE
            EXECUTE format('CREATE TABLE tarbox.%I PARTITION OF tarbox.audit_log FOR VALUES FROM (%s) TO (%s)',
                           v_name, v_cur, v_gap_hi);
        END IF;
        EXECUTE format('ALTER TABLE tarbox.%I OWNER TO tarbox_maint', v_name);
        PERFORM tarbox._audit_no_statistics(v_name);
        EXECUTE format('ALTER TABLE tarbox.%I ENABLE ROW LEVEL SECURITY', v_name);
        EXECUTE format('ALTER TABLE tarbox.%I FORCE ROW LEVEL SECURITY', v_name);
        EXECUTE format('CREATE POLICY audit_log_own ON tarbox.%I USING (tenant_id = (SELECT tarbox._tenant_id())) '
                       'WITH CHECK (tenant_id = (SELECT tarbox._tenant_id()))', v_name);  -- as migration 0140
        INSERT INTO tarbox.audit_partition (name, lo_ns, hi_ns) VALUES (v_name, v_cur, v_gap_hi);
        RETURN NEXT v_name;
        v_cur := v_gap_hi;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._audit_partition_make(timestamptz, timestamptz) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_partition_make(timestamptz, timestamptz) FROM PUBLIC;

-- tarbox._audit_premake(now): partitions for the period holding `now` and the configured number
-- of periods after it, and for every period of which rows wait in the default partition.
-- Returns the names of the partitions made.
CREATE OR REPLACE FUNCTION tarbox._audit_premake(p_now timestamptz)
RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox.audit_config;
    v_step interval;
    v_lo timestamptz;
BEGIN
    SELECT * INTO c FROM tarbox.audit_config;
    v_step := CASE c.period WHEN 'day' THEN interval '1 day' ELSE interval '1 month' END;
    FOR v_lo IN SELECT DISTINCT tarbox._audit_period(tarbox._audit_time(d.at_ns), c.period)
                  FROM tarbox.audit_log_default d ORDER BY 1 LOOP
        RETURN QUERY SELECT * FROM tarbox._audit_partition_make(v_lo, (v_lo AT TIME ZONE 'UTC' + v_step) AT TIME ZONE 'UTC');
    END LOOP;
    FOR i IN 0 .. c.premake LOOP
        v_lo := (tarbox._audit_period(p_now, c.period) AT TIME ZONE 'UTC' + v_step * i) AT TIME ZONE 'UTC';
        RETURN QUERY SELECT * FROM tarbox._audit_partition_make(v_lo, (v_lo AT TIME ZONE 'UTC' + v_step) AT TIME ZONE 'UTC');
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._audit_premake(timestamptz) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_premake(timestamptz) FROM PUBLIC;
