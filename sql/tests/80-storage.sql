-- Storage: per-tenant dedup, blocks released in the same transaction, holes and st_blocks,
-- text chunks (round trips, transitions, thresholds, what an edit costs, line statistics),
-- quotas (EDQUOT changes nothing), usage without cross-tenant figures, gc, the deeper fsck.
BEGIN;
-- Release dropped blocks at the end of each statement, as a committed call does (this file
-- runs in one transaction; migration 0105 defers releases to commit).
SET CONSTRAINTS tarbox.block_drop_at_commit IMMEDIATE;
SELECT plan(96);

-- A text of n distinct lines that looks like source code (lines of 20..60 bytes).
CREATE FUNCTION pg_temp.src(n int, seed int DEFAULT 0) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(format('    value_%s = compute(%s, "%s")', g, (g * 7919 + seed) % 10007,
                             repeat(chr(97 + g % 26), g % 23)) || E'\n', '' ORDER BY g)
      FROM generate_series(1, n) g $$;
-- The lines of a text as an array, and a text made of lines.
CREATE FUNCTION pg_temp.lines(t text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT string_to_array(rtrim(t, E'\n'), E'\n') $$;
CREATE FUNCTION pg_temp.unlines(a text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT array_to_string(a, E'\n') || E'\n' $$;
CREATE FUNCTION pg_temp.ino(p text) RETURNS bigint LANGUAGE sql AS $$ SELECT ino FROM tarbox.stat(p) $$;
CREATE FUNCTION pg_temp.blocks_of(p_tenant bigint) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM tarbox.block WHERE tenant_id = p_tenant $$;

-- ---- The chunker's fast path (every window hash at once) cuts as its line loop does ---------------
-- The loop runs when a line is longer than a chunk; a line of 20,000 bytes after a text ends
-- the text's last chunk where the fast path, cutting the text alone, ends it: every cut before
-- must be the same. Texts with blank lines, runs of "}" and long-ish lines; 6 bits (a byte per
-- line in the fast path) and 10 bits (three).
CREATE FUNCTION pg_temp.cut_agrees(t text, p_bits int) RETURNS boolean LANGUAGE sql AS $$
    SELECT f.ends = s.ends[1:cardinality(f.ends)] AND f.lines = s.lines[1:cardinality(f.lines)]
           AND s.ends[cardinality(f.ends)] = octet_length(convert_to(t, 'UTF8'))
      FROM tarbox._text_cut(convert_to(t, 'UTF8'), p_bits, 8, 16384) f,
           tarbox._text_cut(convert_to(t || repeat('x', 20000) || E'\n', 'UTF8'), p_bits, 8, 16384) s $$;
CREATE FUNCTION pg_temp.mixed(n int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(CASE WHEN g % 7 = 0 THEN E'\n' WHEN g % 11 = 0 THEN E'}\r\n' WHEN g % 13 = 0 THEN E'}\n}\n'
                           WHEN g % 17 = 0 THEN repeat('é', g % 900) || E'\r' ELSE format('x%s;', g * g % 977) || E'\n' END,
                      '' ORDER BY g)
      FROM generate_series(1, n) g $$;
SELECT ok(pg_temp.cut_agrees(pg_temp.src(5000), 6) AND pg_temp.cut_agrees(pg_temp.src(5000, 3), 10),
          'the chunker''s fast path cuts source-like text as its line loop does (6 and 10 bits)');
SELECT ok(pg_temp.cut_agrees(pg_temp.mixed(5000), 6) AND pg_temp.cut_agrees(pg_temp.mixed(20000), 10),
          '... and text with blank lines, runs of braces, CR, CRLF and multi-byte characters');
SELECT is((SELECT sum(x) FROM unnest((tarbox._text_cut(convert_to(pg_temp.mixed(5000), 'UTF8'), 6, 8, 16384)).lines) x),
          (SELECT count(*) FROM regexp_matches(pg_temp.mixed(5000), E'\r\n|\r|\n', 'g')),
          '... and counts every line once (CRLF as one line end)');

SELECT tenant_id AS a_id, role_name AS alice FROM tarbox.tenant_create('storage-a') \gset
SELECT tenant_id AS b_id, role_name AS bob FROM tarbox.tenant_create('storage-b') \gset

-- ---- Dedup within a tenant, never across tenants -----------------------------------------------
SET ROLE :"alice";
SELECT tarbox.write('/one.bin', '\x00'::bytea || convert_to(pg_temp.src(3000), 'UTF8')) AS w \gset
SELECT tarbox.write('/two.bin', '\x00'::bytea || convert_to(pg_temp.src(3000), 'UTF8')) AS w \gset
SELECT is((SELECT count(DISTINCT hash) FROM tarbox.blockmap), (SELECT count(*) FROM tarbox.block),
          'two binary files with the same content share every block');
SELECT is((SELECT count(*) FROM tarbox.blockmap), 2 * (SELECT count(*) FROM tarbox.block),
          '... each file maps each of them once');
SELECT tarbox.write('/t1.txt', pg_temp.src(2000)) AS w \gset
SELECT tarbox.write('/t2.txt', pg_temp.src(2000)) AS w \gset
SELECT is((SELECT count(*) FROM tarbox.chunkmap WHERE ino = pg_temp.ino('/t1.txt')),
          (SELECT count(*) FROM tarbox.chunkmap WHERE ino = pg_temp.ino('/t2.txt')),
          'two text files with the same content have the same chunks');
SELECT is((SELECT count(DISTINCT hash) FROM tarbox.chunkmap), (SELECT count(*) FROM tarbox.chunkmap WHERE ino = pg_temp.ino('/t1.txt')),
          '... stored once');
SELECT ok((SELECT count(*) FROM tarbox.chunkmap WHERE ino = pg_temp.ino('/t1.txt')) > 20,
          'a 2000-line text is cut into many chunks');
SELECT ok((SELECT max(nbytes) FROM tarbox.chunkmap) <= 16384, 'no chunk is longer than 16 KiB');
SELECT tarbox.write('/same-as-bob', 'content bob stores too'::bytea) AS w \gset
SET ROLE :"bob";
SELECT tarbox.write('/bobs', 'content bob stores too'::bytea) AS w \gset
RESET ROLE;
SELECT is((SELECT count(*) FROM tarbox.block WHERE hash = sha256('content bob stores too'::bytea)), 2::bigint,
          'the same content in two tenants is stored twice: each pays for its own copy');
SET ROLE :"bob";
SELECT is((SELECT unique_bytes FROM tarbox.usage()), 22::bigint,
          'bob''s usage counts only his own 22 bytes');
SELECT is((SELECT dedup_ratio FROM tarbox.usage()), 1.000, 'bob''s dedup ratio does not depend on alice''s copy');
SELECT throws_ok($$SELECT * FROM tarbox.usage('storage-a')$$, 'TX013', NULL, 'a tenant cannot read another tenant''s usage');
SELECT throws_ok($$SELECT * FROM tarbox.usage('no-such-tenant')$$, 'TX013', NULL,
                 '... and the answer for a tenant that does not exist is the same (no existence probe)');
SELECT throws_ok($$SELECT * FROM tarbox.gc('storage-a')$$, 'TX013', NULL, 'a tenant cannot collect another tenant''s garbage');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_usage('storage-a')$$, '42501', NULL, 'tenant_usage is for administrators');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_quota('storage-b', 1)$$, '42501', NULL, 'a tenant cannot set its own quota');
RESET ROLE;

-- ---- Text round trips: exact bytes, text or binary as the content says -------------------------
CREATE TEMP TABLE rt (name text, content bytea, is_text boolean);
INSERT INTO rt VALUES
    ('lf', convert_to(E'a\nb\nc\n', 'UTF8'), true),
    ('crlf', convert_to(E'a\r\nb\r\nc\r\n', 'UTF8'), true),
    ('cr', convert_to(E'a\rb\rc\r', 'UTF8'), true),
    ('mixed', convert_to(E'a\r\nb\nc\rd\n\r\n\n', 'UTF8'), true),
    ('no-final-newline', convert_to(E'a\nb\nlast line', 'UTF8'), true),
    ('only-newlines', convert_to(repeat(E'\n', 5000), 'UTF8'), true),
    ('bom', '\xefbbbf'::bytea || convert_to(E'hello\nwörld\n', 'UTF8'), true),
    ('cr-then-lf-at-chunk-end', convert_to(pg_temp.src(300), 'UTF8') || '\x0d'::bytea, true),
    ('nul', convert_to(E'a\nb', 'UTF8') || '\x00'::bytea || convert_to(E'c\n', 'UTF8'), false),
    ('invalid-utf8', convert_to(E'a\n', 'UTF8') || '\xc328ff'::bytea || convert_to(E'\n', 'UTF8'), false),
    ('surrogate', '\xeda080'::bytea, false),
    ('long-line', convert_to(repeat('é', 30000) || E'\nend\n', 'UTF8'), true);
GRANT SELECT ON rt TO :"alice";
SET ROLE :"alice";
SELECT tarbox.write('/rt-' || name, content) FROM rt;
SELECT is_empty($$SELECT name FROM rt WHERE tarbox.read('/rt-' || name) <> content$$,
                'every text and binary round-trips byte for byte through tarbox.write/read');
SELECT is_empty($$SELECT name FROM rt WHERE ((SELECT text_bytes FROM tarbox.inode i WHERE i.ino = pg_temp.ino('/rt-' || name)
                                              AND i.died = 2147483647) = octet_length(content)) <> is_text$$,
                'LF, CRLF, CR, mixed, no final newline, only newlines, BOM and long lines are stored as text; NUL, invalid UTF-8 and surrogates as binary');
SELECT is_empty($$SELECT name FROM rt WHERE is_text AND
                  (SELECT string_agg(b.data, ''::bytea ORDER BY k.pos) FROM tarbox.chunkmap k JOIN tarbox.block b USING (tenant_id, hash)
                    WHERE k.ino = pg_temp.ino('/rt-' || name) AND k.died = 2147483647) IS DISTINCT FROM content$$,
                'the chunks of each text file concatenate to its bytes');
SELECT is((SELECT count(*) FROM tarbox.chunkmap WHERE ino = pg_temp.ino('/rt-long-line')), 5::bigint,
          'a 60,000-byte line is cut into 16 KiB chunks at character boundaries (and the last line)');
SELECT ok((SELECT bool_and(convert_from(b.data, 'UTF8') IS NOT NULL) FROM tarbox.chunkmap k JOIN tarbox.block b USING (tenant_id, hash)
            WHERE k.ino = pg_temp.ino('/rt-long-line')), 'every chunk of the long line is valid UTF-8 on its own');
SELECT is(tarbox.read('/rt-long-line', 16383, 4), substring(convert_to(repeat('é', 30000), 'UTF8') FROM 16384 FOR 4),
          'a read across a chunk boundary');
SELECT is(tarbox.fs_read(pg_temp.ino('/rt-mixed'), 3, 4), substring(convert_to(E'a\r\nb\nc\rd\n\r\n\n', 'UTF8') FROM 4 FOR 4),
          'fs_read at an offset inside a text file');
SELECT is(tarbox.write('/rt-empty', ''::bytea), 0::bigint, 'an empty file');
SELECT is((SELECT row(size, blocks)::text FROM tarbox.stat('/rt-empty')), '(0,0)', 'an empty file stores nothing');

-- ---- Transitions text <-> binary ---------------------------------------------------------------
SELECT tarbox.write('/flip', pg_temp.src(500)) AS w \gset
SELECT pg_temp.ino('/flip') AS flip \gset
SELECT is((SELECT text_bytes FROM tarbox.inode WHERE ino = :flip AND died = 2147483647), (SELECT size FROM tarbox.inode WHERE ino = :flip AND died = 2147483647),
          'a text file is all text');
SELECT tarbox.append('/flip', '\x00'::bytea) AS w \gset
SELECT is((SELECT row(text_bytes, (SELECT count(*) FROM tarbox.chunkmap k WHERE k.ino = :flip AND k.died = 2147483647))::text
             FROM tarbox.inode WHERE ino = :flip AND died = 2147483647), '(0,0)',
          'appending a NUL byte makes it binary: no chunk is mapped any more');
SELECT is(tarbox.read('/flip'), convert_to(pg_temp.src(500), 'UTF8') || '\x00'::bytea, '... with the same bytes');
SELECT tarbox.truncate('/flip', octet_length(convert_to(pg_temp.src(500), 'UTF8'))) AS w \gset
SELECT is((SELECT text_bytes FROM tarbox.inode WHERE ino = :flip AND died = 2147483647), octet_length(convert_to(pg_temp.src(500), 'UTF8'))::bigint,
          'cutting the NUL off makes it text again');
SELECT is(tarbox.read('/flip'), convert_to(pg_temp.src(500), 'UTF8'), '... with the same bytes');
SELECT tarbox.write('/flip', 'X'::bytea, 100) AS w \gset
SELECT is(tarbox.read('/flip'), overlay(convert_to(pg_temp.src(500), 'UTF8') PLACING 'X'::bytea FROM 101), 'a write inside the text part');
SELECT is((SELECT text_bytes FROM tarbox.inode WHERE ino = :flip AND died = 2147483647), octet_length(convert_to(pg_temp.src(500), 'UTF8'))::bigint,
          '... is stored as text again');

-- ---- Thresholds per tenant ---------------------------------------------------------------------
RESET ROLE;
SELECT is((SELECT row(text_max_bytes, text_max_lines)::text FROM tarbox.tenant_text_limits('storage-a')), '(10485760,100000)',
          'the default thresholds are 10 MiB and 100,000 lines');
SELECT is((SELECT row(text_max_bytes, text_max_lines)::text FROM tarbox.tenant_text_limits('storage-a', 4000, 50)), '(4000,50)',
          'thresholds can be set per tenant');
SET ROLE :"alice";
SELECT tarbox.write('/small', pg_temp.src(40)) AS w \gset
SELECT tarbox.write('/many-lines', repeat(E'x\n', 60)) AS w \gset
SELECT tarbox.write('/big', pg_temp.src(200)) AS w \gset
SELECT is((SELECT array_agg(text_bytes > 0 ORDER BY ino) FROM tarbox.inode
            WHERE died = 2147483647 AND ino IN (pg_temp.ino('/small'), pg_temp.ino('/many-lines'), pg_temp.ino('/big'))),
          ARRAY[true, false, false], 'a file over the line or byte threshold is stored as binary');
SELECT tarbox.truncate('/big', 1000) AS w \gset
SELECT ok((SELECT text_bytes = 1000 FROM tarbox.inode WHERE died = 2147483647 AND ino = pg_temp.ino('/big')),
          'back under the thresholds it is text again');
RESET ROLE;
SELECT * FROM tarbox.tenant_text_limits('storage-a', 10485760, 100000) \gset
SET ROLE :"alice";

-- ---- What an edit costs: one chunk and one or two map rows per layer ---------------------------
SELECT tarbox.write('/big.py', pg_temp.src(10000)) AS w \gset
SELECT pg_temp.ino('/big.py') AS big \gset
SELECT count(*) AS chunks0 FROM tarbox.chunkmap WHERE ino = :big \gset
SELECT pg_temp.blocks_of(:a_id) AS blocks0 \gset
SELECT * FROM tarbox.layer_new('edit-in-place') \gset
SELECT tarbox.write('/big.py', pg_temp.unlines((pg_temp.lines(pg_temp.src(10000)))[1:4999] || ARRAY['    changed = 1']
                                               || (pg_temp.lines(pg_temp.src(10000)))[5001:10000])) AS w \gset
SELECT ok((SELECT count(*) FROM tarbox.chunkmap WHERE ino = :big AND born = 2) BETWEEN 1 AND 2,
          'changing one line in a new layer maps one or two new chunks');
SELECT ok((SELECT count(*) FROM tarbox.chunkmap WHERE ino = :big AND died = 2) BETWEEN 1 AND 2,
          '... and ends one or two old mappings: the other chunk rows are shared with layer 1');
SELECT ok(pg_temp.blocks_of(:a_id) - :blocks0 BETWEEN 1 AND 2, '... and stores one or two new chunks');
SELECT * FROM tarbox.layer_new('insert-line') \gset
SELECT tarbox.write('/big.py', pg_temp.unlines((pg_temp.lines(pg_temp.src(10000)))[1:2999] || ARRAY['    inserted = 2']
                                               || (pg_temp.lines(pg_temp.src(10000)))[3000:4999] || ARRAY['    changed = 1']
                                               || (pg_temp.lines(pg_temp.src(10000)))[5001:10000])) AS w \gset
SELECT ok((SELECT count(*) FROM tarbox.chunkmap WHERE ino = :big AND born = 3) BETWEEN 1 AND 2,
          'inserting a line maps one or two new chunks (later chunks keep their positions)');
SELECT ok((SELECT count(*) FROM tarbox.chunkmap WHERE ino = :big AND died = 3) BETWEEN 1 AND 2, '... and ends one or two');
SELECT is(tarbox.read_text('/big.py'), pg_temp.unlines((pg_temp.lines(pg_temp.src(10000)))[1:2999] || ARRAY['    inserted = 2']
                                               || (pg_temp.lines(pg_temp.src(10000)))[3000:4999] || ARRAY['    changed = 1']
                                               || (pg_temp.lines(pg_temp.src(10000)))[5001:10000]), 'the new version reads back');
SELECT is(tarbox.read_text('/big.py', 'base'), pg_temp.src(10000), 'the first version reads back as of its layer');
SELECT is((SELECT row(lines_added, lines_deleted)::text FROM tarbox.diff('edit-in-place', 'insert-line')), '(1,0)',
          'diff counts the inserted line');
SELECT is((SELECT row(lines_added, lines_deleted)::text FROM tarbox.diff('base', 'insert-line')), '(2,1)',
          'diff over two layers: one line changed, one inserted');

-- ---- The write path: appends, line statistics at release, no garbage from small writes ---------
SELECT tarbox.write('/log', pg_temp.src(3000)) AS w \gset
SELECT pg_temp.ino('/log') AS log \gset
SELECT tarbox.fs_write(:log, 0, convert_to(E'one more line\n', 'UTF8'), true) AS w \gset
SELECT is((SELECT row(size - text_bytes)::text FROM tarbox.inode WHERE ino = :log AND died = 2147483647), '(14)',
          'an append goes to the block part (the write path does not re-chunk)');
SELECT is(tarbox.fs_release(:log), ARRAY[1, 0], 'fs_release re-chunks the appended bytes: 1 line added, 0 deleted');
SELECT is((SELECT text_bytes = size FROM tarbox.inode WHERE ino = :log AND died = 2147483647), true, '... and the file is all text again');
SELECT is(tarbox.fs_release(:log), NULL, 'a second release has nothing to do');
SELECT is(tarbox.read_text('/log'), pg_temp.src(3000) || E'one more line\n', 'the appended line reads back');
SELECT tarbox.write('/small-writes', ''::bytea) AS w \gset
SELECT pg_temp.ino('/small-writes') AS sw \gset
SELECT pg_temp.blocks_of(:a_id) AS blocks1 \gset
SELECT count(tarbox.fs_write(:sw, g * 1000, convert_to(rpad(g::text, 999, '.') || E'\n', 'UTF8'))) FROM generate_series(0, 199) g;
SELECT is((SELECT row(text_bytes, size)::text FROM tarbox.inode WHERE ino = :sw AND died = 2147483647), '(1000,200000)',
          'the first write to the empty file is stored as text at once, the appends after it in the block part');
SELECT is(pg_temp.blocks_of(:a_id) - :blocks1, 5::bigint,
          '200 writes of 1000 bytes leave 1 chunk and 4 blocks (199,000 bytes), not one per write: replaced versions are released at once');
SELECT tarbox.fs_release(:sw) AS w \gset
SELECT is((SELECT stored FROM tarbox.inode WHERE ino = :sw AND died = 2147483647), 200000::bigint, 'stored counts the 200,000 bytes once');
SELECT is((SELECT count(*) FROM tarbox.fsck() WHERE check_name = 'garbage'), 0::bigint, 'and no block is garbage');
-- O_TRUNC and the same content again through FUSE in a new layer: the first write to the
-- emptied file brings the chunks of the layer before back instead of mapping new ones
SELECT tarbox.write('/again.py', pg_temp.src(2000)) AS w \gset
SELECT pg_temp.ino('/again.py') AS again \gset
SELECT * FROM tarbox.layer_new('rewrite-through-fuse') \gset
SELECT (tarbox.fs_setattr(:again, NULL, NULL, NULL, 0, NULL, NULL)).size AS w \gset
SELECT tarbox.fs_write(:again, 0, convert_to(pg_temp.src(2000), 'UTF8')) AS w \gset
SELECT is((SELECT row(count(*) FILTER (WHERE k.born = l.layer_id), count(*) > 1)::text
             FROM tarbox.chunkmap k, tarbox.layer l
            WHERE k.ino = :again AND k.died = 2147483647 AND l.name = 'rewrite-through-fuse'),
          '(0,t)', 'truncated and written again with the same text: every chunk row of the layer before is live again, none new');
SELECT is(tarbox.read_text('/again.py'), pg_temp.src(2000), '... and the file reads back');
-- one line of 1 MiB and more of it later: the 16 KiB piece that ended the line then is the
-- same bytes as a piece inside it now, with another line count (0 instead of 1)
SELECT (tarbox.fs_create(1, 'long-line'::bytea, 420, 0, 0)).ino AS ll \gset
SELECT tarbox.fs_write(:ll, 0, convert_to(repeat('w', 1048576), 'UTF8')) AS w \gset
SELECT tarbox.fs_write(:ll, 1048576, convert_to(repeat('w', 100000), 'UTF8')) AS w \gset
SELECT tarbox.fs_release(:ll) AS w \gset
SELECT is((SELECT row(i.text_bytes, i.text_lines, (SELECT sum(k.nlines) FROM tarbox.chunkmap k
                                                    WHERE k.ino = :ll AND k.died = 2147483647))::text
             FROM tarbox.inode i WHERE i.ino = :ll AND i.died = 2147483647), '(1148576,1,1)',
          'a chunk whose bytes are unchanged but whose line count is not is replaced: one line, in the inode and in the chunks');

-- ---- Holes store nothing; st_blocks counts what is stored ---------------------------------------
SELECT tarbox.write('/sparse', ''::bytea) AS w \gset
SELECT tarbox.truncate('/sparse', 1073741824) AS w \gset
SELECT is((SELECT row(size, blocks)::text FROM tarbox.stat('/sparse')), '(1073741824,0)',
          'a 1 GiB file made by truncate stores nothing: st_blocks 0');
SELECT tarbox.write('/sparse', '\x0102'::bytea, 524288000) AS w \gset
SELECT is((SELECT row(size, blocks)::text FROM tarbox.stat('/sparse')), '(1073741824,1)', 'two bytes written in the middle: one 512-byte unit');
SELECT tarbox.write('/sparse', decode(repeat('00', 65536), 'hex'), 655360) AS w \gset
SELECT is((SELECT blocks FROM tarbox.stat('/sparse')), 1::bigint, 'a block of zeros written explicitly is stored as a hole');
SELECT is(tarbox.read('/sparse', 524287999, 4), '\x00010200'::bytea, 'the bytes around it read back');
SELECT is(tarbox.read('/sparse', 523988000, 1048576),
          decode(repeat('00', 300000), 'hex') || '\x0102'::bytea || decode(repeat('00', 748574), 'hex'),
          'a 1 MiB read over holes and one stored block (the range query of tarbox._blocks_read) reads back');

-- ---- Quotas: EDQUOT, and nothing changed --------------------------------------------------------
RESET ROLE;
SELECT is((SELECT row(quota_bytes, quota_inodes, quota_layers)::text FROM tarbox.tenant_quota('storage-b', 100000, 10, 2)),
          '(100000,10,2)', 'quotas are set by an administrator');
SET ROLE :"bob";
SELECT is((SELECT row(blocks * frsize, (blocks - bfree) * frsize, files, files - ffree)::text FROM tarbox.fs_statfs()),
          '(98304,0,10,2)', 'statfs reports the quota as the size and the usage as used (in fragments) and inodes');
SELECT throws_ok($$SELECT tarbox.write('/too-big', '\x00'::bytea || convert_to(pg_temp.src(3000), 'UTF8'))$$, 'TX122', NULL,
                 'a write over the byte quota fails with EDQUOT');
SELECT is((SELECT count(*) FROM tarbox.inode WHERE died = 2147483647), 2::bigint, '... and creates nothing (the file is not there)');
SELECT is((SELECT used_bytes FROM tarbox.usage()), 22::bigint, '... and stores nothing');
SELECT lives_ok($$SELECT tarbox.write('/fits', convert_to(pg_temp.src(500), 'UTF8'))$$, 'a write within the quota works');
SELECT lives_ok($$SELECT tarbox.write('/fits', convert_to(pg_temp.src(500), 'UTF8'))$$, 'rewriting the same content stores nothing new');
SELECT lives_ok($$SELECT tarbox.mkdir('/d' || g) FROM generate_series(1, 7) g$$, 'inodes up to the quota');
SELECT throws_ok($$SELECT tarbox.mkdir('/d8')$$, 'TX122', NULL, 'one inode more fails with EDQUOT');
SELECT tarbox.rmdir('/d7') AS w \gset
SELECT lives_ok($$SELECT tarbox.mkdir('/d8')$$, 'after a removal there is room again');
SELECT lives_ok($$SELECT * FROM tarbox.layer_new('second')$$, 'a second layer fits the layer quota of 2');
SELECT throws_ok($$SELECT * FROM tarbox.layer_new('third')$$, 'TX122', NULL, 'a third fails with EDQUOT');
SELECT is((SELECT count(*) FROM tarbox.layer), 2::bigint, '... and no layer was created');
RESET ROLE;
SELECT * FROM tarbox.tenant_quota('storage-b', 0, 0, 0) \gset
SELECT is((SELECT row(quota_bytes, quota_inodes, quota_layers)::text FROM tarbox.tenant WHERE name = 'storage-b'), '(,,)',
          '0 removes a quota');

-- ---- Garbage: deleting and dropping free unshared blocks at once; gc takes the rest -------------
SET ROLE :"alice";
SELECT tarbox.write('/three.bin', '\x00'::bytea || convert_to(pg_temp.src(3000, 5), 'UTF8')) AS w \gset
SELECT tarbox.write('/four.bin', '\x00'::bytea || convert_to(pg_temp.src(3000, 5), 'UTF8')) AS w \gset
SELECT pg_temp.blocks_of(:a_id) AS before_rm \gset
SELECT tarbox.rm('/three.bin') AS w \gset
SELECT is(pg_temp.blocks_of(:a_id), :before_rm::bigint, 'removing a file whose blocks another file shares frees nothing');
SELECT tarbox.rm('/four.bin') AS w \gset
SELECT is(pg_temp.blocks_of(:a_id), (:before_rm - 3)::bigint, '... removing the last one (made in this layer) frees its 3 blocks at once');
SELECT tarbox.rm('/one.bin') AS w \gset
SELECT tarbox.rm('/two.bin') AS w \gset
SELECT is(pg_temp.blocks_of(:a_id), (:before_rm - 3)::bigint, 'removing files an earlier layer holds frees nothing: the layer still reads them');
SELECT tarbox.write('/discard-me', '\x00'::bytea || convert_to(pg_temp.src(4000, 99), 'UTF8')) AS w \gset
SELECT * FROM tarbox.layer_new('to-discard') \gset
SELECT tarbox.write('/discard-me2', '\x00'::bytea || convert_to(pg_temp.src(4000, 98), 'UTF8')) AS w \gset
SELECT pg_temp.blocks_of(:a_id) AS before_drop \gset
SELECT * FROM tarbox.layer_drop('current', true) \gset
SELECT ok(pg_temp.blocks_of(:a_id) < :before_drop, 'dropping the newest layer frees the blocks only it referenced');
SELECT is((SELECT count(*) FROM tarbox.fsck() WHERE check_name = 'garbage'), 0::bigint, '... so no garbage is left');
RESET ROLE;
INSERT INTO tarbox.block (tenant_id, hash, data) VALUES (:a_id, sha256('orphan'::bytea), 'orphan'::bytea);
UPDATE tarbox.usage_delta SET bytes = bytes + 6 WHERE tenant_id = :a_id AND stripe = (SELECT min(stripe) FROM tarbox.usage_delta WHERE tenant_id = :a_id);
SET ROLE :"alice";
SELECT is((SELECT count(*) FROM tarbox.fsck() WHERE check_name = 'garbage'), 1::bigint, 'fsck reports an unreferenced block as garbage');
SELECT is((SELECT garbage_bytes FROM tarbox.usage()), 6::bigint, 'usage shows the garbage bytes');
SELECT is((SELECT row(blocks_freed, bytes_freed)::text FROM tarbox.gc()), '(1,6)', 'gc frees it and says what it freed');
SELECT is_empty($$SELECT * FROM tarbox.fsck(true)$$, 'after gc the deep fsck is clean');
RESET ROLE;
SELECT is((SELECT count(*) FROM tarbox.tenant_gc()), (SELECT count(*) FROM tarbox.tenant), 'tenant_gc without a name collects every tenant');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_gc('nobody-here')$$, 'TX002', NULL, 'tenant_gc of an unknown tenant -> ENOENT');

