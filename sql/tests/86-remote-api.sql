-- The remote API (sql/functions/60-remote): byte paths, etags that change with every change,
-- If-Match / If-None-Match under the lock (ESTALE), the upload flags of remote_write, the
-- read-only flag, mkdir -p, remove kinds, rename, links, canonicalize, paging, and that the
-- text path API still resolves through the byte walk.
BEGIN;
SELECT plan(51);

SELECT * FROM tarbox.tenant_create('remote1') \gset t_
SET ROLE :"t_role_name";

-- ---- byte paths --------------------------------------------------------------------------------
SELECT is((tarbox.remote_mkdir('\x2f64'::bytea, 493, false)).type, 'dir', 'remote_mkdir makes /d');
SELECT is((tarbox.remote_write('\x2f642fff66'::bytea, 'bin'::bytea)).size, 3::bigint, 'a file named \xff f (not UTF-8) is written');
SELECT is((SELECT name FROM tarbox.remote_list('\x2f64'::bytea)), '\xff66'::bytea, 'its name lists as the exact bytes');
SELECT is((SELECT data FROM tarbox.remote_read('\x2f642fff66'::bytea)), 'bin'::bytea, 'and reads back by its bytes');
SELECT is((SELECT name FROM tarbox.ls('/d')), '\xfff', 'the text API shows it with \xNN');
SELECT throws_ok($$SELECT tarbox.remote_stat('\x2f6100'::bytea)$$, 'TX022', NULL, 'a NUL byte in a path -> EINVAL');
SELECT throws_ok($$SELECT tarbox.remote_stat('\x61'::bytea)$$, 'TX022', NULL, 'a relative path -> EINVAL');
SELECT throws_ok(format('SELECT tarbox.remote_stat(%L::bytea)', '\x2f' || repeat('61', 256)), 'TX036', NULL, 'a 256-byte name -> ENAMETOOLONG');
SELECT is((tarbox.remote_stat('\x2f2e2e2f2e2e2f64'::bytea)).ino, (tarbox.remote_stat('\x2f64'::bytea)).ino, '/../../d is /d: .. of the root is the root');
SELECT is(tarbox.write('/d/text.txt', 'via text'), 8::bigint, 'the text path API resolves through the byte walk');
SELECT is(tarbox.read_text('/d/../d/./text.txt'), 'via text', 'with . and ..');

-- ---- etags -------------------------------------------------------------------------------------
SELECT (tarbox.remote_write('\x2f66'::bytea, 'one'::bytea, 0, true, true)).etag AS e1 \gset
SELECT is((tarbox.remote_stat('\x2f66'::bytea)).etag, :'e1', 'stat gives the etag the write returned');
SAVEPOINT s1;
SELECT isnt((tarbox.remote_write('\x2f66'::bytea, 'two'::bytea, 0, true, true)).etag, :'e1',
            'a write in a later transaction (here: subtransaction) gives a new etag');
ROLLBACK TO SAVEPOINT s1;
SELECT is((tarbox.remote_stat('\x2f66'::bytea)).etag, :'e1', 'a rolled-back write leaves the etag');
SELECT throws_ok(format($$SELECT tarbox.remote_write('\x2f66'::bytea, 'x'::bytea, 0, false, false, false, ARRAY[%L])$$, 'other'),
                 'TX116', NULL, 'If-Match with another etag -> ESTALE');
SELECT is((SELECT data FROM tarbox.remote_read('\x2f66'::bytea)), 'one'::bytea, 'and nothing was written');
SELECT lives_ok(format($$SELECT tarbox.remote_write('\x2f66'::bytea, 'O'::bytea, 0, false, false, false, ARRAY['nope', %L])$$, :'e1'),
                'If-Match with the current etag among others writes');
SELECT lives_ok($$SELECT tarbox.remote_write('\x2f66'::bytea, 'x'::bytea, 0, false, false, false, ARRAY['*'])$$, 'If-Match * on an existing file writes');
SELECT throws_ok($$SELECT tarbox.remote_write('\x2f6e6f6e65'::bytea, 'x'::bytea, 0, false, false, false, ARRAY['*'])$$,
                 'TX116', NULL, 'If-Match on a missing file -> ESTALE');
SELECT throws_ok($$SELECT tarbox.remote_write('\x2f66'::bytea, 'x'::bytea, 0, false, false, false, NULL, true)$$,
                 'TX116', NULL, 'If-None-Match * on an existing file -> ESTALE');
SELECT throws_ok($$SELECT tarbox.remote_write('\x2f66'::bytea, 'x'::bytea, 0, false, false, true)$$,
                 'TX017', NULL, 'createNew on an existing file -> EEXIST');
SELECT throws_ok($$SELECT tarbox.remote_read('\x2f66'::bytea, 0, NULL, NULL, ARRAY['stale'])$$, 'TX116', NULL,
                 'a read pinned to another version -> ESTALE');
SELECT throws_ok($$SELECT tarbox.remote_remove('\x2f66'::bytea, 'file', false, ARRAY['stale'])$$, 'TX116', NULL,
                 'a remove pinned to another version -> ESTALE');
SELECT throws_ok($$SELECT tarbox.remote_rename('\x2f66'::bytea, '\x2f67'::bytea, false, ARRAY['stale'])$$, 'TX116', NULL,
                 'a rename pinned to another version -> ESTALE');
SELECT throws_ok($$SELECT tarbox.remote_setattr('\x2f66'::bytea, 420, p_if_match => ARRAY['stale'])$$, 'TX116', NULL,
                 'a setattr pinned to another version -> ESTALE');

