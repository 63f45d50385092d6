-- Indexes on the layer positions where rows were born and died, per tenant: a diff between two
-- layers, dropping or discarding layers, and a file's history read only the rows that changed
-- between the layers concerned, not the whole tree.
-- Both are partial (born > 1: nothing is ever asked about rows born in the base layer, which
-- can never be "born after" another layer; died <> live) so that no lookup by key can use them:
-- a plan made while a table is still tiny (all paths cost the same) must not pick a scan of
-- the tenant's whole history for a key lookup. Queries that want them say born > 1.
CREATE INDEX inode_born ON tarbox.inode (tenant_id, born) WHERE born > 1;
CREATE INDEX inode_died ON tarbox.inode (tenant_id, died) WHERE died <> 2147483647;
CREATE INDEX dentry_born ON tarbox.dentry (tenant_id, born) WHERE born > 1;
CREATE INDEX dentry_died ON tarbox.dentry (tenant_id, died) WHERE died <> 2147483647;
CREATE INDEX blockmap_born ON tarbox.blockmap (tenant_id, born) WHERE born > 1;
CREATE INDEX blockmap_died ON tarbox.blockmap (tenant_id, died) WHERE died <> 2147483647;
CREATE INDEX xattr_born ON tarbox.xattr (tenant_id, born) WHERE born > 1;
CREATE INDEX xattr_died ON tarbox.xattr (tenant_id, died) WHERE died <> 2147483647;
