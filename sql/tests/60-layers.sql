-- Layers: visibility of every kind of change across several layers (namespace, attributes,
-- data, symlinks, xattrs), read-only history (EROFS), switching back and forth, a new layer on a
-- historical one only with confirmation, dropping layers, tags, diffs and history.
BEGIN;
SELECT plan(60);

SELECT role_name AS t FROM tarbox.tenant_create('layers') \gset
SET ROLE :"t";

-- Layer 1 (base): the starting tree.
SELECT tarbox.mkdir('/d');
SELECT tarbox.write('/d/keep.txt', E'same\n');
SELECT tarbox.write('/d/edit.txt', E'one\ntwo\n');
SELECT tarbox.write('/d/gone.txt', E'bye\n');
SELECT tarbox.write('/d/big.bin', decode(repeat('ab', 100000), 'hex'));
SELECT tarbox.ln('keep.txt', '/d/link', true);
SELECT tarbox.setxattr('/d/keep.txt', 'user.tag', 'v0');
SELECT tarbox.chmod('/d/keep.txt', 384);

SELECT results_eq($$ SELECT layer_id, name, is_current, is_head FROM tarbox.layer_list() $$,
                  $$ VALUES (1, 'base'::text, true, true) $$, 'a new tenant has one layer, base, current and newest');

-- Checkpoint: layer 2 (v1) opens on top of base.
SELECT results_eq($$ SELECT layer_id, name, discarded FROM tarbox.layer_new('v1', 'first change set') $$,
                  $$ VALUES (2, 'v1'::text, 0) $$, 'layer_new opens layer 2');
SELECT is((SELECT layer_id FROM tarbox.layer_current()), 2, 'the new layer is current');

-- Every kind of change in v1.
SELECT tarbox.write('/d/edit.txt', E'one\n2\ntwo\n');
SELECT tarbox.rm('/d/gone.txt');
SELECT tarbox.write('/d/new.txt', E'fresh\n');
SELECT tarbox.write('/d/big.bin', '\xffff'::bytea, 70000);
SELECT tarbox.mv('/d/link', '/d/link2');
SELECT tarbox.setxattr('/d/keep.txt', 'user.tag', 'v1');
SELECT tarbox.chmod('/d/keep.txt', 420);
SELECT tarbox.mkdir('/e');

-- The current layer sees the changes ...
SELECT is(tarbox.read_text('/d/edit.txt'), E'one\n2\ntwo\n', 'v1: edited content');
SELECT throws_ok($$ SELECT tarbox.read('/d/gone.txt') $$, 'TX002', NULL, 'v1: removed file is gone');
SELECT is(tarbox.read('/d/big.bin', 69999, 4), '\xabffffab'::bytea, 'v1: block-level overwrite inside a large file');
SELECT is(tarbox.readlink('/d/link2'), 'keep.txt', 'v1: renamed symlink');
SELECT is(tarbox.getxattr('/d/keep.txt', 'user.tag'), '\x7631'::bytea, 'v1: xattr changed');
SELECT is((SELECT mode FROM tarbox.stat('/d/keep.txt')) & 4095, 420, 'v1: mode changed');

-- ... and base, read as of it, is exactly as it was.
SELECT is(tarbox.read_text('/d/edit.txt', 'base'), E'one\ntwo\n', 'base: old content');
SELECT is(tarbox.read_text('/d/gone.txt', 'base'), E'bye\n', 'base: removed file still there');
SELECT throws_ok($$ SELECT tarbox.read('/d/new.txt', 0, NULL, 'base') $$, 'TX002', NULL, 'base: new file absent');
SELECT is(tarbox.read('/d/big.bin', 69999, 4, 'base'), '\xabababab'::bytea, 'base: large file unchanged');
SELECT is(tarbox.readlink('/d/link', 'base'), 'keep.txt', 'base: symlink under its old name');
SELECT throws_ok($$ SELECT tarbox.readlink('/d/link2', 'base') $$, 'TX002', NULL, 'base: no renamed symlink');
SELECT is((SELECT mode FROM tarbox.stat('/d/keep.txt', true, 'base')) & 4095, 384, 'base: old mode');
SELECT is((SELECT count(*)::int FROM tarbox.ls('/', 'base')), 1, 'base: only /d at the root');
SELECT is((SELECT count(*)::int FROM tarbox.ls('/')), 2, 'v1: /d and /e at the root');
SELECT is((SELECT count(*)::int FROM tarbox.ls('/d', 'base')), 5, 'base: five entries in /d');

