CREATE OR REPLACE FUNCTION tarbox._do_tenant_delete(p_name text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_id bigint;
    v_key bigint;
    v_role text;
    v_roles text[];
    v_r text;
    v_locked boolean := false;
    v_lock_timeout text := current_setting('lock_timeout');
    v_dbs text;
BEGIN
    PERFORM tarbox._require_admin();
    -- FOR NO KEY UPDATE: one delete (or rename) of the tenant at a time, without waiting for the
    -- KEY SHARE locks its writers' foreign keys hold (usage counters): those sessions are ended
    -- below first.
    SELECT t.tenant_id, t.lock_key INTO v_id, v_key FROM tarbox.tenant t WHERE t.name = p_name FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_name));
    END IF;
    v_role := 'tarbox_tenant_' || v_id;
    -- The tenant role and its psql login roles (tarbox.tenant_login).
    v_roles := ARRAY(SELECT r.rolname::text FROM pg_roles r
                      WHERE r.rolname = v_role OR r.rolname LIKE 'tarbox\_psql\_' || v_id || '\_%'
                      ORDER BY r.rolname = v_role, r.rolname);
    -- Exclusive layer lock: no write of the tenant is in flight while its rows go. A session of
    -- the tenant may hold it shared in a transaction it keeps open: the tenant's own sessions
    -- (in any database of the cluster) are ended first, and again while the lock is not free.
    FOR v_attempt IN 1..20 LOOP
        PERFORM pg_terminate_backend(a.pid, 5000) FROM pg_stat_activity a
          WHERE a.usename = ANY (v_roles) AND a.pid <> pg_backend_pid();
        BEGIN
            PERFORM set_config('lock_timeout', '1s', true);
            PERFORM pg_advisory_xact_lock(v_key);
            v_locked := true;
        EXCEPTION WHEN lock_not_available THEN
            NULL;
        END;
        PERFORM set_config('lock_timeout', v_lock_timeout, true);
        EXIT WHEN v_locked;
    END LOOP;
    IF NOT v_locked THEN
        PERFORM tarbox._raise('EBUSY', format('tenant %s: a session keeps its layer lock (a mount of it busy for 20 s?); try again', p_name));
    END IF;
    DELETE FROM tarbox.xattr WHERE tenant_id = v_id;
    DELETE FROM tarbox.blockmap WHERE tenant_id = v_id;
    DELETE FROM tarbox.chunkmap WHERE tenant_id = v_id;
    DELETE FROM tarbox.usage_delta WHERE tenant_id = v_id;
    DELETE FROM tarbox.block WHERE tenant_id = v_id;
    DELETE FROM tarbox.dentry WHERE tenant_id = v_id;
    DELETE FROM tarbox.inode WHERE tenant_id = v_id;
    DELETE FROM tarbox.mount_session WHERE tenant_id = v_id;
    DELETE FROM tarbox.layer_tag WHERE tenant_id = v_id;
    DELETE FROM tarbox.publication WHERE tenant_id = v_id;  -- its grants and compositions cascade
    DELETE FROM tarbox.layer WHERE tenant_id = v_id;  -- tenant.current_layer's check is deferred
    DELETE FROM tarbox.tenant WHERE tenant_id = v_id;
    EXECUTE format('DROP SEQUENCE IF EXISTS tarbox.%I', 'ino_seq_' || v_id);
    -- Whatever the roles own or were granted in this database goes (large objects made before
    -- they were revoked, ALTER DEFAULT PRIVILEGES entries...): DROP OWNED needs the privileges
    -- of the role, so tarbox_maint becomes a member first (the membership goes with the role).
    FOREACH v_r IN ARRAY v_roles LOOP
        EXECUTE format('GRANT %I TO tarbox_maint', v_r);
        EXECUTE format('DROP OWNED BY %I', v_r);
        BEGIN
            EXECUTE format('DROP ROLE %I', v_r);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            -- Objects in other databases of the cluster (DROP OWNED reaches this one only): the
            -- role can no longer log in nor act as a tenant; the administrator finishes there.
            SELECT string_agg(DISTINCT d.datname, ', ') INTO v_dbs
              FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
             WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = v_r::regrole;
            EXECUTE format('ALTER ROLE %I NOLOGIN', v_r);
            EXECUTE format('REVOKE tarbox_tenant FROM %I', v_r);
            EXECUTE format('ALTER ROLE %I RENAME TO %I', v_r, 'tarbox_deleted_' || substr(v_r, 8));
            RAISE WARNING 'tenant % deleted; role % still owns objects in database(s) %: it was disabled and renamed to %; run DROP OWNED BY % there, then DROP ROLE',
                p_name, v_r, v_dbs, 'tarbox_deleted_' || substr(v_r, 8), 'tarbox_deleted_' || substr(v_r, 8);
        END;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._do_tenant_delete(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._do_tenant_delete(text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_tenant_delete(text) IS
'Administrators: delete tenant p_name with all its rows (every layer, inode, entry, block, chunk map, xattr, usage counter), its inode sequence and its role (and its psql login roles): the tenant''s sessions are ended first (in every database), everything the roles own or were granted in this database is dropped (DROP OWNED), then the roles. A role that still owns objects in another database of the cluster is disabled (NOLOGIN, no longer a tenant) and renamed tarbox_deleted_<...> with a WARNING naming the databases. Errors: ENOENT (TX002) no such tenant, EBUSY (TX016) the tenant''s layer lock stayed taken for 20 s, 42501 not an administrator.';
