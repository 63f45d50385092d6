-- Composition (issue 15 item 4): publications, grants, compositions, and what row-level
-- security lets each tenant role see: the consumer exactly the published layer's rows while
-- the grant exists, the publisher nothing of the consumer, anybody else nothing. The mount is
-- tested in tests/compose/ (real FUSE), the psql prompt in tests/security/test_compose_psql.py.
BEGIN;
SELECT plan(67);

SELECT role_name AS alice FROM tarbox.tenant_create('cmp_alice') \gset
SELECT role_name AS bob FROM tarbox.tenant_create('cmp_bob') \gset
SELECT role_name AS carol FROM tarbox.tenant_create('cmp_carol') \gset
SELECT tenant_id AS alice_id FROM tarbox.tenant WHERE name = 'cmp_alice' \gset
SELECT tenant_id AS bob_id FROM tarbox.tenant WHERE name = 'cmp_bob' \gset

-- Alice's history: layer 1 (base), layer 2 (v1, to be published), layer 3 (v2, not published).
SET ROLE :"alice";
SELECT tarbox.mkdir('/etc');
SELECT tarbox.write('/etc/base.conf', 'from the base layer');
SELECT tarbox.layer_new('v1');
SELECT tarbox.write('/etc/app.conf', 'published text');
SELECT tarbox.write('/data.bin', decode(repeat('ab', 70000), 'hex'));
SELECT tarbox.ln('etc/app.conf', '/link', true);
SELECT tarbox.setxattr('/etc/app.conf'::bytea, 'user.color', 'blue'::bytea);
SELECT tarbox.layer_new('v2');
SELECT tarbox.write('/etc/app.conf', 'UNPUBLISHED change');
SELECT tarbox.write('/secret.txt', 'UNPUBLISHED secret');
SELECT tarbox.rm('/etc/base.conf');
SELECT (tarbox.stat('/etc')).ino AS etc_ino \gset
SELECT (tarbox.stat('/secret.txt')).ino AS secret_ino \gset
SELECT count(*) AS alice_v1_inodes FROM tarbox.inode WHERE born <= 2 AND died > 2 \gset
SELECT is((SELECT count(*)::int FROM tarbox.publication), 0, 'alice has no publication yet');
SELECT throws_ok($$SELECT tarbox.publish('cmp_alice', 'v1', 'x')$$, '42501', NULL,
                 'a tenant cannot publish (administrators do)');
RESET ROLE;

-- ---------------------------------------------------------------------------------------------
-- Administration.
SELECT throws_ok($$SELECT tarbox.publish('cmp_alice', 'v2', 'img')$$, 'TX016', NULL,
                 'the newest layer (written in place) cannot be published -> EBUSY');
SELECT throws_ok($$SELECT tarbox.publish('cmp_alice', 'nope', 'img')$$, 'TX002', NULL, 'unknown layer -> ENOENT');
SELECT throws_ok($$SELECT tarbox.publish('nobody', 'v1', 'img')$$, 'TX002', NULL, 'unknown tenant -> ENOENT');
SELECT throws_ok($$SELECT tarbox.publish('cmp_alice', 'v1', '../img')$$, 'TX022', NULL, 'bad name -> EINVAL');
SELECT throws_ok($$SELECT tarbox.publish('cmp_alice', 'v1', 'img', ARRAY['cmp_alice'])$$, 'TX022', NULL,
                 'the publisher in its own allow-list -> EINVAL');
SELECT results_eq($$SELECT name, tenant, layer_id, public, granted_to FROM tarbox.publish('cmp_alice', 'v1', 'img', ARRAY['cmp_bob'])$$,
                  $$VALUES ('img'::text, 'cmp_alice'::text, 2, false, ARRAY['cmp_bob'])$$,
                  'publish layer v1 (2) of alice to bob only');
SELECT throws_ok($$SELECT tarbox.publish('cmp_bob', '1', 'img')$$, 'TX017', NULL,
                 'publication names are unique in the database -> EEXIST');
SELECT throws_ok(format($$INSERT INTO tarbox.publication_grant (tenant_id, publisher_id, name, layer_id) VALUES (%s, %s, 'img', 2)$$, :alice_id, :alice_id),
                 '23514', NULL, 'CHECK: a publisher is never granted its own publication');
