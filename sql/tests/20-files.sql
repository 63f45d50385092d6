-- Regular files through the path API and the inode API: content round trips, 64 KiB block
-- boundaries, holes, truncate, append, open flags, timestamps and the file-type errors.
BEGIN;
SELECT plan(137);

-- Helpers (pg_temp, rolled back): a position-dependent pattern (period 251, so any misplaced
-- byte shows), n zero bytes, and the transaction's time in ns as tarbox stamps it.
CREATE FUNCTION pg_temp.pat(n int, seed int DEFAULT 0) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(decode(string_agg(lpad(to_hex((g + seed) % 251), 2, '0'), '' ORDER BY g), 'hex'), ''::bytea)
      FROM generate_series(0, n - 1) g $$;
CREATE FUNCTION pg_temp.zeros(n int) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT decode(repeat('00', n), 'hex') $$;
CREATE FUNCTION pg_temp.now_ns() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT (extract(epoch FROM now()) * 1000000000)::bigint $$;

SELECT role_name AS alice FROM tarbox.tenant_create('filetest') \gset
SET ROLE :"alice";

-- ---- Content round trips: bytes are bytes (NUL, CR LF, invalid UTF-8, empty) ----------------
SELECT is(tarbox.write('/bin', '\x00410d0aff00fec328'::bytea), 9::bigint, 'write returns the number of bytes written');
SELECT is(tarbox.read('/bin'), '\x00410d0aff00fec328'::bytea, 'binary content with NUL, CRLF and invalid UTF-8 reads back identically');
SELECT (tarbox.stat('/bin')).ino AS bin \gset
SELECT is(tarbox.fs_read(:bin, 0, 100), '\x00410d0aff00fec328'::bytea, 'fs_read returns the same bytes');
SELECT is(tarbox.fs_read(:bin, 3, 2), '\x0aff'::bytea, 'fs_read of a middle range');
SELECT is((SELECT row(size, blocks, type, mode, nlink)::text FROM tarbox.stat('/bin')), '(9,1,file,33188,1)',
          'stat: size 9, 1 block of 512, regular file 0644, one link');
SELECT throws_ok($$SELECT tarbox.read_text('/bin')$$, 'TX084', NULL, 'read_text of invalid UTF-8 -> EILSEQ');
SELECT is(tarbox.write('/txt', 'héllo wörld'), 13::bigint, 'write(text) returns UTF-8 bytes written');
SELECT is(tarbox.read_text('/txt'), 'héllo wörld', 'read_text round trip of UTF-8 text');
SELECT is(tarbox.write('/empty', ''::bytea), 0::bigint, 'writing an empty file returns 0');
SELECT is(tarbox.read('/empty'), ''::bytea, 'an empty file reads as empty');
SELECT is((SELECT row(size, blocks)::text FROM tarbox.stat('/empty')), '(0,0)', 'an empty file has size 0 and 0 blocks');
SELECT is((SELECT count(*) FROM tarbox.blockmap m WHERE m.ino = (SELECT ino FROM tarbox.stat('/empty')) AND m.died = 2147483647),
          0::bigint, 'an empty file maps no block');
SELECT is(tarbox.write('/r', 'hello world'), 11::bigint, 'write 11 bytes');
SELECT is(tarbox.write('/r', 'hi'), 2::bigint, 'rewrite with 2 bytes');
SELECT is(tarbox.read('/r'), 'hi'::bytea, 'write without an offset replaces the whole content (no stale tail)');
SELECT is(tarbox.write('/r', 'HE'::bytea, 0), 2::bigint, 'write at offset 0 of 2 bytes');
SELECT is(tarbox.write('/r', 'LLO'::bytea, 2), 3::bigint, 'write at offset 2');
SELECT is(tarbox.read('/r'), 'HELLO'::bytea, 'writes at offsets overlay the content');
SELECT is(tarbox.read('/r', 1, 3), 'ELL'::bytea, 'read with offset and length');

-- ---- 64 KiB block boundaries ----------------------------------------------------------------
SELECT is(tarbox.write('/big', pg_temp.pat(131072)), 131072::bigint, 'write 2 full blocks');
SELECT (tarbox.stat('/big')).ino AS big \gset
SELECT is(md5(tarbox.read('/big')), md5(pg_temp.pat(131072)), '2 blocks read back identically');
SELECT is((SELECT count(*) FROM tarbox.blockmap WHERE ino = :big AND died = 2147483647), 2::bigint, 'a 128 KiB file maps 2 blocks');
SELECT is(tarbox.fs_write(:big, 65530, '\x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a'::bytea), 16::bigint, 'write 16 bytes at 65530 (across the block boundary)');
SELECT is(md5(tarbox.read('/big')), md5(overlay(pg_temp.pat(131072) PLACING '\x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a'::bytea FROM 65531 FOR 16)),
          'only bytes 65530..65545 changed, both blocks keep the rest');
