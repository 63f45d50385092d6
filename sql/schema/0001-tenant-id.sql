-- tarbox._caller(), tarbox._tenant_id(), tarbox._is_admin(): who is calling.
--
-- The tenant identity is derived from the PostgreSQL role the session acts as, never from a
-- setting the session can write: the role set by SET ROLE (which PostgreSQL only allows to
-- roles the session is a member of) or, without one, the login role. Inside SECURITY DEFINER
-- functions current_user is the function owner, but the "role" setting still names the
-- caller's role, so the same expression works there and in the row-level security policies.
-- A tenant role is named tarbox_tenant_<tenant_id>; any other caller has no tenant (NULL) and
-- sees no tenant rows. Plain SQL expressions, so the planner inlines them and evaluates them
-- once per scan as index keys.

CREATE FUNCTION tarbox._caller() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(nullif(pg_catalog.current_setting('role'), 'none'), pg_catalog.session_user()::text)
$$;

-- tarbox._tenant_id(): the tenant the caller's role stands for: 'tarbox_tenant_' followed by a
-- decimal id without leading zeros; NULL for any other role. The policies evaluate it once per
-- statement, so it is kept cheap: PL/pgSQL with string functions (a SQL function with a regular
-- expression cost about five times as much; one testing its argument several times is not
-- inlined and then gets planned on every call).
CREATE FUNCTION tarbox._tenant_id() RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    r text := coalesce(nullif(pg_catalog.current_setting('role'), 'none'), pg_catalog.session_user()::text);
BEGIN
    IF pg_catalog.left(r, 14) = 'tarbox_tenant_' AND pg_catalog.length(r) BETWEEN 15 AND 32
       AND pg_catalog.substr(r, 15, 1) BETWEEN '1' AND '9'
       AND pg_catalog.ltrim(pg_catalog.substr(r, 15), '0123456789') = '' THEN
        RETURN pg_catalog.substr(r, 15)::bigint;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION tarbox._is_admin() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT tarbox._tenant_id() IS NULL
       AND pg_catalog.pg_has_role(tarbox._caller(), 'tarbox_admin', 'MEMBER')
$$;

ALTER FUNCTION tarbox._caller() OWNER TO tarbox_owner;
ALTER FUNCTION tarbox._tenant_id() OWNER TO tarbox_owner;
ALTER FUNCTION tarbox._is_admin() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._caller(), tarbox._tenant_id(), tarbox._is_admin() FROM PUBLIC;
-- Row-level security policies are evaluated with the privileges of the querying role.
GRANT EXECUTE ON FUNCTION tarbox._caller(), tarbox._tenant_id(), tarbox._is_admin()
    TO tarbox_tenant, tarbox_maint, tarbox_admin;