SELECT throws_ok($$SELECT tarbox.compose_add('cmp_carol', '/base', 'published:img')$$, 'TX013', NULL,
                 'composing a publication not granted to the tenant -> EACCES');
SELECT throws_ok($$SELECT tarbox.compose_add('cmp_alice', '/base', 'published:img')$$, 'TX022', NULL,
                 'composing one''s own publication -> EINVAL');
SELECT throws_ok($$SELECT tarbox.compose_add('cmp_bob', '/base', 'published:img', 'rw')$$, 'TX022', NULL,
                 'a mode other than ro or cow -> EINVAL (cow is tested in 88-compose-cow.sql)');
SELECT throws_ok($$SELECT tarbox.compose_add('cmp_bob', 'base', 'published:img')$$, 'TX022', NULL, 'relative path -> EINVAL');
SELECT throws_ok($$SELECT tarbox.compose_add('cmp_bob', '/.tarbox/x', 'published:img')$$, 'TX022', NULL, 'under /.tarbox -> EINVAL');
SELECT throws_ok($$SELECT tarbox.compose_add('cmp_bob', '/base', 'img')$$, 'TX022', NULL, 'source without published: -> EINVAL');
SELECT throws_ok($$SELECT tarbox.compose_add('cmp_bob', '/base', 'published:none')$$, 'TX002', NULL, 'unknown publication -> ENOENT');
SELECT is(tarbox.compose_add('cmp_bob', '/opt/base', 'published:img'), 1, 'bob composes img at /opt/base: slot 1');
SELECT throws_ok($$SELECT tarbox.compose_add('cmp_bob', '/opt/base/inner', 'published:img')$$, 'TX016', NULL,
                 'a composition inside another -> EBUSY');
SELECT throws_ok($$SELECT tarbox.compose_add('cmp_bob', '/opt', 'published:img')$$, 'TX016', NULL,
                 'a composition above another -> EBUSY');
SELECT throws_ok(format($$INSERT INTO tarbox.composition (tenant_id, compose_id, mount_path, publisher_id, publication, mode)
                   VALUES (%s, 2, '/a/../b', %s, 'img', 'ro')$$, :bob_id, :alice_id), '23514', NULL,
                 'CHECK: the mount path is normalised');
SELECT throws_ok(format($$INSERT INTO tarbox.publication_grant (tenant_id, publisher_id, name, layer_id) VALUES (%s, %s, 'img', 1)$$, :'carol'::regrole::oid::bigint, :alice_id),
                 '23503', NULL, 'a grant carries its publication''s layer (foreign key)');

-- ---------------------------------------------------------------------------------------------
-- The consumer: exactly the published layer's rows, read through its composition.
SET ROLE :"bob";
SELECT is((SELECT count(*) FROM tarbox.inode WHERE tenant_id = :alice_id), :alice_v1_inodes::bigint,
          'bob sees exactly the inode versions of alice visible at the published layer');
SELECT is((SELECT count(*)::int FROM tarbox.inode WHERE tenant_id = :alice_id AND NOT (born <= 2 AND died > 2)), 0,
          'none born after it or dead before it');
SELECT is((SELECT count(*)::int FROM tarbox.inode WHERE tenant_id = :alice_id AND ino = :secret_ino), 0,
          'the unpublished /secret.txt is invisible');
SELECT is((SELECT count(*)::int FROM tarbox.dentry WHERE tenant_id = :alice_id AND NOT (born <= 2 AND died > 2)), 0,
          'no entry outside the published layer');
SELECT is((SELECT count(*)::int FROM tarbox.block WHERE tenant_id = :alice_id
            AND position('UNPUBLISHED'::bytea IN data) > 0), 0,
          'no block holding unpublished content');
SELECT ok((SELECT count(*) FROM tarbox.block WHERE tenant_id = :alice_id AND position('published text'::bytea IN data) > 0) = 1,
          'the published content''s block is readable');
SELECT is((SELECT count(*)::int FROM tarbox.layer WHERE tenant_id = :alice_id)
          + (SELECT count(*)::int FROM tarbox.tenant WHERE tenant_id = :alice_id)
          + (SELECT count(*)::int FROM tarbox.usage_delta WHERE tenant_id = :alice_id), 0,
          'nor alice''s layers, tenant row or usage');
