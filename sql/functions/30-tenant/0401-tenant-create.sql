CREATE OR REPLACE FUNCTION tarbox._do_tenant_create(p_name text, p_password text DEFAULT NULL,
                                                p_uid bigint DEFAULT 0, p_gid bigint DEFAULT 0)
RETURNS TABLE (tenant_id bigint, name text, role_name text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_id bigint;
    v_role text;
    v_now bigint := tarbox._now_ns();
BEGIN
    PERFORM tarbox._require_admin();
    IF p_name IS NULL OR p_name !~ '^[a-z][a-z0-9_-]{0,62}$' THEN
        PERFORM tarbox._raise('EINVAL', format(
            'invalid tenant name %L: use 1-63 characters a-z, 0-9, _ and -, starting with a letter', p_name));
    END IF;
    IF p_uid NOT BETWEEN 0 AND 4294967294 OR p_gid NOT BETWEEN 0 AND 4294967294 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid default owner %s:%s', p_uid, p_gid));
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('tarbox.tenant'));
    IF EXISTS (SELECT 1 FROM tarbox.tenant t WHERE t.name = p_name) THEN
        PERFORM tarbox._raise('EEXIST', format('tenant %s already exists', p_name));
    END IF;
    -- The role is created first: its OID, unique in the cluster, becomes the tenant id.
    v_role := 'tarbox_tenant_new_' || pg_backend_pid();
    EXECUTE format('CREATE ROLE %I NOLOGIN IN ROLE tarbox_tenant', v_role);
    SELECT r.oid::bigint INTO v_id FROM pg_roles r WHERE r.rolname = v_role;
    EXECUTE format('ALTER ROLE %I RENAME TO %I', v_role, 'tarbox_tenant_' || v_id);
    v_role := 'tarbox_tenant_' || v_id;
    -- The HTTP gateway may act as the tenant (SET LOCAL ROLE per request; see migration 0050).
    IF EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = 'tarbox_gateway') THEN
        EXECUTE format('GRANT %I TO tarbox_gateway', v_role);
    END IF;
    IF p_password IS NOT NULL THEN
        EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', v_role, p_password);
    END IF;
    PERFORM tarbox._tenant_role_limits(v_role, 32);
    INSERT INTO tarbox.tenant (tenant_id, name, default_uid, default_gid) VALUES (v_id, p_name, p_uid, p_gid);
    EXECUTE format('CREATE SEQUENCE tarbox.%I AS bigint START 2', 'ino_seq_' || v_id);
    EXECUTE format('GRANT USAGE ON SEQUENCE tarbox.%I TO tarbox_owner', 'ino_seq_' || v_id);
    INSERT INTO tarbox.layer (tenant_id, layer_id, name, description)
    VALUES (v_id, 1, 'base', 'the first layer');
    INSERT INTO tarbox.inode (tenant_id, ino, born, died, mode, nlink, uid, gid, rdev, size,
                              atime_ns, mtime_ns, ctime_ns, btime_ns, target)
    VALUES (v_id, 1, 1, 2147483647, 16877, 2, p_uid, p_gid, 0, 0, v_now, v_now, v_now, v_now, NULL);
    INSERT INTO tarbox.usage_delta (tenant_id, stripe, bytes, inodes) VALUES (v_id, 0, 0, 1);
    RETURN QUERY SELECT v_id, p_name, v_role;
END
$$;
ALTER FUNCTION tarbox._do_tenant_create(text, text, bigint, bigint) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._do_tenant_create(text, text, bigint, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_tenant_create(text, text, bigint, bigint) IS
'Administrators: create tenant p_name (1-63 of a-z 0-9 _ -, starting with a letter) with its role tarbox_tenant_<id> (LOGIN with p_password, else NOLOGIN: reached by SET ROLE; granted to the HTTP gateway role tarbox_gateway), its base layer and an empty root directory owned by p_uid:p_gid (also the owner of files made through the path API). A login of the role gets at most 32 concurrent connections, temporary files of at most 1 GB per session (temp_file_limit, which it cannot raise) and idle-in-transaction sessions ended after 15 minutes. Returns (tenant_id, name, role_name). Errors: EEXIST (TX017), EINVAL (TX022), 42501 not an administrator.';
