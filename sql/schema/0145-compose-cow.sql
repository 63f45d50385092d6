-- Copy-on-write composition (issue 15 item 4, mode 'cow' of tarbox.composition).
-- The consumer's changes under the mount point are ordinary rows of the consumer's own tree
-- below its mount point directory (so its layers, diffs and snapshots include them): a changed
-- entry of the publisher is copied up there (directories on the way too), its data copied into
-- the consumer's own blocks (blocks are deduplicated per tenant, never across tenants), and a
-- deleted one is hidden by a whiteout, a character device 0/0 of the consumer (overlayfs style).
-- tarbox.compose_origin maps a copied-up inode of the consumer to the publisher's inode it was
-- copied from, so that the mount keeps showing the publisher's inode number across the copy-up.
-- Inodes the consumer makes under the mount are shown as its own number with bit 39 set
-- (tarbox._cow_own_bit), which no publisher inode number reaches. Row-level security: a tenant
-- sees and writes only its own rows (tenant_id leads the key).
CREATE TABLE tarbox.compose_origin (
    tenant_id  bigint NOT NULL,
    compose_id int    NOT NULL,
    ino        bigint NOT NULL,
    origin_ino bigint NOT NULL,
    PRIMARY KEY (tenant_id, compose_id, ino),
    UNIQUE (tenant_id, compose_id, origin_ino),
    FOREIGN KEY (tenant_id, compose_id) REFERENCES tarbox.composition (tenant_id, compose_id) ON DELETE CASCADE
);
ALTER TABLE tarbox.compose_origin OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.compose_origin IS
    'Copy-on-write compositions: inode ino of tenant tenant_id (under the mount point of composition compose_id) is the copy-up of the publisher''s inode origin_ino, whose number the mount keeps showing. Written by the tarbox.compose_* change functions only.';
ALTER TABLE tarbox.compose_origin ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.compose_origin FORCE ROW LEVEL SECURITY;
CREATE POLICY compose_origin_own ON tarbox.compose_origin
    USING (tenant_id = (SELECT tarbox._tenant_id())) WITH CHECK (tenant_id = (SELECT tarbox._tenant_id()));  -- as 0140
GRANT SELECT ON tarbox.compose_origin TO tarbox_tenant;
GRANT ALL ON tarbox.compose_origin TO tarbox_maint;
ALTER TABLE tarbox.compose_origin ALTER COLUMN tenant_id SET STATISTICS 0;
ALTER TABLE tarbox.compose_origin ALTER COLUMN compose_id SET STATISTICS 0;
ALTER TABLE tarbox.compose_origin ALTER COLUMN ino SET STATISTICS 0;
ALTER TABLE tarbox.compose_origin ALTER COLUMN origin_ino SET STATISTICS 0;
COMMENT ON TABLE tarbox.composition IS
    'Compositions: publication (publisher_id, publication) shown at mount_path of tenant tenant_id''s tree, read-only (mode ro) or copy-on-write into the tenant''s own rows below mount_path (mode cow, see 0145-compose-cow.sql); compose_id is its slot of inode numbers in a mount. Managed by administrators (tarbox.compose_add, compose_rm); unpublishing removes it (a cow composition''s changes stay, as ordinary entries below the mount point), revoking the grant leaves it (its lookups then fail with ENOENT).';