-- The inode API reads any layer by id.
SELECT is(tarbox.fs_read((SELECT ino FROM tarbox.stat('/d/edit.txt')), 0, 100, 1), convert_to(E'one\ntwo\n', 'UTF8'),
          'fs_read with p_layer = 1 reads base');
SELECT is((SELECT count(*)::int FROM tarbox.fs_readdir(1, 0, 100, 1)), 3, 'fs_readdir of the root at base: . .. d');

-- Diffs in both directions, and history.
SELECT results_eq($$ SELECT path, change FROM tarbox.diff('base', 'v1') $$,
                  $$ VALUES ('/d/big.bin'::text, 'M'::text), ('/d/edit.txt', 'M'), ('/d/gone.txt', 'D'), ('/d/keep.txt', 'M'),
                            ('/d/link', 'D'), ('/d/link2', 'A'), ('/d/new.txt', 'A'), ('/e', 'A') $$,
                  'diff base..v1 lists every change');
SELECT results_eq($$ SELECT path, change FROM tarbox.diff('v1', 'base', '/d/edit.txt') $$,
                  $$ VALUES ('/d/edit.txt'::text, 'M'::text) $$, 'diff restricted to a path');
SELECT results_eq($$ SELECT lines_added, lines_deleted, size_delta FROM tarbox.diff('base', 'v1') WHERE path = '/d/edit.txt' $$,
                  $$ VALUES (1, 0, 2::bigint) $$, 'line statistics of a text change');
SELECT results_eq($$ SELECT change FROM tarbox.diff('v1', 'base') WHERE path IN ('/d/new.txt', '/d/gone.txt') ORDER BY path $$,
                  $$ VALUES ('A'::text), ('D') $$, 'reverse diff swaps added and deleted');
SELECT is(tarbox.diff_text('/d/edit.txt', 'base', 'v1'),
          E'--- a/d/edit.txt\n+++ b/d/edit.txt\n@@ -1,2 +1,3 @@\n one\n+2\n two\n', 'unified diff');
SELECT results_eq($$ SELECT layer_id, change FROM tarbox.history('/d/edit.txt') $$,
                  $$ VALUES (1, 'A'::text), (2, 'M') $$, 'history of a file');

-- Checkpoint again: v2 changes more; then switch back and forth.
SELECT tarbox.layer_new('v2');
SELECT tarbox.write('/d/edit.txt', E'v2\n');
SELECT tarbox.rm('/e', true);
SELECT results_eq($$ SELECT layer_id, name, read_only FROM tarbox.layer_switch('base') $$,
                  $$ VALUES (1, 'base'::text, true) $$, 'switch to base');
SELECT is(tarbox.read_text('/d/edit.txt'), E'one\ntwo\n', 'after switching to base: base content');
SELECT is(tarbox.read_text('/d/gone.txt'), E'bye\n', 'after switching to base: removed file visible');

-- Historical layers are read-only: EROFS, and nothing changes.
SELECT throws_ok($$ SELECT tarbox.write('/d/edit.txt', 'x') $$, 'TX030', NULL, 'write to a historical layer: EROFS');
SELECT throws_ok($$ SELECT tarbox.mkdir('/x') $$, 'TX030', NULL, 'mkdir in a historical layer: EROFS');
SELECT throws_ok($$ SELECT tarbox.fs_unlink(1, '\x64'::bytea) $$, 'TX030', NULL, 'unlink in a historical layer: EROFS');
SELECT throws_ok($$ SELECT tarbox.fs_setattr(1, 448, NULL, NULL, NULL, NULL, NULL) $$, 'TX030', NULL, 'setattr in a historical layer: EROFS');
SELECT throws_ok($$ SELECT tarbox.fs_open((SELECT ino FROM tarbox.stat('/d/edit.txt')), 1) $$, 'TX030', NULL,
                 'open for writing in a historical layer: EROFS');
