-- tarbox.mount_unregister(session): the mount is ending: drop its row and release its lock.
CREATE OR REPLACE FUNCTION tarbox.mount_unregister(p_session bigint)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    v_key int[] := tarbox._mount_key(c.tenant_id, p_session);
BEGIN
    DELETE FROM tarbox.mount_session s WHERE s.tenant_id = c.tenant_id AND s.session_id = p_session;
    -- (pg_advisory_unlock would warn when this connection does not hold it)
    IF v_key IS NULL OR NOT tarbox._mount_lock_held(v_key) THEN
        RETURN false;
    END IF;
    RETURN pg_advisory_unlock(v_key[1], v_key[2]);
END
$$;
ALTER FUNCTION tarbox.mount_unregister(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.mount_unregister(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.mount_unregister(bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.mount_unregister(bigint) IS
'Mounts: end mount session p_session of the caller''s tenant (from tarbox.mount_register): its row goes and, when this connection holds it, its advisory lock is released. Returns true when the lock was released here. A mount that dies without calling it stops counting when its connection closes. Errors: EACCES (TX013) caller is not a tenant.';
