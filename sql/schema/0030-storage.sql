-- Storage (issue 10): blocks that cannot be lost, text chunks, usage accounting and quotas.
--
-- 1. Every reference to a block is a foreign key (blockmap, chunkmap -> block). A writer
--    that reuses an existing block holds a KEY SHARE lock on its row from the moment it
--    decides to reuse it (tarbox._block_store) until it commits; the collector only deletes
--    rows it could lock FOR UPDATE SKIP LOCKED and re-checks the references after locking, so
--    a block a concurrent transaction is about to reference is never lost, and the foreign key
--    turns any mistake into an error instead of a dangling reference. The referencing side is
--    indexed by (tenant_id, hash), so "is this block still referenced?" is one index probe:
--    the write path reclaims the block a write has just replaced in the same transaction.
-- 2. Text files: tarbox.chunkmap maps a file to content-defined chunks of whole lines (stored
--    as blocks), versioned by born/died like every other row and keyed by a numeric position
--    that never shifts: a chunk inserted between two others gets a position between theirs.
--    inode.text_bytes says how many leading bytes of a version are held as chunks; the bytes
--    after them (the "tail", written since the last re-chunk, or the whole of a binary file)
--    are 64 KiB blocks numbered from text_bytes.
-- 3. inode.stored: bytes of content this version references (chunks + blocks), what st_blocks
--    reports (holes and shared content counted once per file version, as du does).
-- 4. Usage counters per backend (tarbox.usage_delta): a writer adds to the row of its own
--    backend, so no two running transactions ever update the same counter row (a shared row
--    would serialise a tenant's writers, and, locked while they wait for each other's blocks,
--    deadlock them).

-- Block references: the collector and the write path ask "who references this hash?".
CREATE INDEX blockmap_hash ON tarbox.blockmap (tenant_id, hash);
ALTER TABLE tarbox.blockmap
    ADD CONSTRAINT blockmap_block_fk FOREIGN KEY (tenant_id, hash) REFERENCES tarbox.block (tenant_id, hash);

CREATE TABLE tarbox.chunkmap (
    tenant_id bigint  NOT NULL,
    ino       bigint  NOT NULL CHECK (ino > 1),
    pos       numeric NOT NULL CHECK (pos > 0),
    born      int     NOT NULL CHECK (born >= 1),
    died      int     NOT NULL DEFAULT 2147483647,
    hash      bytea   NOT NULL CHECK (octet_length(hash) = 32),
    nbytes    int     NOT NULL CHECK (nbytes BETWEEN 1 AND 65536),
    nlines    int     NOT NULL CHECK (nlines BETWEEN 0 AND 65536),
    PRIMARY KEY (tenant_id, ino, pos, born),
    CONSTRAINT chunkmap_lifetime CHECK (born < died),
    CONSTRAINT chunkmap_block_fk FOREIGN KEY (tenant_id, hash) REFERENCES tarbox.block (tenant_id, hash)
);
ALTER TABLE tarbox.chunkmap OWNER TO tarbox_owner;
CREATE UNIQUE INDEX chunkmap_live ON tarbox.chunkmap (tenant_id, ino, pos) INCLUDE (nbytes, hash)
    WHERE died = 2147483647;
CREATE INDEX chunkmap_hash ON tarbox.chunkmap (tenant_id, hash);
CREATE INDEX chunkmap_born ON tarbox.chunkmap (tenant_id, born) WHERE born > 1;
CREATE INDEX chunkmap_died ON tarbox.chunkmap (tenant_id, died) WHERE died <> 2147483647;
COMMENT ON TABLE tarbox.chunkmap IS
    'Versioned text chunk maps: the chunk at position pos of inode ino (born <= layer < died) is the block with this hash, nbytes long, holding nlines line ends. A file version''s text is its visible chunks in pos order.';
ALTER TABLE tarbox.chunkmap SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 500,
                                 autovacuum_vacuum_scale_factor = 0.05);
ALTER TABLE tarbox.chunkmap ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.chunkmap FORCE ROW LEVEL SECURITY;
CREATE POLICY chunkmap_own ON tarbox.chunkmap
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.chunkmap TO tarbox_tenant;
GRANT ALL ON tarbox.chunkmap TO tarbox_maint;

