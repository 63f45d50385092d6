-- tarbox._other_mounts_live(tenant): true when a mount of the tenant other than the caller's
-- own (the setting tarbox.mount_session, which a mount's connections carry) is running, so
-- that an unlinked inode might still be open there and must not be purged yet. A session
-- whose advisory lock nobody holds is dead (its mount's connection is gone): its row is
-- removed on the way. The shared try-lock taken to test a session is released at commit. The
-- registering connection itself (backend_pid) is never "another" mount either. A lease session
-- (tarbox.mount_lease: no connection, lease_until) is alive until its lease runs out, and its
-- row is removed on the way once it has.
CREATE OR REPLACE FUNCTION tarbox._other_mounts_live(p_tenant bigint)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    v_setting text := current_setting('tarbox.mount_session', true);
    v_self bigint := CASE WHEN v_setting ~ '^[0-9]{1,18}$' THEN v_setting::bigint END;
    v_session bigint;
    v_lease timestamptz;
    v_key int[];
BEGIN
    FOR v_session, v_lease IN
            SELECT s.session_id, s.lease_until FROM tarbox.mount_session s
             WHERE s.tenant_id = p_tenant AND s.session_id IS DISTINCT FROM v_self
               AND s.backend_pid IS DISTINCT FROM pg_backend_pid() LOOP
        IF v_lease IS NOT NULL THEN
            IF v_lease > now() THEN
                RETURN true;
            END IF;
        ELSE
            v_key := tarbox._mount_key(p_tenant, v_session);
            IF NOT pg_try_advisory_xact_lock_shared(v_key[1], v_key[2]) THEN
                RETURN true;
            END IF;
        END IF;
        DELETE FROM tarbox.mount_session s
         WHERE s.tenant_id = p_tenant AND s.session_id = v_session;
    END LOOP;
    RETURN false;
END
$$;
ALTER FUNCTION tarbox._other_mounts_live(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._other_mounts_live(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._other_mounts_live(bigint) TO tarbox_maint;  -- tarbox.tenant_gc expires upload sessions (tarbox._upload_expire)
