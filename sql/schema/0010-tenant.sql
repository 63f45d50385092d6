-- tarbox.tenant: one row per tenant. A tenant is this row plus the PostgreSQL role
-- tarbox_tenant_<tenant_id> (and the per-tenant inode sequence tarbox.ino_seq_<tenant_id>).
-- tenant_id is the OID the role got when it was created: roles are cluster-wide, so ids taken
-- from the role never collide between two Tarbox databases of one cluster, and a tenant role of
-- one database is nobody in another.
-- current_layer: the layer every mount and SQL call of the tenant reads and (when it is the
-- newest) writes.
CREATE TABLE tarbox.tenant (
    tenant_id     bigint      PRIMARY KEY CHECK (tenant_id > 0),
    name          text        NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
    current_layer int         NOT NULL DEFAULT 1 CHECK (current_layer >= 1),
    default_uid   bigint      NOT NULL DEFAULT 0 CHECK (default_uid BETWEEN 0 AND 4294967294),
    default_gid   bigint      NOT NULL DEFAULT 0 CHECK (default_gid BETWEEN 0 AND 4294967294),
    notify_channel text       NOT NULL UNIQUE
                              DEFAULT 'tarbox_' || replace(gen_random_uuid()::text, '-', '')
                              CHECK (notify_channel ~ '^tarbox_[0-9a-f]{32}$'),
    created_at    timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tarbox.tenant OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.tenant IS
    'Tenants. Role tarbox_tenant_<tenant_id> acts as the tenant; current_layer is the layer its mounts and SQL calls see. default_uid/gid own files created through the path API. notify_channel: the LISTEN channel on which the tenant''s mounts hear of changes; random, because any role may LISTEN on any channel, so only the tenant (through RLS) may know its name.';

ALTER TABLE tarbox.tenant ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.tenant FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_own ON tarbox.tenant
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.tenant TO tarbox_tenant;
GRANT ALL ON tarbox.tenant TO tarbox_maint;
