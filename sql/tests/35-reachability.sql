-- fsck's reachability checks (issue 16, item 1): every inode with links is reachable from the
-- root in every layer, and no directory is its own ancestor. The cycle two concurrent renames
-- could once make (tests/security/test_rename_race.py races them for real) is built here by
-- hand, as the superuser, in the newest and in a historical layer.
BEGIN;
SELECT plan(11);

SELECT role_name AS t FROM tarbox.tenant_create('reach') \gset
SET ROLE :"t";
SELECT tarbox.mkdir('/r/x/A/E', 493, true) AS w \gset
SELECT tarbox.mkdir('/r/y/B/D', 493, true) AS w \gset
SELECT tarbox.write('/r/x/A/E/file', 'data') AS w \gset
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'a healthy tree: fsck clean');
-- Sequentially, the second of the two crossing moves is refused.
SELECT lives_ok($$SELECT tarbox.mv('/r/x/A', '/r/y/B/D/')$$, 'A moves into B''s subtree');
SELECT throws_ok($$SELECT tarbox.mv('/r/y/B', '/r/y/B/D/A/E/')$$, 'TX022', NULL,
                 'B into A''s subtree (now its own) -> EINVAL');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck still clean');
SELECT ino AS b FROM tarbox.stat('/r/y/B') \gset
SELECT ino AS a FROM tarbox.stat('/r/y/B/D/A') \gset
SELECT ino AS e FROM tarbox.stat('/r/y/B/D/A/E') \gset
SELECT ino AS d FROM tarbox.stat('/r/y/B/D') \gset
SELECT ino AS y FROM tarbox.stat('/r/y') \gset
SELECT layer_id AS l2 FROM tarbox.layer_new('two') \gset
RESET ROLE;

-- What the race made: B's entry moved from /r/y into A/E (A is already under B): B -> D -> A
-- -> E -> B, detached from the root. In the newest layer only (the entry is copied on write).
UPDATE tarbox.dentry SET died = :l2 WHERE parent_ino = :y AND name = 'B'::bytea AND died = 2147483647;
INSERT INTO tarbox.dentry (tenant_id, parent_ino, name, born, ino)
SELECT tenant_id, :e, 'B'::bytea, :l2, :b FROM tarbox.dentry WHERE parent_ino = :y AND name = 'B'::bytea;
SET ROLE :"t";
SELECT is((SELECT count(*)::int FROM tarbox.fsck() WHERE check_name = 'unreachable' AND detail ~ '^layer 2:'), 5,
          'fsck: B, D, A, E and the file are unreachable in layer 2');
SELECT is((SELECT array_agg(ino ORDER BY ino) FROM tarbox.fsck() WHERE check_name = 'dir_cycle'),
          (SELECT array_agg(x ORDER BY x) FROM unnest(ARRAY[:b, :d, :a, :e]::bigint[]) x),
          'fsck: dir_cycle names each directory of the cycle B -> D -> A -> E');
SELECT is((SELECT count(*)::int FROM tarbox.fsck() WHERE check_name = 'dir_cycle'), 4,
          'fsck: the four directories of the cycle are each their own ancestor');
SELECT is((SELECT count(*)::int FROM tarbox.fsck() WHERE detail ~ '^layer 1:'), 0,
          'layer 1 (before the damage) is reported clean');
RESET ROLE;
-- The same damage in a historical layer only: layer 1 has B under E, layer 2 has it back in /r/y.
DELETE FROM tarbox.dentry WHERE parent_ino = :y AND name = 'B'::bytea;
UPDATE tarbox.dentry SET born = 1, died = :l2 WHERE parent_ino = :e AND name = 'B'::bytea;
INSERT INTO tarbox.dentry (tenant_id, parent_ino, name, born, ino)
SELECT tenant_id, :y, 'B'::bytea, :l2, :b FROM tarbox.dentry WHERE parent_ino = :e AND name = 'B'::bytea;
SET ROLE :"t";
SELECT cmp_ok((SELECT count(*)::int FROM tarbox.fsck() WHERE check_name = 'dir_cycle' AND detail ~ '^layer 1:'), '=', 4,
              'a cycle in a historical layer is found too');
SELECT cmp_ok((SELECT count(*)::int FROM tarbox.fsck() WHERE check_name = 'unreachable' AND detail ~ '^layer 1:'), '=', 5,
              '... with its unreachable inodes');
SELECT is((SELECT count(*)::int FROM tarbox.fsck() WHERE detail ~ '^layer 2:'), 0, '... and layer 2 is clean');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