-- ---- fsck finds what is wrong -------------------------------------------------------------------
UPDATE tarbox.block SET data = 'tampered'::bytea
 WHERE tenant_id = :a_id AND hash = (SELECT hash FROM tarbox.chunkmap WHERE tenant_id = :a_id AND ino = :log AND died = 2147483647 ORDER BY pos LIMIT 1);
SET ROLE :"alice";
SELECT ok((SELECT count(*) FROM tarbox.fsck() WHERE check_name = 'chunk_size') >= 1,
          'fsck: a chunk whose block does not have its length');
SELECT ok((SELECT count(*) FROM tarbox.fsck() WHERE check_name = 'usage') = 1, 'fsck: usage counters that disagree with the blocks');
SELECT is((SELECT count(*) FROM tarbox.fsck() WHERE check_name = 'block_hash'), 0::bigint, 'the block hash is checked only by the deep fsck');
SELECT is((SELECT count(*) FROM tarbox.fsck(true) WHERE check_name = 'block_hash'), 1::bigint, 'fsck(true) re-hashes every block');
RESET ROLE;
UPDATE tarbox.inode SET text_lines = text_lines + 1, stored = stored + 1 WHERE tenant_id = :a_id AND ino = :big AND died = 2147483647;
SET ROLE :"alice";
SELECT is((SELECT count(*) FROM tarbox.fsck() WHERE check_name = 'text_size' AND ino = :big), 1::bigint,
          'fsck: a text part whose recorded lines or stored bytes differ from its chunks');