-- ---- upload flags --------------------------------------------------------------------------------
SELECT tarbox.remote_write('\x2f75'::bytea, 'abcdefgh'::bytea, 0, true, true);
SELECT is((tarbox.remote_write('\x2f75'::bytea, 'XY'::bytea, 2)).size, 8::bigint, 'a write in the middle keeps the size');
SELECT is((SELECT data FROM tarbox.remote_read('\x2f75'::bytea)), 'abXYefgh'::bytea, 'and changes those bytes');
SELECT is((tarbox.remote_write('\x2f75'::bytea, 'Z'::bytea, 3, false, true)).size, 4::bigint, 'final: the file ends where the chunk ends');
SELECT is((tarbox.remote_write('\x2f75'::bytea, 'Q'::bytea, 1, true)).size, 2::bigint, 'truncate: cut to the offset, then write');
SELECT is((SELECT data FROM tarbox.remote_read('\x2f75'::bytea)), 'aQ'::bytea, 'giving aQ');
SELECT is((tarbox.remote_write('\x2f75'::bytea, ''::bytea, 0, true, true)).size, 0::bigint, 'an empty PUT with truncate+final empties the file');
SELECT is((tarbox.remote_write('\x2f75'::bytea, 'end'::bytea, 99, false, false, false, NULL, false, true)).size, 3::bigint, 'append ignores the offset');
SELECT tarbox.remote_write('\x2f742e7478'::bytea, convert_to(repeat(E'a line of text\n', 400), 'UTF8'), 0, true, false);
SELECT is((SELECT text_bytes FROM tarbox.inode WHERE ino = (tarbox.remote_stat('\x2f742e7478'::bytea)).ino AND died = 2147483647),
          6000::bigint, 'a text upload in progress is stored as text as it comes (an append to a text file)');
SELECT tarbox.remote_write('\x2f742e7478'::bytea, convert_to(repeat(E'a line of text\n', 400), 'UTF8'), 6000, false, true);
SELECT is((SELECT text_bytes = size FROM tarbox.inode WHERE ino = (tarbox.remote_stat('\x2f742e7478'::bytea)).ino AND died = 2147483647),
          true, 'its final chunk leaves the whole file as text chunks');
SELECT is((SELECT row(data, offset_, size)::text FROM tarbox.remote_read('\x2f75'::bytea, -2)), row('nd'::bytea, 1::bigint, 3::bigint)::text,
          'a negative offset reads the last bytes');
SELECT is((SELECT octet_length(data) FROM tarbox.remote_read('\x2f75'::bytea, 10)), 0, 'a read past the end is empty');

-- ---- read-only flag ------------------------------------------------------------------------------
SELECT is((tarbox.remote_set_readonly('\x2f75'::bytea, true)).mode & 511, 292, 'set_readonly true clears the write bits (0444)');
SELECT throws_ok($$SELECT tarbox.remote_write('\x2f75'::bytea, 'x'::bytea)$$, 'TX013', NULL, 'a read-only file refuses writes (EACCES)');
SELECT throws_ok($$SELECT tarbox.remote_setattr('\x2f75'::bytea, p_size => 0)$$, 'TX013', NULL, 'and truncation');
SELECT is((tarbox.remote_set_readonly('\x2f75'::bytea, false)).mode & 511, 420, 'set_readonly false sets the owner''s write bit (0644)');

-- ---- namespace -----------------------------------------------------------------------------------
SELECT is((tarbox.remote_mkdir('\x2f612f622f63'::bytea, 493, true)).type, 'dir', 'mkdir -p makes /a/b/c');
SELECT is((tarbox.remote_mkdir('\x2f612f62'::bytea, 493, true)).type, 'dir', 'mkdir -p of an existing directory is fine');
SELECT is((tarbox.remote_mkdir('\x2f'::bytea, 493, true)).ino, 1::bigint, 'mkdir -p of / is fine');
SELECT throws_ok($$SELECT tarbox.remote_mkdir('\x2f612f62'::bytea, 493, false)$$, 'TX017', NULL, 'mkdir of an existing directory -> EEXIST');
SELECT throws_ok($$SELECT tarbox.remote_remove('\x2f61'::bytea, 'file')$$, 'TX021', NULL, 'removing a directory as a file -> EISDIR');
SELECT throws_ok($$SELECT tarbox.remote_remove('\x2f66'::bytea, 'dir')$$, 'TX020', NULL, 'removing a file as a directory -> ENOTDIR');
SELECT throws_ok($$SELECT tarbox.remote_remove('\x2f61'::bytea, 'dir', false)$$, 'TX039', NULL, 'rmdir of a non-empty directory -> ENOTEMPTY');
SELECT is(tarbox.remote_remove('\x2f61'::bytea, 'dir', true), 3::bigint, 'a recursive remove counts every entry');
SELECT is((tarbox.remote_symlink('\x642f2e2e2f66'::bytea, '\x2f6c'::bytea)).target, '\x642f2e2e2f66'::bytea, 'a symlink keeps its target bytes');
SELECT is(tarbox.remote_canonicalize('\x2f6c'::bytea), '\x2f66'::bytea, 'canonicalize resolves links and ..');
SELECT throws_ok($$SELECT tarbox.remote_rename('\x2f66'::bytea, '\x2f75'::bytea, true)$$, 'TX017', NULL, 'rename with noreplace onto a file -> EEXIST');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