-- Per inode version: bytes of content referenced, and how much of the file is text chunks.
ALTER TABLE tarbox.inode
    ADD COLUMN stored     bigint NOT NULL DEFAULT 0 CHECK (stored >= 0),
    ADD COLUMN text_bytes bigint NOT NULL DEFAULT 0 CHECK (text_bytes >= 0),
    ADD COLUMN text_lines bigint NOT NULL DEFAULT 0 CHECK (text_lines >= 0),
    ADD CONSTRAINT inode_text_within CHECK (text_bytes <= size AND (text_bytes = 0 OR (mode & 61440) = 32768)),
    ADD CONSTRAINT inode_stored_files CHECK (stored = 0 OR (mode & 61440) = 32768);

-- Existing data: what each inode version references (the block maps visible in its last layer).
UPDATE tarbox.inode i
   SET stored = coalesce((
        SELECT sum(octet_length(b.data))
          FROM tarbox.blockmap m
          JOIN tarbox.block b ON b.tenant_id = m.tenant_id AND b.hash = m.hash
         WHERE m.tenant_id = i.tenant_id AND m.ino = i.ino
           AND m.born <= x.at AND m.died > x.at), 0)
  FROM (SELECT i2.tenant_id, i2.ino, i2.born,
               CASE WHEN i2.died = 2147483647
                    THEN (SELECT max(l.layer_id) FROM tarbox.layer l WHERE l.tenant_id = i2.tenant_id)
                    ELSE i2.died - 1 END AS at
          FROM tarbox.inode i2 WHERE (i2.mode & 61440) = 32768) x
 WHERE x.tenant_id = i.tenant_id AND x.ino = i.ino AND x.born = i.born;

-- Text thresholds and quotas per tenant (NULL quota = unlimited).
ALTER TABLE tarbox.tenant
    ADD COLUMN text_max_bytes bigint NOT NULL DEFAULT 10485760 CHECK (text_max_bytes BETWEEN 0 AND 1073741824),
    ADD COLUMN text_max_lines bigint NOT NULL DEFAULT 100000 CHECK (text_max_lines >= 0),
    ADD COLUMN quota_bytes    bigint CHECK (quota_bytes > 0),
    ADD COLUMN quota_inodes   bigint CHECK (quota_inodes > 0),
    ADD COLUMN quota_layers   int    CHECK (quota_layers > 0);

-- Usage counters: the sum of a tenant's rows is its usage. bytes = content bytes stored in
-- blocks (after deduplication, before compression), inodes = live inodes of the newest layer.
-- Row `stripe` 0 holds the folded total; every other row belongs to the backend whose pid it
-- is (tarbox._usage_add), folded into row 0 once that backend is gone (tarbox._usage_fold).
CREATE TABLE tarbox.usage_delta (
    tenant_id bigint   NOT NULL REFERENCES tarbox.tenant (tenant_id),
    stripe    int      NOT NULL CHECK (stripe >= 0),
    bytes     bigint   NOT NULL DEFAULT 0,
    inodes    bigint   NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, stripe)
);
ALTER TABLE tarbox.usage_delta OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.usage_delta IS
    'Usage counters: a tenant''s usage is the sum of its rows (bytes = block content after deduplication, inodes = live inodes of the newest layer). stripe 0 = the folded total; any other stripe = the pid of the backend that added to it, so concurrent writers never share a row.';
ALTER TABLE tarbox.usage_delta SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);
ALTER TABLE tarbox.usage_delta ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.usage_delta FORCE ROW LEVEL SECURITY;
CREATE POLICY usage_delta_own ON tarbox.usage_delta
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.usage_delta TO tarbox_tenant;
GRANT ALL ON tarbox.usage_delta TO tarbox_maint;

INSERT INTO tarbox.usage_delta (tenant_id, stripe, bytes, inodes)
SELECT t.tenant_id, 0,
       (SELECT coalesce(sum(octet_length(b.data)), 0) FROM tarbox.block b WHERE b.tenant_id = t.tenant_id),
       (SELECT count(*) FROM tarbox.inode i WHERE i.tenant_id = t.tenant_id AND i.died = 2147483647)
  FROM tarbox.tenant t;

-- Signatures that change with this issue (the function files recreate them).
DROP FUNCTION IF EXISTS tarbox._blockmap_put(bigint, int, bigint, bigint, bytea);
DROP FUNCTION IF EXISTS tarbox._blockmap_cut(bigint, int, bigint, bigint);
DROP FUNCTION IF EXISTS tarbox.fsck();