SELECT is(tarbox.fs_read(:big, 65534, 4), '\x5a5a5a5a'::bytea, 'read across the boundary');
SELECT is(tarbox.fs_read(:big, 65546, 3), substring(pg_temp.pat(131072) FROM 65547 FOR 3), 'bytes right after the write are the old ones');
SELECT is((tarbox.fs_getattr(:big)).size, 131072::bigint, 'an overwrite inside the file keeps the size');
SELECT is(octet_length(tarbox.fs_read(:big, 100000, 100000)), 31072, 'a read past EOF is cut at EOF');
-- A write spanning three blocks, starting and ending mid-block.
SELECT is(tarbox.fs_write(:big, 65000, pg_temp.pat(70000, 7)), 70000::bigint, 'write 70000 bytes at 65000 (blocks 0, 1, 2)');
SELECT is(md5(tarbox.read('/big')),
          md5(substring(overlay(pg_temp.pat(131072) PLACING '\x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a'::bytea FROM 65531 FOR 16) FROM 1 FOR 65000)
              || pg_temp.pat(70000, 7)),
          'three-block write: head kept, new bytes in place, file extended');
SELECT is((tarbox.fs_getattr(:big)).size, 135000::bigint, 'size grew to 135000');
-- Writing into a fresh file at an offset inside block 0 that spills into block 1.
SELECT (tarbox.fs_create(1, 'spill'::bytea, 420, 0, 0)).ino AS spill \gset
SELECT is(tarbox.fs_write(:spill, 65530, 'abcdefghijklmnop'::bytea), 16::bigint, 'write 16 bytes at 65530 into an empty file');
SELECT is((tarbox.fs_getattr(:spill)).size, 65546::bigint, 'size is 65546');
SELECT is(tarbox.fs_read(:spill, 0, 65530), pg_temp.zeros(65530), 'the gap before the write reads as zeros');
SELECT is(tarbox.fs_read(:spill, 65530, 100), 'abcdefghijklmnop'::bytea, 'the written bytes read back');

-- ---- Sparse files ---------------------------------------------------------------------------
SELECT (tarbox.fs_create(1, 'sparse'::bytea, 420, 0, 0)).ino AS sparse \gset
SELECT is(tarbox.fs_write(:sparse, 1048576, 'x'::bytea), 1::bigint, 'write 1 byte at 1 MiB into an empty file');
SELECT is((SELECT row(size, blocks)::text FROM tarbox.stat('/sparse')), '(1048577,1)', 'size 1 MiB + 1, blocks count only what is stored (the hole stores nothing)');
SELECT is(md5(tarbox.fs_read(:sparse, 0, 1048576)), md5(pg_temp.zeros(1048576)), 'the 1 MiB hole reads as zeros');
SELECT is(tarbox.fs_read(:sparse, 1048575, 10), '\x0078'::bytea, 'last hole byte then the data');
SELECT is((SELECT count(*) FROM tarbox.blockmap WHERE ino = :sparse AND died = 2147483647), 1::bigint, 'the hole stores no block');
-- Reads of up to four blocks (a loop of probes) and of more (one query) agree, holes included:
-- blocks 0-1 data, 2-3 a hole, 4 data.
SELECT is(tarbox.write('/mix', pg_temp.pat(70000)), 70000::bigint, 'mix: 70000 bytes of data');
SELECT (tarbox.stat('/mix')).ino AS mix \gset
SELECT is(tarbox.fs_write(:mix, 262145, 'xy'::bytea), 2::bigint, 'mix: 2 bytes in block 4, a hole before');
SELECT ok(tarbox.fs_read(:mix, 0, 262147) = pg_temp.pat(70000) || pg_temp.zeros(192145) || 'xy'::bytea
          AND tarbox.fs_read(:mix, 65536, 196611) = substring(pg_temp.pat(70000) FROM 65537) || pg_temp.zeros(192145) || 'xy'::bytea
          AND tarbox.fs_read(:mix, 69990, 131072) = substring(pg_temp.pat(70000) FROM 69991) || pg_temp.zeros(131062),
          'reads of 5 blocks, of 4 blocks across the hole, and of 3 blocks from data into the hole');
