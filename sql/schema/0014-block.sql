-- tarbox.block: content-addressed data blocks, deduplicated within a tenant (never across
-- tenants: a shared table would tell a tenant whether another holds some content). Immutable:
-- no reference counts or access times are written on any path; garbage is found by
-- mark-and-sweep over tarbox.blockmap.
CREATE TABLE tarbox.block (
    tenant_id bigint NOT NULL,
    hash      bytea  NOT NULL CHECK (octet_length(hash) = 32),
    data      bytea  NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 65536),
    PRIMARY KEY (tenant_id, hash)
);
ALTER TABLE tarbox.block OWNER TO tarbox_owner;
ALTER TABLE tarbox.block ALTER COLUMN data SET COMPRESSION lz4;
COMMENT ON TABLE tarbox.block IS
    'Content-addressed blocks (hash = sha256(data)), at most 64 KiB each, deduplicated per tenant.';

ALTER TABLE tarbox.block ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.block FORCE ROW LEVEL SECURITY;
CREATE POLICY block_own ON tarbox.block
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.block TO tarbox_tenant;
GRANT ALL ON tarbox.block TO tarbox_maint;