SELECT results_eq($$SELECT name, publisher_id, layer_id, public, own, granted_to FROM tarbox.publication_list()$$,
                  format($$VALUES ('img'::text, %s::bigint, 2, false, false, NULL::bigint[])$$, :alice_id),
                  'bob lists the publication granted to him, without its allow-list');
SELECT results_eq($$SELECT compose_id, mount_path, source, mode, available FROM tarbox.compose_list()$$,
                  $$VALUES (1, '/opt/base'::text, 'published:img'::text, 'ro'::text, true)$$,
                  'bob lists his composition');
SELECT results_eq($$SELECT mount_path, created FROM tarbox.compose_prepare()$$,
                  $$VALUES ('/opt/base'::text, true)$$, 'compose_prepare makes the mount point');
SELECT is((SELECT count(*)::int FROM tarbox.dentry d WHERE d.name = 'base'), 1,
          'an (empty) directory of bob''s own tree');
SELECT throws_ok($$SELECT tarbox.write('/opt/base/x', 'y')$$, 'TX030', NULL,
                 'the path API refuses a write below the read-only composition (EROFS)');
SELECT is((tarbox.stat('/opt/base/etc')).ino, 72057594037927936 | :etc_ino::bigint,
          'and reads it as the mount shows it (sql/tests/89-path-compose.sql)');
SELECT is((tarbox.compose_lookup(1, 1, 'etc')).ino, :etc_ino::bigint, 'compose_lookup finds /etc of the publication');
SELECT is(convert_from(tarbox.compose_read(1, (tarbox.compose_lookup(1, :etc_ino, 'app.conf')).ino, 0, 100), 'UTF8'),
          'published text', 'compose_read reads the published version, not alice''s newer change');
SELECT is(convert_from(tarbox.compose_read(1, (tarbox.compose_lookup(1, :etc_ino, 'base.conf')).ino, 5, 4), 'UTF8'),
          'the ', 'a file alice removed later is still in the publication (offset read)');
SELECT is(octet_length(tarbox.compose_read(1, (tarbox.compose_lookup(1, 1, 'data.bin')).ino, 65000, 10000)), 5000,
          'a multi-block file reads across the block boundary up to its end');
SELECT throws_ok(format('SELECT tarbox.compose_lookup(1, 1, %L)', 'secret.txt'), 'TX002', NULL,
                 'the unpublished file is ENOENT through the composition');
SELECT throws_ok(format('SELECT tarbox.compose_getattr(1, %s)', :secret_ino), 'TX002', NULL,
                 'and by inode number');
SELECT is(convert_from(tarbox.compose_readlink(1, (tarbox.compose_lookup(1, 1, 'link')).ino), 'UTF8'), 'etc/app.conf',
          'compose_readlink');
SELECT is(convert_from(tarbox.compose_getxattr(1, (tarbox.compose_lookup(1, :etc_ino, 'app.conf')).ino, 'user.color'), 'UTF8'),
          'blue', 'compose_getxattr');
SELECT is((SELECT array_agg(n) FROM tarbox.compose_listxattr(1, (tarbox.compose_lookup(1, :etc_ino, 'app.conf')).ino) n),
          ARRAY['user.color'::bytea], 'compose_listxattr');
SELECT is((SELECT array_agg(name ORDER BY name) FROM tarbox.compose_readdir(1, 1, 0, 100)),
          ARRAY['data.bin'::bytea, 'etc'::bytea, 'link'::bytea], 'compose_readdir lists the published root');
SELECT throws_ok('SELECT tarbox.compose_getattr(2, 1)', 'TX002', NULL, 'an unknown composition -> ENOENT');
SELECT throws_ok(format('DELETE FROM tarbox.inode WHERE tenant_id = %s', :alice_id), '42501', NULL,
                 'the consumer cannot delete the publisher''s rows');
SELECT throws_ok(format('SELECT 1 FROM tarbox.inode WHERE tenant_id = %s FOR SHARE', :alice_id), '42501', NULL,
                 'nor lock them');
SELECT tarbox.write('/opt/mine.txt', 'bob''s own');
SELECT is((SELECT count(*)::int FROM tarbox.fsck()), 0, 'fsck is clean for bob');
RESET ROLE;