SELECT lives_ok($$ SELECT tarbox.fs_open((SELECT ino FROM tarbox.stat('/d/edit.txt')), 0) $$,
                'open read-only in a historical layer works');
SELECT is(tarbox.read_text('/d/edit.txt'), E'one\ntwo\n', 'the failed writes changed nothing');

SELECT results_eq($$ SELECT layer_id, name FROM tarbox.layer_switch('v2') $$, $$ VALUES (3, 'v2'::text) $$, 'switch forward to v2');
SELECT is(tarbox.read_text('/d/edit.txt'), E'v2\n', 'v2 content back');
SELECT is((SELECT count(*)::int FROM tarbox.layer_list()), 3, 'switching kept all layers');

-- A new layer on a historical one: refused without confirmation, then the future is discarded.
SELECT tarbox.layer_switch('v1');
SELECT throws_ok($$ SELECT tarbox.layer_new('fork') $$, 'TX016', NULL, 'new layer on history needs confirmation (EBUSY)');
SELECT is((SELECT count(*)::int FROM tarbox.layer_list()), 3, 'refused: nothing deleted');
SELECT results_eq($$ SELECT layer_id, name, discarded FROM tarbox.layer_new('fork', NULL, true) $$,
                  $$ VALUES (3, 'fork'::text, 1) $$, 'confirmed: v2 is deleted, fork is layer 3');
SELECT is(tarbox.read_text('/d/edit.txt'), E'one\n2\ntwo\n', 'fork starts from v1''s tree');
SELECT throws_ok($$ SELECT tarbox.layer_info('v2') $$, 'TX002', NULL, 'v2 no longer exists');
SELECT is_empty($$ SELECT * FROM tarbox.fsck() $$, 'fsck clean after discarding a layer');

-- Tags and names.
SELECT lives_ok($$ SELECT tarbox.layer_tag('v1', 'release-1') $$, 'tag a layer');
SELECT is((SELECT layer_id FROM tarbox.layer_info('release-1')), 2, 'a tag resolves to its layer');
SELECT throws_ok($$ SELECT tarbox.layer_tag('v1', 'fork') $$, 'TX017', NULL, 'a tag cannot take a layer''s name');
SELECT throws_ok($$ SELECT tarbox.layer_new('v1') $$, 'TX017', NULL, 'layer names are unique');
SELECT throws_ok($$ SELECT tarbox.layer_new('bad name') $$, 'TX022', NULL, 'bad layer name: EINVAL');
SELECT throws_ok($$ SELECT tarbox.layer_new('42') $$, 'TX022', NULL, 'all-digit layer name: EINVAL');

-- Dropping: a middle layer merges into the next; base cannot go; current only when confirmed.
SELECT tarbox.write('/d/fork.txt', 'f');
SELECT tarbox.layer_new('top');
SELECT lives_ok($$ SELECT tarbox.layer_drop('fork') $$, 'drop a middle layer');
SELECT is(tarbox.read_text('/d/fork.txt'), 'f', 'its changes live on in the next layer');
SELECT is(tarbox.read_text('/d/edit.txt', 'v1'), E'one\n2\ntwo\n', 'earlier layers unchanged');
SELECT throws_ok($$ SELECT tarbox.layer_drop('base') $$, 'TX001', NULL, 'the base layer cannot be dropped');
SELECT throws_ok($$ SELECT tarbox.layer_drop('top') $$, 'TX016', NULL, 'the current layer only by ''current'' with confirmation');
SELECT tarbox.write('/d/scratch.txt', 'tmp');
SELECT lives_ok($$ SELECT tarbox.layer_drop('current', true) $$, 'drop the current layer with confirmation');
SELECT is((SELECT name FROM tarbox.layer_current()), 'v1', 'the layer below becomes current');
SELECT is_empty($$ SELECT * FROM tarbox.fsck() $$, 'fsck clean after drops');

SELECT * FROM finish();
ROLLBACK;
