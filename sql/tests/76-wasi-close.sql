-- tarbox.wasi_close: fd_close of a WASI descriptor that wrote, in one call: the bytes the
-- client still held, then the release of a FUSE handle (text chunks, line statistics).
BEGIN;
SELECT plan(13);

SELECT role_name AS tenant FROM tarbox.tenant_create('wasiclose') \gset
SELECT role_name AS other FROM tarbox.tenant_create('wasiclose-other') \gset
SET ROLE :"tenant";

SELECT (tarbox.fs_create(1, 'f.txt'::bytea, 420, 0, 0)).ino AS f \gset
SELECT tarbox.wasi_write(:f, 0, convert_to(E'one\ntwo\n', 'UTF8'));
SELECT is((SELECT row(size, text_bytes, text_lines)::text FROM tarbox.inode WHERE ino = :f AND died = 2147483647),
          '(8,8,2)', 'text written at the end of a text file is stored as text at once');
SELECT is(tarbox.wasi_close(:f, 8, convert_to(E'three\n', 'UTF8')), 14::bigint,
          'the held bytes are written at the offset: the position after them');
SELECT is((SELECT row(size, text_bytes, text_lines)::text FROM tarbox.inode WHERE ino = :f AND died = 2147483647),
          '(14,14,3)', 'and everything written is stored as text: 14 bytes, 3 lines');
SELECT is(tarbox.read_text('/f.txt'), E'one\ntwo\nthree\n', 'the file reads back');
SELECT is(tarbox.wasi_close(:f, 0, convert_to(E'four\n', 'UTF8'), true), 19::bigint,
          'with append the held bytes go to the end: the new end of file');
SELECT is((SELECT row(size, text_bytes, text_lines)::text FROM tarbox.inode WHERE ino = :f AND died = 2147483647),
          '(19,19,4)', 'the appended line is text too');
SELECT tarbox.wasi_write(:f, 19, convert_to(E'five\n', 'UTF8'));
SELECT tarbox.wasi_write(:f, 0, convert_to('ONE', 'UTF8'));
SELECT is((SELECT row(size, text_bytes)::text FROM tarbox.inode WHERE ino = :f AND died = 2147483647),
          '(24,0)', 'a write inside the text part moves it into the block part');
SELECT is(tarbox.wasi_close(:f), NULL::bigint, 'without held bytes: NULL, ...');
SELECT is((SELECT row(size, text_bytes, text_lines)::text FROM tarbox.inode WHERE ino = :f AND died = 2147483647),
          '(24,24,5)', '... and what was written before is re-chunked');
SELECT is(tarbox.wasi_close(:f, 0, ''::bytea, false, true), NULL::bigint, 'an empty body, synced: nothing to do');

SET ROLE :"other";
SELECT throws_ok(format($$SELECT tarbox.wasi_close(%s, 0, 'x'::bytea)$$, :f), 'TX002', NULL,
                 'another tenant''s inode with bytes -> ENOENT');
SELECT is(tarbox.wasi_close(:f), NULL::bigint, '... and without bytes nothing happens to it');
SET ROLE :"tenant";
SELECT is((SELECT row(size, text_bytes, text_lines)::text FROM tarbox.inode WHERE ino = :f AND died = 2147483647),
          '(24,24,5)', 'the file is unchanged');

SELECT * FROM finish();
ROLLBACK;
