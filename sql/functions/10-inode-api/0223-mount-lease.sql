-- tarbox.mount_lease(session, seconds): a mount session held by a lease rather than by a
-- connection (see the table tarbox.mount_session): while the lease runs, inodes without links
-- are kept (the client may hold them open) and purge_orphans of other callers removes nothing.
-- p_session NULL makes a new session; a number renews that live lease session. At most
-- 64 live lease sessions per tenant (checked without a lock: registrations racing each other
-- may pass it by their number); expired ones of the tenant are removed on the way.
CREATE OR REPLACE FUNCTION tarbox.mount_lease(p_session bigint, p_seconds int)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    v_session bigint;
    v_until timestamptz;
BEGIN
    IF p_seconds IS NULL OR p_seconds < 1 OR p_seconds > 3600 THEN
        PERFORM tarbox._raise('EINVAL', format('a lease lasts 1 to 3600 seconds, not %s', p_seconds));
    END IF;
    v_until := now() + make_interval(secs => p_seconds);
    IF p_session IS NOT NULL THEN
        UPDATE tarbox.mount_session s SET lease_until = v_until
         WHERE s.tenant_id = c.tenant_id AND s.session_id = p_session AND s.lease_until > now()
        RETURNING s.session_id INTO v_session;
        IF v_session IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format(
                'mount session %s holds no live lease (it expired, ended or never was one)', p_session));
        END IF;
        RETURN v_session;
    END IF;
    DELETE FROM tarbox.mount_session s WHERE s.tenant_id = c.tenant_id AND s.lease_until <= now();
    IF (SELECT count(*) FROM tarbox.mount_session s
         WHERE s.tenant_id = c.tenant_id AND s.lease_until IS NOT NULL) >= 64 THEN
        PERFORM tarbox._raise('EDQUOT', 'the tenant holds 64 live lease sessions, the most it may');
    END IF;
    v_session := nextval('tarbox.mount_session_seq');
    INSERT INTO tarbox.mount_session (tenant_id, session_id, backend_pid, read_only, lease_until)
    VALUES (c.tenant_id, v_session, NULL, false, v_until);
    RETURN v_session;
END
$$;
ALTER FUNCTION tarbox.mount_lease(bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.mount_lease(bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.mount_lease(bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.mount_lease(bigint, int) IS
'Mounts without a connection of their own (the WASI host in HTTP mode): register (p_session NULL) or renew (p_session: its id) a mount session of the caller''s tenant that stays alive for p_seconds (1..3600) from now, instead of while a connection holds its advisory lock. While it is alive, tarbox._purge keeps unlinked inodes (the client may hold them open) and purge_orphans of other callers removes nothing; tarbox.mount_lease_end ends it. Returns the session id (bigint). Errors: EINVAL (TX022) p_seconds out of range, ENOENT (TX002) renewing a session that holds no live lease, EDQUOT (TX122) 64 live lease sessions already, EACCES (TX013) caller is not a tenant.';

-- tarbox.mount_lease_end(session): the lease client is done: its session goes, and the tenant's
-- inodes without links are purged unless another mount still runs (tarbox.purge_orphans).
CREATE OR REPLACE FUNCTION tarbox.mount_lease_end(p_session bigint)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
BEGIN
    DELETE FROM tarbox.mount_session s
     WHERE s.tenant_id = c.tenant_id AND s.session_id = p_session AND s.lease_until IS NOT NULL;
    RETURN tarbox.purge_orphans();
END
$$;
ALTER FUNCTION tarbox.mount_lease_end(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.mount_lease_end(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.mount_lease_end(bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.mount_lease_end(bigint) IS
'Mounts without a connection of their own: end lease session p_session of the caller''s tenant (from tarbox.mount_lease; one that expired or is not the caller''s is simply not there) and purge the tenant''s inodes that have no links left, unless another mount of the tenant still runs (tarbox.purge_orphans). Returns how many inodes were purged (bigint). Errors: EACCES (TX013) caller is not a tenant.';