SELECT is(tarbox.write('/sparse2', 'ab'::bytea, 100000), 2::bigint, 'path write at an offset creates the file');
SELECT is(tarbox.read('/sparse2'), pg_temp.zeros(100000) || 'ab'::bytea, 'path write at an offset leaves a hole before');

-- ---- Truncate: shrink, then growth reads zeros, never the old bytes -------------------------
SELECT tarbox.write('/t', repeat('x', 100)) AS w \gset
SELECT lives_ok($$SELECT tarbox.truncate('/t', 10)$$, 'truncate to 10 (inside the block)');
SELECT is(tarbox.read('/t'), repeat('x', 10)::bytea, 'shrunk content');
SELECT lives_ok($$SELECT tarbox.truncate('/t', 100)$$, 'extend to 100 with truncate');
SELECT is(tarbox.read('/t'), repeat('x', 10)::bytea || pg_temp.zeros(90), 'the extension reads as zeros, not the old bytes');
SELECT lives_ok($$SELECT tarbox.truncate('/t', 10)$$, 'shrink to 10 again');
SELECT (tarbox.stat('/t')).ino AS t \gset
SELECT is(tarbox.fs_write(:t, 50, 'y'::bytea), 1::bigint, 'write 1 byte at 50 past the new end');
SELECT is(tarbox.read('/t'), repeat('x', 10)::bytea || pg_temp.zeros(40) || 'y'::bytea, 'the gap after a shrink reads as zeros');
SELECT tarbox.write('/t2', pg_temp.pat(131072)) AS w \gset
SELECT lives_ok($$SELECT tarbox.truncate('/t2', 70000)$$, 'truncate a 2-block file to 70000 (inside block 1)');
SELECT is(md5(tarbox.read('/t2')), md5(pg_temp.pat(70000)), 'shrunk across blocks');
SELECT (tarbox.stat('/t2')).ino AS t2 \gset
SELECT is((tarbox.fs_setattr(:t2, NULL, NULL, NULL, 131072, NULL, NULL)).size, 131072::bigint, 'fs_setattr size extends to 131072');
SELECT is(md5(tarbox.read('/t2')), md5(pg_temp.pat(70000) || pg_temp.zeros(61072)), 'extension after a cross-block shrink reads zeros');
SELECT lives_ok($$SELECT tarbox.truncate('/t2', 65536)$$, 'truncate to exactly one block');
SELECT is((SELECT count(*) FROM tarbox.blockmap WHERE ino = :t2 AND died = 2147483647), 1::bigint, 'a 64 KiB file maps 1 block');
SELECT lives_ok($$SELECT tarbox.truncate('/t2', 65537)$$, 'extend by one byte');
SELECT is(tarbox.fs_read(:t2, 65535, 10), substring(pg_temp.pat(65536) FROM 65536) || '\x00'::bytea, 'the new byte is zero');
SELECT lives_ok($$SELECT tarbox.truncate('/t2', 0)$$, 'truncate to 0');
SELECT is((SELECT row(size, blocks)::text FROM tarbox.stat('/t2')), '(0,0)', 'size 0 after truncate to 0');
SELECT is(tarbox.read('/t2'), ''::bytea, 'nothing to read after truncate to 0');
SELECT is((SELECT count(*) FROM tarbox.blockmap WHERE ino = :t2 AND died = 2147483647), 0::bigint, 'truncate to 0 unmaps every block');
SELECT throws_ok($$SELECT tarbox.truncate('/t2', -1)$$, 'TX022', NULL, 'truncate to a negative size -> EINVAL');
SELECT throws_ok($$SELECT tarbox.truncate('/nope', 0)$$, 'TX002', NULL, 'truncate of a missing file -> ENOENT');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after writes and truncates');

-- ---- Append (O_APPEND) ----------------------------------------------------------------------
SELECT is(tarbox.append('/ap', 'abc'::bytea), 3::bigint, 'append creates the file and returns the new size');
SELECT is(tarbox.append('/ap', 'def'), 6::bigint, 'append(text) returns the new size');
SELECT (tarbox.stat('/ap')).ino AS ap \gset
SELECT is(tarbox.fs_write(:ap, 0, 'gh'::bytea, true), 2::bigint, 'fs_write with p_append writes 2 bytes');
SELECT is(tarbox.read('/ap'), 'abcdefgh'::bytea, 'append writes at the end whatever the offset');

