-- Bootstrap, run by every `tarbox init` before the migrations: the cluster-wide roles, the
-- schema and the migration ledger. Idempotent by construction (roles are cluster-global, so a
-- second database in the same cluster finds them already there).
--
-- Roles:
--   tarbox_owner  owns the schema, the tables and the tenant-facing SECURITY DEFINER functions.
--                 It is NOT a superuser and has no BYPASSRLS: row-level security is FORCEd, so
--                 even its functions see only the calling tenant's rows.
--   tarbox_maint  owns the administrative SECURITY DEFINER functions (tenant create/delete...);
--                 BYPASSRLS, and those functions check tarbox._is_admin() before doing anything.
--   tarbox_admin  group for administrators (superusers count as members).
--   tarbox_tenant group of every tenant role: EXECUTE on the public API, SELECT on the tables
--                 (filtered by RLS to the tenant's own rows).
--   tarbox_gateway the login role of the HTTP gateway (`tarbox serve`): a member of every tenant
--                 role and nothing more. NOINHERIT, so it holds none of their privileges until a
--                 request's transaction sets the role (tarbox._gateway_enter, after the bearer
--                 token is checked; set_config('role', ..., true) ends with the transaction), and
--                 no superuser, BYPASSRLS, CREATEROLE or CREATEDB. tarbox.tenant_create grants each
--                 tenant role to it.
DO $bootstrap$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tarbox_owner') THEN
        CREATE ROLE tarbox_owner NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tarbox_maint') THEN
        CREATE ROLE tarbox_maint NOLOGIN NOSUPERUSER BYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tarbox_admin') THEN
        CREATE ROLE tarbox_admin NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tarbox_tenant') THEN
        CREATE ROLE tarbox_tenant NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tarbox_gateway') THEN
        CREATE ROLE tarbox_gateway LOGIN NOINHERIT;
    END IF;
END
$bootstrap$;
ALTER ROLE tarbox_gateway LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION;

-- tarbox_maint creates and drops tenant roles.
ALTER ROLE tarbox_maint CREATEROLE;

CREATE SCHEMA IF NOT EXISTS tarbox AUTHORIZATION tarbox_owner;
REVOKE ALL ON SCHEMA tarbox FROM PUBLIC;
GRANT USAGE ON SCHEMA tarbox TO tarbox_tenant, tarbox_admin, tarbox_maint, tarbox_gateway;
-- tarbox_maint creates the per-tenant inode sequences.
GRANT CREATE ON SCHEMA tarbox TO tarbox_maint;

-- Functions are not executable by PUBLIC: every function file revokes EXECUTE from PUBLIC and
-- grants it on purpose (a per-schema ALTER DEFAULT PRIVILEGES cannot take the global default
-- away); sql/tests/00-schema.sql checks every function of the schema.

-- Tenants get no temporary objects (no pg_temp functions to shadow ours) and no public schema.
DO $db$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO tarbox_admin', current_database());
END
$db$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Locks tenants cannot take (DESIGN.md section 9). Advisory locks share one key space per
-- database and pg_advisory_* is executable by PUBLIC by default: a tenant that takes the key of
-- another tenant's layer lock freezes that tenant, and one that takes the migration runner's or
-- tenant creation's key blocks the administrators. Tarbox's own locks are taken inside its
-- SECURITY DEFINER functions (owned by tarbox_owner / tarbox_maint), so the functions are
-- taken away from PUBLIC and given to those two roles only. Function privileges live in each
-- database's pg_proc: this runs in every database Tarbox is installed in (a tenant taking an
-- advisory lock in another database cannot meet these: advisory lock tags include the
-- database).
DO $locks$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'pg_catalog'::regnamespace
                AND p.proname ~ '^pg_(try_)?advisory_' LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO tarbox_owner, tarbox_maint', f);
    END LOOP;
END
$locks$;

-- Large objects belong to no tenant, count against no quota, and a tenant role owning one
-- could not be dropped (tarbox tenant delete failed with 2BP01): nobody but superusers creates
-- them in a Tarbox database. (Reading and writing existing ones needs privileges on them that
-- nobody is granted.)
DO $lo$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'pg_catalog'::regnamespace
                AND p.proname IN ('lo_creat', 'lo_create', 'lo_from_bytea', 'lo_import') LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$lo$;

-- tarbox_maint (tenant_delete) ends a deleted tenant's sessions (pg_terminate_backend of
-- non-superuser backends), and gives each tenant role a temp_file_limit that the tenant cannot
-- raise (a superuser-only setting; PostgreSQL 15 lets it be granted).
GRANT pg_signal_backend TO tarbox_maint;
GRANT SET ON PARAMETER temp_file_limit TO tarbox_maint;

-- The embedded cluster's superuser is called tarbox like the schema, so the default search
-- path "$user", public would put anything created without a schema (an extension such as
-- pgTAP) into schema tarbox. Every Tarbox name is schema-qualified; sessions start in public.
DO $db$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET search_path = public', current_database());
END
$db$;

-- tarbox.entry: a file as the remote API (sql/functions/60-remote: HTTP, WASI) describes it: its
-- name (bytes; NULL for the root), the inode's attributes as tarbox.attr has them (times in ns
-- since the epoch), the symlink target bytes, and etag: a version tag that changes whenever the
-- inode's row does (any change of content or attributes), for HTTP ETag / If-Match. Made here,
-- not in a migration, because function signatures name it and the function files are loaded
-- over any schema version (tarbox init --upto); a later change is an ALTER TYPE migration.
DO $types$
BEGIN
    IF to_regtype('tarbox.entry') IS NULL THEN
        CREATE TYPE tarbox.entry AS (
            name     bytea,
            ino      bigint,
            type     text,
            mode     int,
            nlink    int,
            uid      bigint,
            gid      bigint,
            rdev     bigint,
            size     bigint,
            atime_ns bigint,
            mtime_ns bigint,
            ctime_ns bigint,
            btime_ns bigint,
            target   bytea,
            etag     text
        );
        ALTER TYPE tarbox.entry OWNER TO tarbox_owner;
        COMMENT ON TYPE tarbox.entry IS
            'A file as the remote API describes it: name bytes (NULL for the root), inode, type word (file, dir, symlink, fifo, socket, chardev, blockdev), st_mode, nlink, uid, gid, rdev, size (bytes), a/m/c/birth times (ns since the epoch), symlink target bytes, etag (changes with every change of the file).';
    END IF;
END
$types$;

CREATE TABLE IF NOT EXISTS tarbox.schema_migration (
    name       text        PRIMARY KEY CHECK (name ~ '^[0-9]{4}-[a-z0-9-]+\.sql$'),
    checksum   text        NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
    applied_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tarbox.schema_migration OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.schema_migration IS
    'Ledger of applied schema migrations (sql/schema/NNNN-*.sql): file name and sha256 of its text. Migrations are immutable once applied.';
