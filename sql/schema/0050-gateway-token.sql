-- The HTTP gateway (`tarbox serve`): the bearer tokens it maps to tenants, and its membership in
-- the tenant roles that exist already (tarbox.tenant_create grants each new one). The role
-- tarbox_gateway itself and the type tarbox.entry are made by 0000-bootstrap.sql, because the
-- function files name them in grants and signatures and are loaded over any schema version.
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