-- ---- Reads past the end and bad ranges ------------------------------------------------------
SELECT is(tarbox.fs_read(:ap, 8, 10), ''::bytea, 'fs_read at EOF is empty');
SELECT is(tarbox.fs_read(:ap, 1000, 10), ''::bytea, 'fs_read past EOF is empty');
SELECT is(tarbox.fs_read(:ap, 6, 10), 'gh'::bytea, 'fs_read across EOF is short');
SELECT is(tarbox.read('/ap', 100), ''::bytea, 'path read past EOF is empty');
SELECT is(tarbox.fs_read(:ap, 0, 0), ''::bytea, 'a zero-length read is empty');
SELECT throws_ok(format('SELECT tarbox.fs_read(%s, -1, 10)', :ap), 'TX022', NULL, 'fs_read at a negative offset -> EINVAL');
SELECT throws_ok(format('SELECT tarbox.fs_read(%s, 0, -1)', :ap), 'TX022', NULL, 'fs_read of a negative length -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.fs_write(%s, -1, 'x'::bytea)$$, :ap), 'TX022', NULL, 'fs_write at a negative offset -> EINVAL');
SELECT throws_ok($$SELECT tarbox.read('/nope')$$, 'TX002', NULL, 'read of a missing file -> ENOENT');
SELECT throws_ok($$SELECT tarbox.write('/nodir/f', 'x'::bytea)$$, 'TX002', NULL, 'write under a missing directory -> ENOENT');
SELECT throws_ok($$SELECT tarbox.write('relative', 'x'::bytea)$$, 'TX022', NULL, 'a relative path -> EINVAL');
SELECT throws_ok($$SELECT tarbox.fs_read(999999, 0, 1)$$, 'TX002', NULL, 'fs_read of a missing inode -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_write(999999, 0, 'x'::bytea)$$, 'TX002', NULL, 'fs_write to a missing inode -> ENOENT');

-- ---- open(2) / creat(2) flags ---------------------------------------------------------------
SELECT * FROM tarbox.fs_create(1, 'oc'::bytea, 416, 1000, 1001) \gset oc_
SELECT is(:oc_mode, 33184, 'fs_create: regular file with the given permission bits (0640)');
SELECT is(:'oc_uid' || ':' || :'oc_gid', '1000:1001', 'fs_create: owner as given');
SELECT tarbox.fs_write(:oc_ino, 0, 'data'::bytea) AS w \gset
SELECT is((tarbox.fs_open(:oc_ino, 0)).size, 4::bigint, 'fs_open O_RDONLY keeps the content');
SELECT is((tarbox.fs_open(:oc_ino, 2)).size, 4::bigint, 'fs_open O_RDWR keeps the content');
SELECT is((tarbox.fs_create(1, 'oc'::bytea, 420, 0, 0, 0)).ino, :oc_ino::bigint, 'fs_create of an existing name opens that file');
SELECT is((tarbox.fs_getattr(:oc_ino)).size, 4::bigint, '... without truncating it');
SELECT is((tarbox.fs_getattr(:oc_ino)).mode, 33184, '... and without changing its mode');
SELECT throws_ok($$SELECT tarbox.fs_create(1, 'oc'::bytea, 420, 0, 0, 128)$$, 'TX017', NULL, 'fs_create with O_EXCL on an existing name -> EEXIST');
SELECT throws_ok($$SELECT tarbox.fs_create(1, 'oc'::bytea, 420, 0, 0, 192)$$, 'TX017', NULL, 'fs_create with O_CREAT|O_EXCL on an existing name -> EEXIST');
SELECT is((tarbox.fs_open(:oc_ino, 513)).size, 0::bigint, 'fs_open O_WRONLY|O_TRUNC truncates');
SELECT is(tarbox.fs_read(:oc_ino, 0, 100), ''::bytea, '... the content is gone');
SELECT tarbox.fs_write(:oc_ino, 0, 'data'::bytea) AS w \gset
SELECT is((tarbox.fs_create(1, 'oc'::bytea, 420, 0, 0, 512 | 1)).size, 0::bigint, 'fs_create of an existing name with O_TRUNC truncates');
SELECT tarbox.mkdir('/d') AS d \gset
SELECT throws_ok($$SELECT tarbox.fs_create(1, 'd'::bytea, 420, 0, 0)$$, 'TX021', NULL, 'fs_create over a directory -> EISDIR');
SELECT throws_ok(format('SELECT tarbox.fs_open(%s, 1)', :d), 'TX021', NULL, 'fs_open of a directory for writing -> EISDIR');
SELECT is((tarbox.fs_open(:d, 0)).ino, :d::bigint, 'fs_open of a directory read-only is fine');

-- ---- Timestamps: write and truncate set mtime and ctime; read sets neither ------------------
SELECT (tarbox.stat('/r')).ino AS r \gset
SELECT is((SELECT row(atime_ns, mtime_ns, ctime_ns)::text FROM tarbox.fs_setattr(:r, NULL, NULL, NULL, NULL, 1000, 2000, 3000)),
          '(1000,2000,3000)', 'times set to known old values (ns precision)');
SELECT is(tarbox.fs_read(:r, 0, 100), 'HELLO'::bytea, 'fs_read');
SELECT is(tarbox.read('/r'), 'HELLO'::bytea, 'path read');
SELECT is((SELECT row(mtime_ns, ctime_ns)::text FROM tarbox.fs_getattr(:r)), '(2000,3000)', 'reads change neither mtime nor ctime');
SELECT is(tarbox.fs_write(:r, 5, ''::bytea), 0::bigint, 'a zero-byte write');
SELECT is((SELECT row(mtime_ns, ctime_ns)::text FROM tarbox.fs_getattr(:r)), '(2000,3000)', 'a zero-byte write changes no time');
SELECT tarbox.fs_write(:r, 5, '!'::bytea) AS w \gset
SELECT is((SELECT row(mtime_ns, ctime_ns)::text FROM tarbox.fs_getattr(:r)), row(pg_temp.now_ns(), pg_temp.now_ns())::text,
          'fs_write sets mtime and ctime to now');
SELECT tarbox.fs_setattr(:r, NULL, NULL, NULL, NULL, 1000, 2000, 3000) AS w \gset
SELECT lives_ok($$SELECT tarbox.truncate('/r', 2)$$, 'truncate');
SELECT is((SELECT row(mtime_ns, ctime_ns)::text FROM tarbox.fs_getattr(:r)), row(pg_temp.now_ns(), pg_temp.now_ns())::text,
          'truncate sets mtime and ctime to now');
SELECT tarbox.fs_setattr(:r, NULL, NULL, NULL, NULL, 1000, 2000, 3000) AS w \gset
SELECT tarbox.append('/r', 'x'::bytea) AS w \gset
SELECT is((SELECT row(mtime_ns, ctime_ns)::text FROM tarbox.fs_getattr(:r)), row(pg_temp.now_ns(), pg_temp.now_ns())::text,
          'append sets mtime and ctime to now');
SELECT tarbox.fs_setattr(:r, NULL, NULL, NULL, NULL, 1000, 2000, 3000) AS w \gset
SELECT tarbox.fs_open(:r, 513) AS w \gset
SELECT is((SELECT row(mtime_ns, ctime_ns)::text FROM tarbox.fs_getattr(:r)), row(pg_temp.now_ns(), pg_temp.now_ns())::text,
          'open with O_TRUNC sets mtime and ctime to now');
-- POSIX open(): "If O_TRUNC is set and the file did previously exist, upon successful return,
-- open() shall mark for update the last data modification and last file status change
-- timestamps of the file" -- also when it was already empty (Linux does).
SELECT tarbox.fs_setattr(:r, NULL, NULL, NULL, NULL, 1000, 2000, 3000) AS w \gset
SELECT tarbox.fs_open(:r, 513) AS w \gset
SELECT is((SELECT row(mtime_ns, ctime_ns)::text FROM tarbox.fs_getattr(:r)), row(pg_temp.now_ns(), pg_temp.now_ns())::text,
          'open with O_TRUNC of an already empty file still sets mtime and ctime');

-- ---- Not a regular file: EISDIR / EINVAL -----------------------------------------------------
SELECT throws_ok($$SELECT tarbox.write('/d', 'x'::bytea)$$, 'TX021', NULL, 'write to a directory path -> EISDIR');
SELECT throws_ok($$SELECT tarbox.append('/d', 'x'::bytea)$$, 'TX021', NULL, 'append to a directory path -> EISDIR');
SELECT throws_ok($$SELECT tarbox.read('/d')$$, 'TX021', NULL, 'read of a directory path -> EISDIR');
SELECT throws_ok($$SELECT tarbox.truncate('/d', 0)$$, 'TX021', NULL, 'truncate of a directory -> EISDIR');
SELECT throws_ok(format('SELECT tarbox.fs_read(%s, 0, 10)', :d), 'TX021', NULL, 'fs_read of a directory -> EISDIR');
SELECT throws_ok(format($$SELECT tarbox.fs_write(%s, 0, 'x'::bytea)$$, :d), 'TX021', NULL, 'fs_write to a directory -> EISDIR');
SELECT throws_ok(format('SELECT tarbox.fs_setattr(%s, NULL, NULL, NULL, 0, NULL, NULL)', :d), 'TX021', NULL, 'fs_setattr size on a directory -> EISDIR');
SELECT tarbox.mknod('/fifo', 4516) AS fifo \gset
SELECT throws_ok(format($$SELECT tarbox.fs_write(%s, 0, 'x'::bytea)$$, :fifo), 'TX022', NULL, 'fs_write to a FIFO -> EINVAL');
SELECT throws_ok($$SELECT tarbox.read('/fifo')$$, 'TX022', NULL, 'path read of a FIFO -> EINVAL');
SELECT tarbox.ln('/ap', '/lnk', true) AS lnk \gset
SELECT throws_ok(format('SELECT tarbox.fs_read(%s, 0, 10)', :lnk), 'TX022', NULL, 'fs_read of a symlink inode -> EINVAL');
SELECT is(tarbox.read('/lnk'), 'abcdefgh'::bytea, 'path read follows a symlink to its file');

-- ---- EFBIG: the file size limit is 16 TiB ---------------------------------------------------
SELECT (tarbox.fs_create(1, 'huge'::bytea, 420, 0, 0)).ino AS huge \gset
SELECT throws_ok(format($$SELECT tarbox.fs_write(%s, 17592186044416, 'x'::bytea)$$, :huge), 'TX027', NULL, 'write at 16 TiB -> EFBIG');
SELECT throws_ok(format($$SELECT tarbox.fs_write(%s, 17592186044415, 'xy'::bytea)$$, :huge), 'TX027', NULL, 'write crossing 16 TiB -> EFBIG');
-- Offsets past 2 GiB (block numbers past 32767) must work like any other.
SELECT lives_ok(format($$SELECT tarbox.fs_write(%s, 4294967296, 'big'::bytea)$$, :huge), 'write at 4 GiB');
SELECT is(tarbox.fs_read(:huge, 4294967295, 10), '\x00626967'::bytea, 'read back at 4 GiB');
SELECT lives_ok(format($$SELECT tarbox.fs_write(%s, 17592186044415, 'x'::bytea)$$, :huge), 'write of the last byte below 16 TiB');
SELECT is((tarbox.fs_getattr(:huge)).size, 17592186044416::bigint, 'size is exactly 16 TiB');
SELECT is(tarbox.fs_read(:huge, 17592186044414, 10), '\x0078'::bytea, 'the last bytes read back');
SELECT throws_ok(format($$SELECT tarbox.fs_write(%s, 0, 'x'::bytea, true)$$, :huge), 'TX027', NULL, 'append to a 16 TiB file -> EFBIG');
SELECT throws_ok($$SELECT tarbox.truncate('/huge', 17592186044417)$$, 'TX027', NULL, 'truncate past 16 TiB -> EFBIG');
SELECT throws_ok(format('SELECT tarbox.fs_setattr(%s, NULL, NULL, NULL, 17592186044417, NULL, NULL)', :huge), 'TX027', NULL, 'fs_setattr size past 16 TiB -> EFBIG');
SELECT throws_ok($$SELECT tarbox.write('/huge', 'x'::bytea, 17592186044416)$$, 'TX027', NULL, 'path write at 16 TiB -> EFBIG');
SELECT is((tarbox.fs_getattr(:huge)).size, 17592186044416::bigint, 'failed writes left the size alone');

-- ---- Deduplication within a tenant ----------------------------------------------------------
SELECT tarbox.write('/dup1', pg_temp.pat(65536, 3)) AS w \gset
SELECT tarbox.write('/dup2', pg_temp.pat(65536, 3)) AS w \gset
SELECT is((SELECT count(*) FROM tarbox.block WHERE hash = sha256(pg_temp.pat(65536, 3))), 1::bigint,
          'two files with the same 64 KiB block store it once');
SELECT is((SELECT count(*) FROM tarbox.blockmap WHERE hash = sha256(pg_temp.pat(65536, 3)) AND died = 2147483647), 2::bigint,
          '... and both map it');

SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean at the end');

SELECT * FROM finish();
ROLLBACK;