SELECT is((SELECT count(*) FROM tarbox.fsck(true) WHERE check_name = 'text_size' AND ino = :big), 1::bigint,
          '... historical versions reassemble (only the live one was tampered with)');
RESET ROLE;

-- ---- tarbox._import_pieces cuts with the tarbox._text_cut defined now ---------------------------
SELECT is((tarbox._import_pieces(ARRAY[convert_to(pg_temp.src(200), 'UTF8')], NULL, 10485760, 100000,
                                 tarbox._text_params())).nlines,
          (tarbox._text_cut(convert_to(pg_temp.src(200), 'UTF8'), 6, 8, 16384)).lines,
          'the bulk import cuts a text as tarbox._text_cut does');
CREATE OR REPLACE FUNCTION tarbox._text_cut(p_data bytea, p_bits int, p_min_lines int, p_max_bytes int,
                                            OUT ends int[], OUT lines int[])
LANGUAGE plpython3u IMMUTABLE STRICT
AS $f$
def cut(data, bits, min_lines, max_bytes):
    ends, o = [], 0
    for line in data.splitlines(True):
        o += len(line)
        ends.append(o)
    return ends, [1] * len(ends)
GD['tarbox._text_cut'] = cut
return cut(p_data, p_bits, p_min_lines, p_max_bytes)
$f$;
SELECT is(cardinality((tarbox._import_pieces(ARRAY[convert_to(pg_temp.src(200), 'UTF8')], NULL, 10485760, 100000,
                                             tarbox._text_params())).nlines), 200,
          '... also when that function was replaced in the running session (here: a chunk per line)');

SELECT * FROM finish();
ROLLBACK;
