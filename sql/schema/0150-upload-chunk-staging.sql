-- 0150: each chunk of an upload session is staged in an inode of its own, so that the chunk
-- PUTs of one session run at the same time (RunMat's Rust client sends 4 at once; issue 14
-- item 6). Until now every chunk was written into the session's one staging inode
-- (upload_session.ino) and every chunk PUT took that inode's lock (tarbox._lock_inode) for its
-- whole transaction: the PUTs of one session ran one after another.
--
-- The data shape from here on:
-- * upload_session.ino: the file that tarbox.remote_upload_complete links at the path. Made by
--   tarbox.remote_upload_start as before (a regular file, nlink 0, no entry), but empty until
--   complete.
-- * upload_chunk.ino: the chunk's own staging inode (regular file, nlink 0, no entry), made by
--   the chunk's first PUT (tarbox.remote_upload_write) and written only under that chunk's row
--   lock and that inode's lock, so PUTs of different chunks share no lock. The chunk's bytes
--   sit at their place in the final file (bytes [offset_, offset_ + size) of the staging inode;
--   what lies before is a hole), so its 64 KiB blocks have the block numbers they will have in
--   the final file. NULL while no PUT of the chunk committed.
-- * tarbox.remote_upload_complete moves the block-map rows of every block that lies wholly in
--   one chunk from the chunk's staging inode to the session's inode (UPDATE of blockmap.ino:
--   the blocks are referenced, no data is copied); a block shared by two chunks (a chunk that
--   does not start on a 64 KiB boundary; RunMat's 16 MiB chunks always do) is assembled from
--   the chunks' bytes and stored anew. The chunk inodes are then emptied and purged.
-- * Abort, expiry (tarbox._upload_expire, from start and tarbox.gc/tenant_gc) and complete
--   purge every chunk's staging inode with the session's; tarbox.purge_orphans leaves the
--   staging inodes of open sessions alone (both kinds); tarbox.fsck checks that every staging
--   inode of an open session is a live, unlinked regular file of one session and that a
--   chunk's staging inode holds nothing past the chunk's end (check upload_staging).
-- Each chunk's staging inode counts as one inode of the tenant (usage and inode quota) until
-- the session ends.
--
-- Sessions open when this migration runs were staged the old way (in upload_session.ino): they
-- are ended here (expired, their chunks marked as not arrived); the next start or gc purges
-- their staged data. A client then gets 401 for a chunk PUT and 404 for complete, and starts
-- again, as after any expiry.
UPDATE tarbox.upload_chunk SET received = 0, done = false;
UPDATE tarbox.upload_session SET expires_at = created_at + interval '1 microsecond'
 WHERE expires_at > now();

ALTER TABLE tarbox.upload_chunk
    ADD COLUMN ino bigint CHECK (ino > 1),
    ADD CONSTRAINT upload_chunk_ino UNIQUE (tenant_id, ino),
    -- bytes of a chunk can only have arrived in its staging inode
    ADD CONSTRAINT upload_chunk_staged CHECK (ino IS NOT NULL OR (received = 0 AND NOT done));
ALTER TABLE tarbox.upload_chunk ALTER COLUMN ino SET STATISTICS 0;
COMMENT ON COLUMN tarbox.upload_chunk.ino IS
    'The chunk''s own staging inode (regular file, nlink 0, no entry; the chunk''s bytes at their offset in the final file), made by the chunk''s first PUT; NULL until then. Purged with the session; its blocks are moved into upload_session.ino by tarbox.remote_upload_complete.';
COMMENT ON COLUMN tarbox.upload_session.ino IS
    'The inode tarbox.remote_upload_complete links at path (regular file, nlink 0, no entry until then), empty until complete moves the chunks'' blocks into it (upload_chunk.ino holds each chunk''s bytes meanwhile).';
COMMENT ON TABLE tarbox.upload_chunk IS
    'The chunks of an upload session: byte offset and size in the file, the SHA-256 the client announced, the chunk''s staging inode (ino, see 0150-upload-chunk-staging.sql), bytes received by the current PUT, and whether the chunk arrived whole with that hash.';
COMMENT ON TABLE tarbox.upload_session IS
    'Upload sessions of the HTTP API (POST /fs/upload-session/start): target path, size and SHA-256 announced, chunk size, the layer, the inode complete links at the path (ino; nlink 0, no entry, empty until then: each chunk is staged in its own inode, upload_chunk.ino), sha256 of the chunk-URL secret once the chunks are described, expiry. Rows of tarbox.upload_chunk belong to it.';