-- The publisher: nothing of the consumer, and the published layer is frozen.
SET ROLE :"alice";
SELECT is((SELECT count(*)::int FROM tarbox.inode WHERE tenant_id <> :alice_id), 0, 'alice sees no row of bob');
SELECT is((SELECT count(*)::int FROM tarbox.composition), 0, 'nor who composes her publication');
SELECT results_eq($$SELECT name, own, granted_to FROM tarbox.publication_list()$$,
                  format($$VALUES ('img'::text, true, ARRAY[%s::bigint])$$, :bob_id), 'alice lists her publication with its allow-list');
SELECT throws_ok($$SELECT tarbox.layer_drop('v1')$$, 'TX016', NULL, 'the published layer cannot be dropped -> EBUSY');
SELECT tarbox.layer_switch('1');
SELECT throws_ok($$SELECT tarbox.layer_new('fork')$$, 'TX016', NULL,
                 'nor discarded by a new layer on an older one -> EBUSY');
SELECT tarbox.layer_switch('v2');
SELECT is((SELECT count(*)::int FROM tarbox.fsck()), 0, 'fsck is clean for alice');
RESET ROLE;

-- fsck sees what the administration functions refuse, when rows are written around them.
INSERT INTO tarbox.composition (tenant_id, compose_id, mount_path, publisher_id, publication, mode)
VALUES (:bob_id, 9, '/opt/base/inner', :alice_id, 'img', 'ro');
INSERT INTO tarbox.publication (tenant_id, name, layer_id) VALUES (:alice_id, 'frozen-not', 3);
SET ROLE :"bob";
SELECT is((SELECT array_agg(check_name) FROM tarbox.fsck()), ARRAY['composition_overlap'],
          'fsck reports overlapping compositions');
SET ROLE :"alice";
SELECT is((SELECT array_agg(check_name) FROM tarbox.fsck()), ARRAY['publication_frozen'],
          'fsck reports a publication of the newest layer');
RESET ROLE;
DELETE FROM tarbox.composition WHERE tenant_id = :bob_id AND compose_id = 9;
DELETE FROM tarbox.publication WHERE name = 'frozen-not';

-- Anybody else: nothing.
SET ROLE :"carol";
SELECT is((SELECT count(*)::int FROM tarbox.inode WHERE tenant_id <> :'carol'::regrole::oid::bigint)
          + (SELECT count(*)::int FROM tarbox.block WHERE tenant_id = :alice_id)
          + (SELECT count(*)::int FROM tarbox.publication) + (SELECT count(*)::int FROM tarbox.publication_grant), 0,
          'carol, not granted, sees no row of alice, no publication and no grant');
RESET ROLE;

-- Public, revoked, unpublished.
SELECT tarbox.publish_set_public('img', true);
SET ROLE :"carol";
SELECT is((SELECT count(*) FROM tarbox.inode WHERE tenant_id = :alice_id), :alice_v1_inodes::bigint,
          'once public every tenant sees the published layer');
RESET ROLE;
SELECT tarbox.publish_set_public('img', false);
SELECT ok(tarbox.publish_revoke('img', 'cmp_bob'), 'revoke bob''s grant');
SET ROLE :"bob";
SELECT is((SELECT count(*)::int FROM tarbox.inode WHERE tenant_id = :alice_id)
          + (SELECT count(*)::int FROM tarbox.block WHERE tenant_id = :alice_id), 0,
          'after the revocation bob sees none of alice''s rows');
SELECT throws_ok($$SELECT tarbox.compose_lookup(1, 1, 'etc')$$, 'TX002', NULL, 'and his composition answers ENOENT');
SELECT is((SELECT available FROM tarbox.compose_list()), false, 'it stays defined, unavailable');
RESET ROLE;
SELECT ok(tarbox.publish_grant('img', 'cmp_bob'), 'a new grant');
SELECT is(tarbox.unpublish('img'), 1, 'unpublish removes the one composition of it');
SELECT is((SELECT count(*)::int FROM tarbox.composition WHERE publisher_id = :alice_id)
          + (SELECT count(*)::int FROM tarbox.publication_grant WHERE publisher_id = :alice_id), 0,
          'with its grants');
SELECT tarbox.publish('cmp_alice', 'v1', 'img2');
SELECT lives_ok($$SELECT tarbox.tenant_delete('cmp_alice')$$, 'a publisher can be deleted: its publications go with it');

SELECT * FROM finish();
ROLLBACK;
