-- Large-file transfers in compositions (issue 15): a download URL of a file in a composition
-- reads what the mount shows; an upload session into a read-only composition is EROFS at its
-- start, and into a copy-on-write one its completion places the file in the caller's copy of
-- the directory (copied up; replacing a publisher's file of that name, hiding it, or taking
-- the place of a whiteout), as the mount's rename over it does. The publisher is unchanged.
BEGIN;
SELECT plan(22);

SELECT role_name AS alice FROM tarbox.tenant_create('lc_alice') \gset
SELECT role_name AS bob FROM tarbox.tenant_create('lc_bob') \gset
SELECT token FROM tarbox.tenant_token_create('lc_bob', 'tap') \gset
SET CONSTRAINTS tarbox.block_drop_at_commit IMMEDIATE;
-- one whole upload session, as a client makes it (start, one chunk, its PUT, complete)
CREATE FUNCTION pg_temp.upload(p_token text, p_path bytea, p_data bytea) RETURNS tarbox.entry
LANGUAGE plpgsql AS $$
DECLARE
    v_sha text := encode(sha256(p_data), 'hex');
    v_sid bigint;
    v_secret text;
BEGIN
    SELECT session_id INTO v_sid FROM tarbox.remote_upload_start(p_token, p_path, length(p_data), v_sha);
    SELECT secret INTO v_secret FROM tarbox.remote_upload_chunks(p_token, v_sid, jsonb_build_array(jsonb_build_object(
        'chunkIndex', 0, 'offsetBytes', 0, 'sizeBytes', length(p_data), 'chunkSha256', v_sha)));
    PERFORM tarbox.remote_upload_write(v_secret, 0, 0, p_data, true);
    RETURN tarbox.remote_upload_complete(p_token, v_sid, p_path, length(p_data), v_sha, 1);
END $$;

SET ROLE :"alice";
SELECT tarbox.mkdir('/src');
SELECT tarbox.write('/src/a.txt', 'alpha');
SELECT tarbox.write('/src/gone.txt', 'removed by bob');
SELECT tarbox.layer_new('v1');
RESET ROLE;
SELECT tarbox.publish('lc_alice', '1', 'lcimg', ARRAY['lc_bob']) IS NOT NULL;
SELECT tarbox.compose_add('lc_bob', '/mnt/ro', 'published:lcimg', 'ro') AS k_ro \gset
SELECT tarbox.compose_add('lc_bob', '/mnt/cow', 'published:lcimg', 'cow') AS k_cow \gset

SET ROLE :"bob";
SELECT count(*) FROM tarbox.compose_prepare();
SELECT encode(sha256('\x6f6d656761'::bytea), 'hex') AS omega_sha \gset

-- ---- download URLs ---------------------------------------------------------------------------
SELECT * FROM tarbox.remote_download_url(:'token', '/mnt/ro/src/a.txt') \gset d_
SELECT is(:d_size::bigint, 5::bigint, 'a download URL of a file in a read-only composition: its size');
SELECT ok(:'d_etag' LIKE 'k%', 'its etag is the composition''s (k<composition>:...)');
SELECT is((tarbox.remote_download_read(:'d_secret')).data, '\x616c706861'::bytea, 'and it reads the publisher''s bytes');
SELECT is((tarbox.remote_download_read(:'d_secret', 1, 3)).data, '\x6c7068'::bytea, 'a range of them');
SELECT throws_ok(format($$SELECT * FROM tarbox.remote_download_url(%L, '/mnt/ro/src')$$, :'token'), 'TX021', NULL,
                 'a directory there -> EISDIR');

-- ---- upload sessions -------------------------------------------------------------------------
SELECT throws_ok(format($$SELECT * FROM tarbox.remote_upload_start(%L, '/mnt/ro/src/new.txt', 5, %L)$$, :'token', :'omega_sha'),
                 'TX030', NULL, 'an upload into a read-only composition -> EROFS at the start');
SELECT throws_ok(format($$SELECT * FROM tarbox.remote_upload_start(%L, '/mnt/ro/src/a.txt', 5, %L)$$, :'token', :'omega_sha'),
                 'TX030', NULL, 'also over a file there');
SELECT throws_ok(format($$SELECT * FROM tarbox.remote_upload_start(%L, '/mnt/cow/src', 5, %L)$$, :'token', :'omega_sha'),
                 'TX021', NULL, 'over a directory of a composition -> EISDIR');
SELECT throws_ok(format($$SELECT * FROM tarbox.remote_upload_start(%L, '/mnt/cow', 5, %L)$$, :'token', :'omega_sha'),
                 'TX021', NULL, 'over the mount point -> EISDIR');
SELECT throws_ok(format($$SELECT * FROM tarbox.remote_upload_start(%L, '/mnt/cow/nodir/x', 5, %L)$$, :'token', :'omega_sha'),
                 'TX002', NULL, 'into a directory the composition does not have -> ENOENT');
SELECT count(*) AS inodes_before FROM tarbox.inode \gset


SELECT is((pg_temp.upload(:'token', '/mnt/cow/src/a.txt', '\x6f6d656761')).size, 5::bigint,
          'an upload over a publisher''s file of a copy-on-write composition completes');
SELECT is(tarbox.read('/mnt/cow/src/a.txt'), '\x6f6d656761'::bytea, 'the composition shows the uploaded file');
SELECT is((tarbox.stat('/mnt/cow/src/a.txt')).ino, (tarbox.remote_stat('/mnt/cow/src/a.txt')).ino,
          'with one number, the mount''s');
SELECT is(tarbox.read('/mnt/ro/src/a.txt'), '\x616c706861'::bytea, 'the read-only composition still shows the publisher''s');
SELECT is((pg_temp.upload(:'token', '/mnt/cow/src/new.bin', '\x00ff00')).size, 3::bigint, 'a new file');
SELECT is(tarbox.read('/mnt/cow/src/new.bin'), '\x00ff00'::bytea, 'reads back');
SELECT tarbox.rm('/mnt/cow/src/gone.txt');
SELECT is((pg_temp.upload(:'token', '/mnt/cow/src/gone.txt', '\x6261636b')).size, 4::bigint,
          'an upload where a whiteout hides the publisher''s file');
SELECT is((SELECT array_agg(name ORDER BY name) FROM tarbox.ls('/mnt/cow/src')), ARRAY['a.txt', 'gone.txt', 'new.bin'],
          'the merged directory lists each name once');
SELECT is(tarbox.read('/mnt/cow/src/gone.txt'), '\x6261636b'::bytea, 'and shows the uploaded file');
SELECT is((SELECT count(*)::int FROM tarbox.fsck() WHERE check_name <> 'garbage'), 0, 'fsck clean for bob');
SET ROLE :"alice";
SELECT is((SELECT array_agg(tarbox.read_text('/src/' || name) ORDER BY name) FROM tarbox.ls('/src')),
          ARRAY['alpha', 'removed by bob'], 'the publisher''s files are unchanged');
SELECT is((SELECT count(*)::int FROM tarbox.fsck() WHERE check_name <> 'garbage'), 0, 'fsck clean for alice');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
