CREATE OR REPLACE FUNCTION tarbox.tenant_login(p_name text)
RETURNS TABLE (role_name text, login_role text, password text, valid_until timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_id bigint;
    v_role text;
    v_login text;
    v_password text := md5(gen_random_uuid()::text) || md5(gen_random_uuid()::text);
    v_until timestamptz := now() + interval '1 minute';
    v_old text;
BEGIN
    PERFORM tarbox._require_admin();
    SELECT t.tenant_id INTO v_id FROM tarbox.tenant t WHERE t.name = p_name;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_name));
    END IF;
    v_role := 'tarbox_tenant_' || v_id;
    -- Login roles of earlier prompts that expired and have no session left go.
    FOR v_old IN SELECT r.rolname FROM pg_roles r
                  WHERE r.rolname LIKE 'tarbox\_psql\_' || v_id || '\_%' AND r.rolvaliduntil < now()
                    AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.usename = r.rolname) LOOP
        EXECUTE format('GRANT %I TO tarbox_maint', v_old);
        EXECUTE format('DROP OWNED BY %I', v_old);
        EXECUTE format('DROP ROLE %I', v_old);
    END LOOP;
    v_login := format('tarbox_psql_%s_%s', v_id, substr(md5(gen_random_uuid()::text), 1, 10));
    -- NOINHERIT: without SET ROLE to the tenant (RESET ROLE) the session has no privilege at
    -- all; the tenant role is the only one it may become.
    EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT PASSWORD %L VALID UNTIL %L IN ROLE %I',
                   v_login, v_password, v_until, v_role);
    PERFORM tarbox._tenant_role_limits(v_login, 2);
    PERFORM tarbox._audit_admin(v_id, 'tenant_login', jsonb_build_object('login', v_login, 'valid_until', v_until));
    RETURN QUERY SELECT v_role, v_login, v_password, v_until;
END
$$;
ALTER FUNCTION tarbox.tenant_login(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_login(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_login(text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.tenant_login(text) IS
'Administrators: a one-off login for a prompt as tenant p_name (tarbox db psql --tenant): a new role tarbox_psql_<tenant id>_<random> that logs in with the returned random password until valid_until (a minute from now; a session started before stays), NOINHERIT and a member of the tenant role only, so a session that starts with role = role_name acts as the tenant and can leave it only for a role without any privilege (RESET ROLE), never for another tenant or an administrator. At most 2 connections; the tenant''s temp_file_limit. Expired login roles of the tenant without a session are dropped; tenant_delete drops them all. Returns (role_name, login_role, password, valid_until). Errors: ENOENT (TX002) no such tenant, 42501 not an administrator.';
