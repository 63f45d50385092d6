-- Upload sessions stage each chunk in an inode of its own (migration 0150): the chunk rows'
-- staging inodes, their bytes at their offsets in the file, complete splicing them (chunks
-- that do not start on a 64 KiB boundary included) with nothing left behind, the CHECK
-- constraints, fsck's upload_staging check, purge_orphans leaving them alone, and abort and
-- expiry freeing every chunk.
BEGIN;
SELECT plan(28);

SELECT * FROM tarbox.tenant_create('upchunks1') \gset t_
SELECT token FROM tarbox.tenant_token_create('upchunks1', 'tap') \gset
-- blocks a call stops referencing are released at the end of each statement (not at commit,
-- which this test never reaches), so fsck can be asked for garbage
SET CONSTRAINTS tarbox.block_drop_at_commit IMMEDIATE;
-- 200000 bytes; chunks of 1, 70000 and 129999 bytes: the 2nd and 3rd start inside a block
SELECT encode(string_agg(sha256(int4send(g)), ''::bytea ORDER BY g), 'hex') AS data_hex
  FROM generate_series(1, 6250) g \gset
SELECT encode(sha256(decode(:'data_hex', 'hex')), 'hex') AS data_sha \gset
SET ROLE :"t_role_name";

SELECT session_id AS sid FROM tarbox.remote_upload_start(:'token', '\x2f66'::bytea, 200000, :'data_sha') \gset
SELECT secret FROM tarbox.remote_upload_chunks(:'token', :sid, (
    SELECT jsonb_agg(jsonb_build_object('chunkIndex', i, 'offsetBytes', o, 'sizeBytes', n,
                                        'chunkSha256', encode(sha256(substring(decode(:'data_hex', 'hex') FROM o + 1 FOR n)), 'hex'))
                     ORDER BY i)
      FROM (VALUES (0, 0, 1), (1, 1, 70000), (2, 70001, 129999)) v(i, o, n))) \gset
SELECT is(tarbox.remote_upload_write(:'secret', 2, 0, substring(decode(:'data_hex', 'hex') FROM 70002 FOR 129999), true),
          129999::bigint, 'chunk 2 is written first');
SELECT is(tarbox.remote_upload_write(:'secret', 0, 0, substring(decode(:'data_hex', 'hex') FROM 1 FOR 1), true),
          1::bigint, 'then chunk 0');
SELECT is(tarbox.remote_upload_write(:'secret', 1, 0, substring(decode(:'data_hex', 'hex') FROM 2 FOR 40000), false),
          40000::bigint, 'chunk 1 in two pieces: the first');
SELECT is(tarbox.remote_upload_write(:'secret', 1, 40000, substring(decode(:'data_hex', 'hex') FROM 40002 FOR 30000), true),
          70000::bigint, 'and the last');
SELECT is(tarbox.purge_orphans(), 0::bigint, 'purge_orphans leaves the staging inodes of an open session');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck is clean while the session is open');

RESET ROLE;
SELECT is((SELECT count(DISTINCT u.ino) FROM tarbox.upload_chunk u WHERE u.tenant_id = :t_tenant_id AND u.session_id = :sid
              AND u.ino <> (SELECT s.ino FROM tarbox.upload_session s WHERE s.tenant_id = :t_tenant_id AND s.session_id = :sid)),
          3::bigint, 'each chunk has a staging inode of its own, not the session''s');
SELECT is(ARRAY(SELECT i.size FROM tarbox.upload_chunk u
                  JOIN tarbox.inode i ON i.tenant_id = u.tenant_id AND i.ino = u.ino AND i.died = 2147483647
                 WHERE u.tenant_id = :t_tenant_id AND u.session_id = :sid ORDER BY u.chunk_index),
          ARRAY[1, 70001, 200000]::bigint[], 'a chunk''s bytes sit at their offset in the file (its staging inode ends where the chunk ends)');
SELECT is((SELECT i.size FROM tarbox.upload_session s
             JOIN tarbox.inode i ON i.tenant_id = s.tenant_id AND i.ino = s.ino AND i.died = 2147483647
            WHERE s.tenant_id = :t_tenant_id AND s.session_id = :sid), 0::bigint, 'the session''s file is empty until complete');
SELECT throws_ok(format('UPDATE tarbox.upload_chunk SET ino = NULL WHERE tenant_id = %s AND session_id = %s AND chunk_index = 0',
                        :t_tenant_id, :sid), '23514', NULL, 'a chunk that arrived has a staging inode (CHECK upload_chunk_staged)');
SELECT throws_ok(format('UPDATE tarbox.upload_chunk SET ino = (SELECT ino FROM tarbox.upload_chunk WHERE tenant_id = %s AND session_id = %s AND chunk_index = 0) '
                        'WHERE tenant_id = %s AND session_id = %s AND chunk_index = 1', :t_tenant_id, :sid, :t_tenant_id, :sid),
                 '23505', NULL, 'no two chunks share a staging inode (UNIQUE upload_chunk_ino)');
SAVEPOINT shared;
UPDATE tarbox.upload_chunk SET ino = (SELECT ino FROM tarbox.upload_session WHERE tenant_id = :t_tenant_id AND session_id = :sid)
 WHERE tenant_id = :t_tenant_id AND session_id = :sid AND chunk_index = 1;
SET ROLE :"t_role_name";
SELECT is((SELECT array_agg(DISTINCT check_name) FROM tarbox.fsck()), ARRAY['upload_staging'],
          'fsck reports a chunk staged in the session''s own inode (upload_staging)');
