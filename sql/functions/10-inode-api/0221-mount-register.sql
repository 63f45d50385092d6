-- tarbox.mount_register(read_only, session): record the calling connection as a running mount
-- of the caller's tenant (see the table tarbox.mount_session) and take the session's advisory
-- lock at session level on this connection; the mount stays "running" exactly as long as this
-- connection holds that lock. p_session NULL registers a new session; a number re-registers
-- that session after its connection was lost (the row is made again if it was reaped meanwhile).
CREATE OR REPLACE FUNCTION tarbox.mount_register(p_read_only boolean, p_session bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    v_session bigint := coalesce(p_session, nextval('tarbox.mount_session_seq'));
    v_key int[];
    v_timeout text;
BEGIN
    IF p_read_only IS NULL THEN
        PERFORM tarbox._raise('EINVAL', 'read_only must be true or false');
    ELSIF v_session < 1 OR v_session > (SELECT s.last_value FROM tarbox.mount_session_seq s) THEN
        PERFORM tarbox._raise('EINVAL', format('no mount session %s was ever registered', v_session));
    END IF;
    v_key := tarbox._mount_key(c.tenant_id, v_session);
    -- One session per connection: every registration holds a session-level advisory lock,
    -- and the shared lock table must not be filled by registering again and again.
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
                WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.objsubid = 2
                  AND (l.classid, l.objid) IS DISTINCT FROM (v_key[1]::oid, v_key[2]::oid)) THEN
        PERFORM tarbox._raise('EBUSY', 'this connection already holds another mount session; register each mount on a connection of its own');
    END IF;
    IF NOT tarbox._mount_lock_held(v_key) AND NOT pg_try_advisory_lock(v_key[1], v_key[2]) THEN
        PERFORM tarbox._raise('EBUSY', format('mount session %s is held by another connection', v_session));
    END IF;
    -- Writes of the tenant in flight may have found no other mount and not notified
    -- (tarbox._notify_needed): let them commit before this mount exists, so that it cannot
    -- cache what they change without hearing of it (the layer lock, which they hold shared;
    -- waited for at most 2 s: a long import notifies anyway, it is not a mount).
    v_timeout := current_setting('lock_timeout');
    BEGIN
        PERFORM set_config('lock_timeout', '2s', true);
        PERFORM pg_advisory_xact_lock(t.lock_key) FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id;
    EXCEPTION WHEN lock_not_available THEN
        NULL;
    END;
    PERFORM set_config('lock_timeout', v_timeout, true);
    INSERT INTO tarbox.mount_session AS s (tenant_id, session_id, backend_pid, read_only)
    VALUES (c.tenant_id, v_session, pg_backend_pid(), p_read_only)
    ON CONFLICT (tenant_id, session_id)
    DO UPDATE SET backend_pid = excluded.backend_pid, read_only = excluded.read_only,
                  lease_until = NULL;  -- a lease session taken over by this connection
    RETURN v_session;
END
$$;
ALTER FUNCTION tarbox.mount_register(boolean, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.mount_register(boolean, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.mount_register(boolean, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.mount_register(boolean, bigint) IS
'Mounts: register the calling connection as a running mount of the caller''s tenant and return its session id (bigint). The connection then holds a session-level advisory lock; while it does, tarbox._purge keeps unlinked inodes (the mount may hold them open, as POSIX allows) and purge_orphans of other callers removes nothing. p_read_only: the mount is read-only (informational). p_session: NULL for a new session, or the id of this mount''s session to take it again after its connection was lost. The mount''s other connections should SET tarbox.mount_session to the id, so that their own purges do not wait for themselves. Errors: EINVAL (TX022) p_read_only NULL or an id never handed out, EBUSY (TX016) the session''s lock is held by another connection or this connection holds another session, EACCES (TX013) caller is not a tenant.';
