-- tarbox.blockmap: versioned map from (file, block number) to block content. Block n covers
-- bytes [n*65536, (n+1)*65536) of the file; a missing block is a hole and reads as zeros, and a
-- block shorter than its span reads as zeros after its data. Writes touch only the blocks they
-- cover, copy-on-write per block across layers.
CREATE TABLE tarbox.blockmap (
    tenant_id bigint NOT NULL,
    ino       bigint NOT NULL CHECK (ino > 1),
    blkno     bigint NOT NULL CHECK (blkno >= 0),
    born      int    NOT NULL CHECK (born >= 1),
    died      int    NOT NULL DEFAULT 2147483647,
    hash      bytea  NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (tenant_id, ino, blkno, born),
    CONSTRAINT blockmap_lifetime CHECK (born < died)
);
ALTER TABLE tarbox.blockmap OWNER TO tarbox_owner;
CREATE UNIQUE INDEX blockmap_live ON tarbox.blockmap (tenant_id, ino, blkno) WHERE died = 2147483647;
COMMENT ON TABLE tarbox.blockmap IS
    'Versioned file block maps: block blkno of inode ino holds the block with this hash (born <= layer < died).';

ALTER TABLE tarbox.blockmap ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.blockmap FORCE ROW LEVEL SECURITY;
CREATE POLICY blockmap_own ON tarbox.blockmap
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.blockmap TO tarbox_tenant;
GRANT ALL ON tarbox.blockmap TO tarbox_maint;
