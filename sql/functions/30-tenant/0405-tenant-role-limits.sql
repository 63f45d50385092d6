-- tarbox._tenant_role_limits(role, connections): what one login of a tenant may take from
-- what all tenants share (issue 16): at most `connections` concurrent connections
-- (CONNECTION LIMIT; the mounts connect as the administrator and do not count), temporary
-- files of at most 1 GB per session (temp_file_limit: a superuser-only setting, so the tenant
-- cannot raise it; every query that would spill more fails with 53400), and sessions idle
-- in a transaction for 15 minutes are ended (idle_in_transaction_session_timeout: a default
-- the tenant can change for itself; an open transaction holds back VACUUM for everyone, see
-- the README's security model). Applied to tenant roles and to the psql login roles of
-- tarbox.tenant_login. Runs as tarbox_maint (CREATEROLE, SET on temp_file_limit granted).
CREATE OR REPLACE FUNCTION tarbox._tenant_role_limits(p_role text, p_connections int)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE format('ALTER ROLE %I CONNECTION LIMIT %s', p_role, p_connections);
    EXECUTE format('ALTER ROLE %I SET temp_file_limit = %L', p_role, '1GB');
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_role, '15min');
END
$$;
ALTER FUNCTION tarbox._tenant_role_limits(text, int) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._tenant_role_limits(text, int) FROM PUBLIC;
