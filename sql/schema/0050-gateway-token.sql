-- The HTTP gateway (`tarbox serve`): its login role and the bearer tokens it maps to tenants.
--
-- tarbox_gateway logs in, is a member of every tenant role and nothing more: NOINHERIT, so it
-- holds none of their privileges until a request's transaction runs
-- set_config('role', 'tarbox_tenant_<id>', true) (tarbox._gateway_enter, after the token is
-- checked), and no superuser, BYPASSRLS, CREATEROLE or CREATEDB. Row-level security applies to
-- its requests exactly as to a mount of the tenant; the role setting is transaction-local, so a
-- pooled connection never carries a tenant into the next request. tarbox.tenant_create grants
-- each new tenant role to it; this migration grants the tenants that already exist.
-- Roles are cluster-wide: a second Tarbox database of the cluster finds the role there already.
DO $gateway$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tarbox_gateway') THEN
        CREATE ROLE tarbox_gateway LOGIN NOINHERIT;
    END IF;
END
$gateway$;
ALTER ROLE tarbox_gateway LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION;
GRANT USAGE ON SCHEMA tarbox TO tarbox_gateway;

DO $grants$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT t.tenant_id FROM tarbox.tenant t ORDER BY t.tenant_id LOOP
        EXECUTE format('GRANT %I TO tarbox_gateway', 'tarbox_tenant_' || r.tenant_id);
    END LOOP;
END
$grants$;

-- ESTALE: a precondition on the file's version (HTTP If-Match / If-None-Match) failed: the
-- file changed since the caller saw it (as NFS says of a handle that no longer holds).
INSERT INTO tarbox.errno (name, num, meaning)
VALUES ('ESTALE', 116, 'stale file handle (the file changed: a version precondition failed)')
ON CONFLICT (name) DO NOTHING;

-- tarbox.token: bearer tokens of the HTTP API. Only the SHA-256 of a token is stored; the token
-- itself ('tbx_<tenant_id>_<64 hex digits of randomness>') is shown once, by
-- tarbox.tenant_token_create. The tenant id inside the token lets a lookup probe
-- (tenant_id, hash), so tenant_id leads every key as everywhere else.
CREATE TABLE tarbox.token (
    tenant_id  bigint      NOT NULL REFERENCES tarbox.tenant (tenant_id) ON DELETE CASCADE,
    token_id   bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
    name       text        NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    hash       bytea       NOT NULL CHECK (octet_length(hash) = 32),
    read_only  boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (tenant_id, token_id),
    UNIQUE (tenant_id, hash),
    UNIQUE (tenant_id, name),
    CONSTRAINT token_expiry CHECK (expires_at IS NULL OR expires_at > created_at)
);
ALTER TABLE tarbox.token OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.token IS
    'Bearer tokens of the HTTP API (tarbox serve), per tenant: sha256 of the token only, read-only flag, expiry, revocation. Managed by tarbox.tenant_token_create/list/revoke; checked by tarbox.tenant_token_auth, which only tarbox_gateway may call.';

ALTER TABLE tarbox.token ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.token FORCE ROW LEVEL SECURITY;
CREATE POLICY token_own ON tarbox.token
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT ALL ON tarbox.token TO tarbox_maint;

-- tarbox.entry: a directory entry or file as the remote API (HTTP, WASI) describes it: its name
-- (bytes; NULL for the root), inode attributes as tarbox.attr has them (times in ns since the
-- epoch), the symlink target bytes, and etag: a version tag that changes whenever the inode's
-- row does (any change of content or attributes), for HTTP ETag / If-Match.
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
