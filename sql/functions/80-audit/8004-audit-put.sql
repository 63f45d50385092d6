-- tarbox._audit_put(a, ok, errno, message, bytes, duration): write the record of call `a` (whose
-- op is not NULL) in the current transaction: time = a.t0, duration = p_duration_ns or else
-- now - a.t0, the session's login role and client address, a.path/path2/ino/layer/details and
-- the caller's ids, and the line counts of the text change the call made (a.lines_added/
-- lines_deleted, else what tarbox._audit_lines gathered during the call).
-- A Tarbox shell running one program (``tarbox wasi run``) labels the records of that run:
-- details.run (tarbox._audit_run_label).
CREATE OR REPLACE FUNCTION tarbox._audit_put(a tarbox._audit_call, p_ok boolean, p_errno smallint,
                                             p_message text, p_bytes bigint, p_duration_ns bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_lines text := current_setting('tarbox.audit_lines', true);
    v_run jsonb := CASE WHEN a.shell THEN tarbox._audit_run_label(true) END;
BEGIN
    IF v_run IS NOT NULL THEN
        a.details := coalesce(a.details, '{}'::jsonb) || v_run;
    END IF;
    IF v_lines <> '' THEN
        IF a.lines_added IS NULL AND v_lines ~ '^[0-9]{1,9},[0-9]{1,9}$' THEN
            a.lines_added := split_part(v_lines, ',', 1)::int;
            a.lines_deleted := split_part(v_lines, ',', 2)::int;
        END IF;
        PERFORM set_config('tarbox.audit_lines', '', true);
    END IF;
    INSERT INTO tarbox.audit_log (tenant_id, at_ns, op, ok, errno, message, path, path2, ino, layer,
                                  uid, gid, pid, role, client_addr, bytes, duration_ns, lines_added,
                                  lines_deleted, native, native_source, details)
    VALUES (a.tenant_id, (extract(epoch FROM a.t0) * 1000000000)::bigint, a.op, p_ok, p_errno, p_message,
            a.path, a.path2, a.ino, a.layer, a.uid, a.gid, a.pid, session_user, inet_client_addr(),
            p_bytes, coalesce(p_duration_ns,
                              greatest((extract(epoch FROM clock_timestamp() - a.t0) * 1000000000)::bigint, 0)),
            a.lines_added, a.lines_deleted, a.native_source IS NOT NULL, a.native_source, a.details);
END
$$;
ALTER FUNCTION tarbox._audit_put(tarbox._audit_call, boolean, smallint, text, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_put(tarbox._audit_call, boolean, smallint, text, bigint, bigint) FROM PUBLIC;

-- tarbox._audit_put_many(a, ops, paths, inos, bytes, lines_added, lines_deleted, details):
-- the successful records of one bulk call `a` (tarbox.fs_import, fs_setattr_many) in ONE
-- insert, as many tarbox._audit_put(a', true, ...) would write them: record i has operation
-- ops[i] (NULL: not recorded, e.g. below the level of its path), path, inode, bytes, line
-- counts and details of entry i, and the call's time, duration, layer, caller and run label.
-- Profile: the Django import wrote 13,275 records one INSERT each (about 50 us apiece, a third
-- of the import's time in the database).
CREATE OR REPLACE FUNCTION tarbox._audit_put_many(a tarbox._audit_call, p_ops text[], p_paths text[], p_inos bigint[],
                                                  p_bytes bigint[], p_lines_added int[], p_lines_deleted int[],
                                                  p_details jsonb[])
RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- see tarbox._blocks_store
AS $$
DECLARE
    v_extra jsonb := coalesce(tarbox._audit_run_label(a.shell), '{}'::jsonb);
BEGIN
    IF a.op IS NULL OR coalesce(cardinality(p_ops), 0) = 0 THEN
        RETURN;
    END IF;
    IF current_setting('tarbox.audit_lines', true) <> '' THEN
        PERFORM set_config('tarbox.audit_lines', '', true);  -- the entries carry their own counts
    END IF;
    INSERT INTO tarbox.audit_log (tenant_id, at_ns, op, ok, errno, message, path, path2, ino, layer,
                                  uid, gid, pid, role, client_addr, bytes, duration_ns, lines_added,
                                  lines_deleted, native, native_source, details)
    SELECT a.tenant_id, (extract(epoch FROM a.t0) * 1000000000)::bigint, p_ops[g], true, NULL, NULL,
           p_paths[g], NULL, p_inos[g], a.layer, a.uid, a.gid, a.pid, session_user, inet_client_addr(),
           p_bytes[g], greatest((extract(epoch FROM clock_timestamp() - a.t0) * 1000000000)::bigint, 0),
           p_lines_added[g], p_lines_deleted[g], a.native_source IS NOT NULL, a.native_source,
           CASE WHEN v_extra = '{}'::jsonb THEN p_details[g] ELSE coalesce(p_details[g], '{}'::jsonb) || v_extra END
      FROM generate_subscripts(p_ops, 1) g
     WHERE p_ops[g] IS NOT NULL;
END
$$;
ALTER FUNCTION tarbox._audit_put_many(tarbox._audit_call, text[], text[], bigint[], bigint[], int[], int[], jsonb[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_put_many(tarbox._audit_call, text[], text[], bigint[], bigint[], int[], int[], jsonb[]) FROM PUBLIC;

-- tarbox._audit_ok(a, bytes): record the success of call `a` (nothing when a.op is NULL).
CREATE OR REPLACE FUNCTION tarbox._audit_ok(a tarbox._audit_call, p_bytes bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF a.op IS NOT NULL THEN
        PERFORM tarbox._audit_put(a, true, NULL, NULL, p_bytes);
    END IF;
END
$$;
ALTER FUNCTION tarbox._audit_ok(tarbox._audit_call, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_ok(tarbox._audit_call, bigint) FROM PUBLIC;

-- tarbox._audit_fail(a, sqlstate, message): called by an audited function's exception
-- handler, after its work was undone (the block's subtransaction rolled back). When the
-- session reports failures as warnings (a.catch) and the error is the call's own failure,
-- the failure is recorded with its errno in the outer transaction, which commits, and is
-- reported to the caller as a WARNING carrying the original SQLSTATE and message; returns
-- true, and the caller returns NULL (no rows). Returns false (the caller re-raises the error
-- unchanged) when nothing is to be recorded or when the error is a serialization failure or
-- deadlock (class 40: the caller retries the whole call, which must leave no record).
CREATE OR REPLACE FUNCTION tarbox._audit_fail(a tarbox._audit_call, p_state text, p_message text)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
    IF a.op IS NULL OR NOT a.catch OR left(p_state, 2) = '40' THEN
        RETURN false;
    END IF;
    PERFORM tarbox._audit_put(a, false, tarbox._audit_errno(p_state),
                              p_message || CASE WHEN p_state ~ '^TX' THEN '' ELSE format(' (SQLSTATE %s)', p_state) END,
                              NULL);
    RAISE WARNING USING ERRCODE = p_state, MESSAGE = p_message;
    RETURN true;
END
$$;
ALTER FUNCTION tarbox._audit_fail(tarbox._audit_call, text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_fail(tarbox._audit_call, text, text) FROM PUBLIC;

-- tarbox._audit_event(tenant, op, path, ino, details, bytes): record an operation of the tenant
-- that is not a call of the file API (layer commands, purges, imports, administration), at
-- basic level: written unless the tenant's level is none. Returns whether it was written.
-- Helpers of other areas (garbage collection, quotas, native mounts) record through this.
CREATE OR REPLACE FUNCTION tarbox._audit_event(p_op text, p_path text, p_ino bigint, p_details jsonb,
                                               p_bytes bigint DEFAULT NULL, p_layer int DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    a tarbox._audit_call := tarbox._audit_begin(p_op, 1, p_layer, NULL, NULL, NULL);
BEGIN
    IF a.op IS NULL THEN
        RETURN false;
    END IF;
    a.path := p_path;
    a.ino := p_ino;
    a.details := p_details;
    a := tarbox._audit_scope(a);
    PERFORM tarbox._audit_ok(a, p_bytes);
    RETURN a.op IS NOT NULL;
END
$$;
ALTER FUNCTION tarbox._audit_event(text, text, bigint, jsonb, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_event(text, text, bigint, jsonb, bigint, int) FROM PUBLIC;

-- tarbox._audit_admin(tenant, op, details): record an administrator's operation on a tenant
-- (tenant create/delete/rename, audit settings) in that tenant's log, whatever its level:
-- administration is always recorded. Runs as tarbox_maint (administrative functions only).
CREATE OR REPLACE FUNCTION tarbox._audit_admin(p_tenant bigint, p_op text, p_details jsonb)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO tarbox.audit_log (tenant_id, at_ns, op, ok, role, client_addr, duration_ns, details)
    VALUES (p_tenant, (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint, p_op, true,
            session_user, inet_client_addr(), 0, p_details);
END
$$;
ALTER FUNCTION tarbox._audit_admin(bigint, text, jsonb) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_admin(bigint, text, jsonb) FROM PUBLIC;