RESET ROLE;
ROLLBACK TO SAVEPOINT shared;
SAVEPOINT linked;
UPDATE tarbox.inode SET nlink = 1
 WHERE tenant_id = :t_tenant_id AND died = 2147483647
   AND ino = (SELECT ino FROM tarbox.upload_chunk WHERE tenant_id = :t_tenant_id AND session_id = :sid AND chunk_index = 2);
SET ROLE :"t_role_name";
SELECT ok(EXISTS (SELECT 1 FROM tarbox.fsck() WHERE check_name = 'upload_staging' AND detail LIKE '%chunk 2%1 link(s)%'),
          'fsck reports a staging inode with a link (upload_staging)');
RESET ROLE;
ROLLBACK TO SAVEPOINT linked;
SELECT count(*) AS blocks_staged FROM tarbox.block WHERE tenant_id = :t_tenant_id \gset

SET ROLE :"t_role_name";
SELECT is((tarbox.remote_upload_complete(:'token', :sid, '\x2f66'::bytea, 200000, :'data_sha', 3)).size, 200000::bigint,
          'complete splices the three chunks into /f');
SELECT is((SELECT data FROM tarbox.remote_read('\x2f66'::bytea)), decode(:'data_hex', 'hex'), 'byte for byte');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck is clean after complete: no garbage, no staging inode');
RESET ROLE;
SELECT is((SELECT count(*) FROM tarbox.inode WHERE tenant_id = :t_tenant_id AND died = 2147483647 AND nlink = 0),
          0::bigint, 'no unlinked inode is left');
-- blocks 0 and 1 were shared by chunks (gathered anew), blocks 2 and 3 moved from chunk 2
SELECT is((SELECT count(*) FROM tarbox.blockmap m WHERE m.tenant_id = :t_tenant_id AND m.died = 2147483647),
          4::bigint, 'the file has its 4 blocks');
SELECT is((SELECT count(*) FROM tarbox.block WHERE tenant_id = :t_tenant_id), (:blocks_staged - 2)::bigint,
          'the chunks'' 4 partial blocks (chunk 0''s, chunk 1''s two, chunk 2''s first) were freed, the 2 gathered ones added');

-- ---- abort and expiry free every chunk ---------------------------------------------------------
SET ROLE :"t_role_name";
SELECT session_id AS sid2 FROM tarbox.remote_upload_start(:'token', '\x2f67'::bytea, 200000, :'data_sha') \gset
SELECT secret AS secret2 FROM tarbox.remote_upload_chunks(:'token', :sid2, (
    SELECT jsonb_agg(jsonb_build_object('chunkIndex', i, 'offsetBytes', o, 'sizeBytes', n,
                                        'chunkSha256', encode(sha256(substring(decode(:'data_hex', 'hex') FROM o + 1 FOR n)), 'hex'))
                     ORDER BY i)
      FROM (VALUES (0, 0, 100000), (1, 100000, 100000)) v(i, o, n))) \gset
SELECT is(tarbox.remote_upload_write(:'secret2', 0, 0, substring(decode(:'data_hex', 'hex') || '\x01'::bytea FROM 2 FOR 100000), false),
          100000::bigint, 'a second session: chunk 0 written (its PUT not finished)');
SELECT is(tarbox.remote_upload_write(:'secret2', 1, 0, substring(decode(:'data_hex', 'hex') FROM 100001 FOR 100000), true),
          100000::bigint, 'chunk 1 arrived');
SELECT lives_ok(format('SELECT tarbox.remote_upload_abort(%L, %s)', :'token', :sid2), 'abort');
RESET ROLE;
SELECT is((SELECT count(*) FROM tarbox.inode WHERE tenant_id = :t_tenant_id AND died = 2147483647 AND nlink = 0),
          0::bigint, 'abort purged the session''s file and both chunks'' staging inodes');
SET ROLE :"t_role_name";
SELECT session_id AS sid3 FROM tarbox.remote_upload_start(:'token', '\x2f68'::bytea, 200000, :'data_sha') \gset
SELECT secret AS secret3 FROM tarbox.remote_upload_chunks(:'token', :sid3, (
    SELECT jsonb_agg(jsonb_build_object('chunkIndex', i, 'offsetBytes', o, 'sizeBytes', n,
                                        'chunkSha256', encode(sha256(substring(decode(:'data_hex', 'hex') FROM o + 1 FOR n)), 'hex'))
                     ORDER BY i)
      FROM (VALUES (0, 0, 100000), (1, 100000, 100000)) v(i, o, n))) \gset
SELECT is(tarbox.remote_upload_write(:'secret3', 1, 0, substring(decode(:'data_hex', 'hex') FROM 100001 FOR 100000), true),
          100000::bigint, 'a third session: chunk 1 arrived');
RESET ROLE;
UPDATE tarbox.upload_session SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 second'
 WHERE tenant_id = :t_tenant_id;
SET ROLE :"t_role_name";
SELECT is((SELECT blocks_freed >= 0 FROM tarbox.gc()), true, 'gc expires the session');
RESET ROLE;
SELECT is((SELECT count(*) FROM tarbox.upload_chunk WHERE tenant_id = :t_tenant_id)
          + (SELECT count(*) FROM tarbox.upload_session WHERE tenant_id = :t_tenant_id), 0::bigint,
          'no session or chunk row is left');
SELECT is((SELECT count(*) FROM tarbox.inode WHERE tenant_id = :t_tenant_id AND died = 2147483647 AND nlink = 0),
          0::bigint, 'expiry purged the session''s file and the chunk''s staging inode');
SET ROLE :"t_role_name";
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck is clean, no garbage: every staged block was freed');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
