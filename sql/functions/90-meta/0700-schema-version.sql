CREATE OR REPLACE FUNCTION tarbox.schema_version()
RETURNS int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT coalesce(max(left(m.name, 4)::int), 0) FROM tarbox.schema_migration m $$;
ALTER FUNCTION tarbox.schema_version() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.schema_version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.schema_version() TO tarbox_tenant, tarbox_admin;
COMMENT ON FUNCTION tarbox.schema_version() IS
'The installed schema version: the number of the newest applied migration (sql/schema/NNNN-*.sql), 0 before any. Errors: none.';
