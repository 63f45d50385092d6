-- Adversarial multi-tenant isolation: tenant alice tries every way we know to read or change
-- tenant bob's data, or to become bob, and must fail or act on her own data only.
-- Alice acts through SET SESSION AUTHORIZATION (session_user = alice, as when she logs in with
-- her own role), so SET ROLE is checked against her memberships, not the test's superuser.
BEGIN;
SELECT plan(148);

-- Helpers (superuser-created, pg_temp, rolled back): a fingerprint of every row a tenant owns in
-- every table with a tenant_id column, and the number of rows of other tenants the caller sees.
CREATE FUNCTION pg_temp.fingerprint(p_tenant bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r record; v text; acc text := '';
BEGIN
    FOR r IN SELECT c.relname FROM pg_class c
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
              WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY c.relname LOOP
        EXECUTE format('SELECT md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) FROM tarbox.%I t WHERE t.tenant_id = $1',
                       E'\n', '', r.relname) INTO v USING p_tenant;
        acc := acc || r.relname || ':' || v || ' ';
    END LOOP;
    RETURN acc;
END $$;
CREATE FUNCTION pg_temp.foreign_rows(p_tenant bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE r record; n bigint; total bigint := 0;
BEGIN
    FOR r IN SELECT c.relname FROM pg_class c
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
              WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p')
                AND has_table_privilege(c.oid, 'SELECT') LOOP
        EXECUTE format('SELECT count(*) FROM tarbox.%I t WHERE t.tenant_id IS DISTINCT FROM $1', r.relname)
           INTO n USING p_tenant;
        total := total + n;
    END LOOP;
    RETURN total;
END $$;

SELECT tenant_id AS alice_id, role_name AS alice FROM tarbox.tenant_create('alice') \gset
SELECT tenant_id AS bob_id, role_name AS bob FROM tarbox.tenant_create('bob') \gset

-- Bob's tree; his inode numbers (2..7) are the small integers alice would guess.
--   2 /b1 (file, xattr user.k)   3 /b2 (file, same bytes as alice's /shared)   4 /link -> /b2
--   5 /secret (dir)   6 /secret/plans.txt   7 an unlinked file still "open" (nlink 0)
SET ROLE :"bob";
SELECT tarbox.write('/b1', 'bob-one'::bytea) AS w \gset
SELECT tarbox.write('/b2', 'shared-content'::bytea) AS w \gset
SELECT tarbox.ln('/b2', '/link', true) AS w \gset
SELECT tarbox.mkdir('/secret') AS w \gset
SELECT tarbox.write('/secret/plans.txt', 'bob-secret'::bytea) AS w \gset
SELECT tarbox.setxattr('/b1', 'user.k', 'bob-x'::bytea) AS w \gset
SELECT (tarbox.fs_create(1, 'orphan'::bytea, 420, 0, 0)).ino AS w \gset
SELECT tarbox.fs_write(7, 0, 'bob-orphan'::bytea) AS w \gset
SELECT tarbox.fs_unlink(1, 'orphan'::bytea) AS w \gset
-- Bob checkpoints: his layer 1 is frozen, layer 2 'bobsnap' is current (alice has only layer 1).
SELECT layer_id AS w FROM tarbox.layer_new('bobsnap') \gset
SELECT tarbox.layer_tag('bobsnap', 'bobtag') AS w \gset
SELECT results_eq($$SELECT ino, type FROM tarbox.stat('/secret/plans.txt') UNION ALL SELECT ino, type FROM tarbox.stat('/link', false)
                    UNION ALL SELECT ino, type FROM tarbox.stat('/secret')$$,
                  $$VALUES (6::bigint, 'file'), (4::bigint, 'symlink'), (5::bigint, 'dir')$$,
                  'setup: bob''s inodes have the expected numbers');

-- Alice's tree: 2 /a, 3 /shared (same content as bob's /b2).
SET ROLE :"alice";
SELECT tarbox.write('/a', 'alice-data'::bytea) AS w \gset
SELECT tarbox.write('/shared', 'shared-content'::bytea) AS w \gset
RESET ROLE;

-- Statistics of tarbox tables must not leak other tenants' values through pg_stats.
ANALYZE tarbox.dentry;
ANALYZE tarbox.inode;
SELECT cmp_ok((SELECT count(*)::int FROM pg_stats WHERE schemaname = 'tarbox' AND tablename = 'dentry'), '>', 0,
              'setup: the superuser sees statistics of tarbox.dentry');
SELECT pg_temp.fingerprint(:bob_id) AS bob_before \gset
SELECT isnt((SELECT notify_channel FROM tarbox.tenant WHERE tenant_id = :alice_id),
            (SELECT notify_channel FROM tarbox.tenant WHERE tenant_id = :bob_id), 'setup: each tenant has its own notification channel');

-- =============================================================================================
SET SESSION AUTHORIZATION :"alice";
SELECT is(session_user::text, :'alice', 'alice acts with session_user = her own role');

-- ---- Direct reads: row-level security shows alice her rows only ------------------------------
SELECT is(pg_temp.foreign_rows(:alice_id), 0::bigint, 'alice sees no row of another tenant in any tarbox table');
SELECT is((SELECT count(DISTINCT ino) FROM tarbox.inode), 3::bigint, 'alice sees her 3 inodes, not bob''s 7');
SELECT is((SELECT count(*) FROM tarbox.inode WHERE tenant_id = :bob_id), 0::bigint, 'filtering on bob''s tenant_id returns nothing');
SELECT is((SELECT count(*) FROM tarbox.dentry WHERE name = 'plans.txt'::bytea), 0::bigint, 'bob''s file names are invisible in tarbox.dentry');
SELECT is((SELECT array_agg(name) FROM tarbox.tenant), ARRAY['alice'], 'tarbox.tenant shows only alice');
SELECT is((SELECT count(*) FROM tarbox.layer), 1::bigint, 'tarbox.layer shows only alice''s layer');
-- Any role may LISTEN on any channel, so a tenant's channel name must be a secret only it can read.
SELECT ok((SELECT notify_channel ~ '^tarbox_[0-9a-f]{32}$' AND notify_channel <> 'tarbox_' || tenant_id FROM tarbox.tenant),
          'alice''s notification channel is random, not derived from her tenant id');
SELECT is((SELECT count(*) FROM tarbox.tenant WHERE notify_channel IS NOT NULL), 1::bigint, 'alice can read no other tenant''s channel name');
SELECT is((SELECT count(*) FROM tarbox.xattr), 0::bigint, 'bob''s xattrs are invisible');
SELECT is((SELECT count(*) FROM tarbox.blockmap) + (SELECT count(*) FROM tarbox.chunkmap), 2::bigint,
          'tarbox.blockmap and tarbox.chunkmap show alice''s 2 mappings only');
-- A qual that would raise an error on one of bob's rows: RLS must filter before it runs.
SELECT lives_ok(format($$SELECT count(*) FROM tarbox.inode WHERE 1 / (CASE WHEN tenant_id = %s THEN 0 ELSE 1 END) = 1$$, :bob_id),
                'a non-leakproof qual never sees bob''s rows (no division by zero)');
SELECT lives_ok(format($$SELECT count(*) FROM tarbox.dentry WHERE 1 / (CASE WHEN name = 'plans.txt'::bytea THEN 0 ELSE 1 END) = 1$$),
                'a non-leakproof qual on names never sees bob''s entries');
SELECT is((SELECT count(*) FROM pg_stats WHERE schemaname = 'tarbox' AND tablename IN ('dentry', 'inode')), 0::bigint,
          'pg_stats hides the statistics (most common names...) of RLS tables from alice');

-- ---- Dedup is per tenant: identical content is stored once per tenant ------------------------
SELECT is((SELECT count(*) FROM tarbox.block WHERE hash = sha256('shared-content'::bytea)), 1::bigint,
          'alice sees one block for content both tenants hold');
SELECT is((SELECT tenant_id FROM tarbox.block WHERE hash = sha256('shared-content'::bytea)), :alice_id::bigint,
          '... and it is her own copy');

-- ---- Inode API on bob's inode numbers that alice does not have: ENOENT -----------------------
SELECT throws_ok('SELECT tarbox.fs_getattr(6)', 'TX002', NULL, 'fs_getattr on bob''s ino 6 -> ENOENT');
SELECT throws_ok('SELECT tarbox.fs_getattr(7)', 'TX002', NULL, 'fs_getattr on bob''s unlinked ino 7 -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_lookup(5, 'plans.txt'::bytea)$$, 'TX002', NULL, 'fs_lookup in bob''s dir 5 -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_lookup(1, 'secret'::bytea)$$, 'TX002', NULL, 'fs_lookup of bob''s name in the root -> ENOENT');
SELECT throws_ok('SELECT * FROM tarbox.fs_readdir(5, 0, 100)', 'TX002', NULL, 'fs_readdir of bob''s dir 5 -> ENOENT');
SELECT throws_ok('SELECT tarbox.fs_read(6, 0, 100)', 'TX002', NULL, 'fs_read of bob''s ino 6 -> ENOENT');
SELECT throws_ok('SELECT tarbox.fs_read(7, 0, 100)', 'TX002', NULL, 'fs_read of bob''s unlinked ino 7 -> ENOENT');
SELECT throws_ok('SELECT tarbox.fs_readlink(4)', 'TX002', NULL, 'fs_readlink of bob''s symlink 4 -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_getxattr(6, 'user.k'::bytea)$$, 'TX002', NULL, 'fs_getxattr on bob''s ino 6 -> ENOENT');
SELECT throws_ok('SELECT * FROM tarbox.fs_listxattr(6)', 'TX002', NULL, 'fs_listxattr on bob''s ino 6 -> ENOENT');
SELECT throws_ok('SELECT tarbox.fs_open(6, 513)', 'TX002', NULL, 'fs_open(O_WRONLY|O_TRUNC) of bob''s ino 6 -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_write(6, 0, 'pwned'::bytea)$$, 'TX002', NULL, 'fs_write to bob''s ino 6 -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_write(7, 0, 'pwned'::bytea)$$, 'TX002', NULL, 'fs_write to bob''s unlinked ino 7 -> ENOENT');
SELECT throws_ok('SELECT tarbox.fs_setattr(6, 511, 0, 0, 0, 0, 0)', 'TX002', NULL, 'fs_setattr on bob''s ino 6 -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_setxattr(6, 'user.k'::bytea, 'x'::bytea, 0)$$, 'TX002', NULL, 'fs_setxattr on bob''s ino 6 -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_removexattr(6, 'user.k'::bytea)$$, 'TX002', NULL, 'fs_removexattr on bob''s ino 6 -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_unlink(5, 'plans.txt'::bytea)$$, 'TX002', NULL, 'fs_unlink in bob''s dir 5 -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_unlink(1, 'b1'::bytea)$$, 'TX002', NULL, 'fs_unlink of bob''s name in the root -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_rmdir(1, 'secret'::bytea)$$, 'TX002', NULL, 'fs_rmdir of bob''s dir name -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_rename(1, 'b1'::bytea, 1, 'mine'::bytea)$$, 'TX002', NULL, 'fs_rename of bob''s name -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_rename(5, 'plans.txt'::bytea, 1, 'stolen'::bytea)$$, 'TX002', NULL, 'fs_rename out of bob''s dir -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_rename(1, 'a'::bytea, 5, 'planted'::bytea)$$, 'TX002', NULL, 'fs_rename into bob''s dir -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_link(6, 1, 'stolen'::bytea)$$, 'TX002', NULL, 'fs_link to bob''s ino 6 -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_link(2, 5, 'planted'::bytea)$$, 'TX002', NULL, 'fs_link into bob''s dir 5 -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_mkdir(5, 'x'::bytea, 493, 0, 0)$$, 'TX002', NULL, 'fs_mkdir in bob''s dir -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_create(5, 'x'::bytea, 420, 0, 0)$$, 'TX002', NULL, 'fs_create in bob''s dir -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_symlink(5, 'x'::bytea, '/'::bytea, 0, 0)$$, 'TX002', NULL, 'fs_symlink in bob''s dir -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_mknod(5, 'x'::bytea, 4516, 0, 0, 0)$$, 'TX002', NULL, 'fs_mknod in bob''s dir -> ENOENT');
SELECT is(tarbox.fs_forget(7), false, 'fs_forget of bob''s orphan ino 7 does nothing for alice');
SELECT is(tarbox.fs_forget(ARRAY[7]::bigint[]), 0::bigint, 'nor does a batch forget of it');
SELECT is(tarbox.purge_orphans(), 0::bigint, 'purge_orphans as alice purges none of bob''s orphans');

-- ---- Inode numbers alice also has: the call acts on alice's own inode ------------------------
SELECT is(tarbox.fs_read(2, 0, 100), 'alice-data'::bytea, 'fs_read(2) reads alice''s ino 2, not bob''s');
SELECT throws_ok($$SELECT tarbox.fs_getxattr(2, 'user.k'::bytea)$$, 'TX061', NULL, 'fs_getxattr(2, user.k): alice''s ino 2 has no such xattr (ENODATA)');
SELECT is_empty('SELECT * FROM tarbox.fs_listxattr(2)', 'fs_listxattr(2) lists alice''s (no) xattrs');
SELECT is(tarbox.fs_write(2, 0, 'ALICE'::bytea), 5::bigint, 'fs_write(2) writes alice''s ino 2');
SELECT is((tarbox.fs_setattr(2, 384, NULL, NULL, NULL, NULL, NULL)).mode, 33152, 'fs_setattr(2) changes alice''s ino 2');
SELECT lives_ok($$SELECT tarbox.fs_setxattr(2, 'user.k'::bytea, 'alice-x'::bytea, 0)$$, 'fs_setxattr(2) sets alice''s xattr');
SELECT is(tarbox.read('/a'), 'ALICE-data'::bytea, 'alice''s own file got the write');
SELECT is(ARRAY(SELECT name FROM tarbox.fs_readdir(1, 0, 100) ORDER BY name),
          ARRAY['.'::bytea, '..'::bytea, 'a'::bytea, 'shared'::bytea], 'alice''s root lists only her entries');
SELECT is(ARRAY(SELECT name FROM tarbox.ls('/')), ARRAY['a', 'shared'], 'tarbox.ls(''/'') lists only her entries');
SELECT is((SELECT files - ffree FROM tarbox.fs_statfs()), 3::bigint, 'fs_statfs counts only alice''s inodes');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean for alice (and reports nothing of bob''s)');

-- ---- Layers: bob's layer names, tags and ids mean nothing to alice ---------------------------
SELECT is(ARRAY(SELECT name FROM tarbox.layer_list()), ARRAY['base'], 'layer_list shows alice''s layers only');
SELECT throws_ok($$SELECT * FROM tarbox.layer_info('bobsnap')$$, 'TX002', NULL, 'layer_info of bob''s layer name -> ENOENT');
SELECT throws_ok($$SELECT * FROM tarbox.layer_info('bobtag')$$, 'TX002', NULL, 'layer_info of bob''s tag -> ENOENT');
SELECT throws_ok($$SELECT * FROM tarbox.layer_switch('bobsnap')$$, 'TX002', NULL, 'layer_switch to bob''s layer -> ENOENT');
SELECT throws_ok($$SELECT * FROM tarbox.layer_switch('2')$$, 'TX002', NULL, 'layer_switch to layer id 2 (only bob has one) -> ENOENT');
SELECT throws_ok('SELECT tarbox.fs_getattr(1, 2)', 'TX002', NULL, 'fs_getattr at layer 2 (bob''s) -> ENOENT');
SELECT throws_ok('SELECT * FROM tarbox.fs_readdir(1, 0, 100, 2)', 'TX002', NULL, 'fs_readdir at layer 2 (bob''s) -> ENOENT');
SELECT throws_ok($$SELECT * FROM tarbox.layer_drop('bobsnap')$$, 'TX002', NULL, 'layer_drop of bob''s layer -> ENOENT');
SELECT throws_ok($$SELECT * FROM tarbox.layer_tag('bobsnap', 'mine')$$, 'TX002', NULL, 'layer_tag of bob''s layer -> ENOENT');
SELECT throws_ok($$SELECT * FROM tarbox.layer_untag('bobtag')$$, 'TX002', NULL, 'layer_untag of bob''s tag -> ENOENT');
SELECT throws_ok($$SELECT * FROM tarbox.diff('base', 'bobsnap', '/')$$, 'TX002', NULL, 'diff against bob''s layer -> ENOENT');
SELECT throws_ok($$SELECT * FROM tarbox.history('/secret/plans.txt')$$, 'TX002', NULL, 'history of a path under bob''s directory -> ENOENT');
SELECT is_empty($$SELECT * FROM tarbox.history('/b1')$$, 'history of bob''s file name shows nothing for alice');
SELECT lives_ok($$SELECT * FROM tarbox.layer_new('bobsnap')$$, 'alice may use the same layer name for her own layer');

-- ---- Path API on bob's paths --------------------------------------------------------------
SELECT throws_ok($$SELECT tarbox.read('/secret/plans.txt')$$, 'TX002', NULL, 'read of bob''s path -> ENOENT');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/b1')$$, 'TX002', NULL, 'stat of bob''s path -> ENOENT');
SELECT throws_ok($$SELECT tarbox.write('/secret/x', 'y'::bytea)$$, 'TX002', NULL, 'write into bob''s directory -> ENOENT');
SELECT throws_ok($$SELECT tarbox.rm('/b1')$$, 'TX002', NULL, 'rm of bob''s path -> ENOENT');
SELECT throws_ok($$SELECT tarbox.mv('/b1', '/mine')$$, 'TX002', NULL, 'mv of bob''s path -> ENOENT');

-- ---- Direct DML is denied (42501): writes only go through the API ---------------------------
SELECT throws_ok(format($$INSERT INTO tarbox.inode (tenant_id, ino, born, mode, nlink, uid, gid, atime_ns, mtime_ns, ctime_ns, btime_ns)
                           VALUES (%s, 99, 1, 33188, 1, 0, 0, 0, 0, 0, 0)$$, :alice_id),
                 '42501', NULL, 'INSERT into tarbox.inode (even for herself) -> 42501');
SELECT throws_ok(format($$INSERT INTO tarbox.dentry (tenant_id, parent_ino, name, born, ino) VALUES (%s, 1, 'x', 1, 6)$$, :bob_id),
                 '42501', NULL, 'INSERT into tarbox.dentry for bob -> 42501');
SELECT throws_ok('UPDATE tarbox.inode SET size = 0', '42501', NULL, 'UPDATE tarbox.inode -> 42501');
SELECT throws_ok('UPDATE tarbox.tenant SET current_layer = 1', '42501', NULL, 'UPDATE tarbox.tenant -> 42501');
SELECT throws_ok('DELETE FROM tarbox.dentry', '42501', NULL, 'DELETE FROM tarbox.dentry -> 42501');
SELECT throws_ok('DELETE FROM tarbox.xattr', '42501', NULL, 'DELETE FROM tarbox.xattr -> 42501');
SELECT throws_ok('TRUNCATE tarbox.block', '42501', NULL, 'TRUNCATE tarbox.block -> 42501');
SELECT throws_ok($$INSERT INTO tarbox.tenant (tenant_id, name) VALUES (12345, 'evil')$$, '42501', NULL, 'INSERT into tarbox.tenant -> 42501');
SELECT throws_ok($$INSERT INTO tarbox.layer (tenant_id, layer_id, name) VALUES (12345, 1, 'x')$$, '42501', NULL, 'INSERT into tarbox.layer -> 42501');
SELECT throws_ok('DELETE FROM tarbox.errno', '42501', NULL, 'DELETE FROM tarbox.errno -> 42501');
SELECT throws_ok(format('SELECT nextval(%L)', 'tarbox.ino_seq_' || :bob_id), '42501', NULL, 'nextval of bob''s inode sequence -> 42501');
SELECT throws_ok(format('SELECT setval(%L, 1)', 'tarbox.ino_seq_' || :bob_id), '42501', NULL, 'setval of bob''s inode sequence -> 42501');
SELECT throws_ok(format('SELECT last_value FROM tarbox.%I', 'ino_seq_' || :bob_id), '42501', NULL, 'reading bob''s inode sequence -> 42501');
SELECT is((SELECT last_value FROM pg_sequences WHERE sequencename = 'ino_seq_' || :bob_id), NULL,
          'pg_sequences does not tell alice how many inodes bob made');

-- ---- Changing identity ----------------------------------------------------------------------
-- tarbox.tenant_id is not where the identity comes from: setting it changes nothing.
SELECT set_config('pgtap.bob_id', :'bob_id', false) AS w \gset
DO $$ BEGIN PERFORM set_config('tarbox.tenant_id', current_setting('pgtap.bob_id'), false);
          EXCEPTION WHEN OTHERS THEN NULL; END $$;
DO $$ BEGIN EXECUTE format('SET tarbox.tenant_id = %s', current_setting('pgtap.bob_id'));
          EXCEPTION WHEN OTHERS THEN NULL; END $$;
SELECT throws_ok('SELECT tarbox.fs_getattr(7)', 'TX002', NULL, 'after setting tarbox.tenant_id to bob: bob''s ino 7 still ENOENT');
SELECT is((SELECT count(DISTINCT ino) FROM tarbox.inode), 3::bigint, 'after setting tarbox.tenant_id to bob: still alice''s 3 inodes');
SELECT is(tarbox.fs_read(2, 0, 100), 'ALICE-data'::bytea, 'after setting tarbox.tenant_id to bob: ino 2 is still alice''s');
SELECT throws_ok(format('SET ROLE %I', :'bob'), '42501', NULL, 'SET ROLE bob -> 42501');
SELECT throws_ok(format('SELECT set_config(%L, %L, false)', 'role', :'bob'), '42501', NULL, 'set_config(''role'', bob) -> 42501');
SELECT throws_ok(format('SELECT set_config(%L, %L, true)', 'role', :'bob'), '42501', NULL, 'set_config(''role'', bob, local) -> 42501');
SELECT throws_ok('SET ROLE tarbox_owner', '42501', NULL, 'SET ROLE tarbox_owner -> 42501');
SELECT throws_ok('SET ROLE tarbox_maint', '42501', NULL, 'SET ROLE tarbox_maint -> 42501');
SELECT throws_ok('SET ROLE tarbox_admin', '42501', NULL, 'SET ROLE tarbox_admin -> 42501');
SELECT is(tarbox._caller(), :'alice', 'after all that, alice is still alice');
-- SET SESSION AUTHORIZATION is allowed only when the *authenticated* user is a superuser (here
-- the test harness is, so it cannot be exercised): alice's own login can never use it.
SELECT is((SELECT rolsuper FROM pg_roles WHERE rolname = :'alice'), false, 'alice is not a superuser (so SET SESSION AUTHORIZATION is closed to her)');
SELECT ok(NOT pg_has_role(:'alice', :'bob', 'MEMBER') AND NOT pg_has_role(:'alice', 'tarbox_admin', 'MEMBER')
          AND NOT pg_has_role(:'alice', 'tarbox_owner', 'MEMBER') AND NOT pg_has_role(:'alice', 'tarbox_maint', 'MEMBER'),
          'alice is a member of neither bob, tarbox_admin, tarbox_owner nor tarbox_maint');

-- ---- Internal and admin functions are not executable (42501) --------------------------------
SELECT throws_ok('SELECT tarbox._ctx(NULL, true)', '42501', NULL, '_ctx -> 42501');
SELECT throws_ok($$SELECT tarbox._raise('EPERM', 'x')$$, '42501', NULL, '_raise -> 42501');
SELECT throws_ok(format('SELECT tarbox._inode_at(%s, 6, 1)', :bob_id), '42501', NULL, '_inode_at(bob, 6) -> 42501');
SELECT throws_ok(format('SELECT tarbox._dentry_at(%s, 1, %L, 1)', :bob_id, 'b1'), '42501', NULL, '_dentry_at(bob, ...) -> 42501');
SELECT throws_ok(format($$SELECT tarbox._write(ROW(%s, 1, 1)::tarbox._context, 6, 0, 'x'::bytea, false)$$, :bob_id), '42501', NULL, '_write(bob ctx) -> 42501');
SELECT throws_ok(format($$SELECT tarbox._truncate(ROW(%s, 1, 1)::tarbox._context, 6, 0)$$, :bob_id), '42501', NULL, '_truncate(bob ctx) -> 42501');
SELECT throws_ok(format('SELECT tarbox._purge(%s, 1, 6)', :bob_id), '42501', NULL, '_purge(bob, 6) -> 42501');
SELECT throws_ok(format($$SELECT tarbox._block_store(%s, 'x'::bytea)$$, :bob_id), '42501', NULL, '_block_store(bob) -> 42501');
SELECT throws_ok(format($$SELECT tarbox._walk(ROW(%s, 1, 1)::tarbox._context, '/secret/plans.txt', true)$$, :bob_id), '42501', NULL, '_walk(bob ctx) -> 42501');
SELECT throws_ok(format($$SELECT tarbox._new_inode(ROW(%s, 1, 1)::tarbox._context, 1, 'x'::bytea, 33188, 0, 0, 0, NULL)$$, :bob_id), '42501', NULL, '_new_inode(bob ctx) -> 42501');
SELECT throws_ok(format($$SELECT tarbox._notify(%s, 1, 1, 'x'::bytea)$$, :bob_id), '42501', NULL, '_notify(bob) -> 42501');
SELECT throws_ok('SELECT tarbox._require_admin()', '42501', NULL, '_require_admin -> 42501');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create('evil')$$, '42501', NULL, 'tenant_create -> 42501');
SELECT throws_ok('SELECT * FROM tarbox.tenant_list()', '42501', NULL, 'tenant_list -> 42501');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_info('bob')$$, '42501', NULL, 'tenant_info -> 42501');
SELECT throws_ok($$SELECT tarbox.tenant_rename('bob', 'bobby')$$, '42501', NULL, 'tenant_rename -> 42501');
SELECT throws_ok($$SELECT tarbox.tenant_delete('bob')$$, '42501', NULL, 'tenant_delete -> 42501');

RESET SESSION AUTHORIZATION;
-- =============================================================================================

-- ---- Bob's data is exactly as before --------------------------------------------------------
SELECT is(pg_temp.fingerprint(:bob_id), :'bob_before', 'every row bob owns, in every table, is unchanged');
SELECT is((SELECT count(*) FROM tarbox.block WHERE hash = sha256('shared-content'::bytea)), 2::bigint,
          'the superuser sees the shared content stored twice, once per tenant');
SET ROLE :"bob";
SELECT is(tarbox.read('/secret/plans.txt'), 'bob-secret'::bytea, 'bob still reads his secret');
SELECT is(tarbox.fs_read(2, 0, 100), 'bob-one'::bytea, 'bob''s ino 2 is unchanged');
SELECT is((tarbox.fs_getattr(2)).mode, 33188, 'bob''s ino 2 mode is unchanged');
SELECT is(tarbox.fs_getxattr(2, 'user.k'::bytea), 'bob-x'::bytea, 'bob''s xattr is unchanged');
SELECT is((tarbox.fs_getattr(7)).nlink, 0, 'bob''s orphan is still there');
SELECT is(tarbox.fs_read(7, 0, 100), 'bob-orphan'::bytea, '... with its content');
SELECT is((SELECT count(*) FROM tarbox.block WHERE hash = sha256('shared-content'::bytea)), 1::bigint,
          'bob sees one block for the shared content');
SELECT is((SELECT tenant_id FROM tarbox.block WHERE hash = sha256('shared-content'::bytea)), :bob_id::bigint,
          '... his own copy');
SELECT is((SELECT count(DISTINCT ino) FROM tarbox.inode), 7::bigint, 'bob sees his 7 inodes');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean for bob');
RESET ROLE;

-- ---- Callers that are not tenants -----------------------------------------------------------
-- The superuser itself is not a tenant.
SELECT throws_ok('SELECT tarbox.fs_getattr(1)', 'TX013', NULL, 'an administrator acting as itself is not a tenant -> EACCES');
-- A role with no relation to Tarbox: no access to the schema at all.
CREATE ROLE pgtap_plain_role NOLOGIN;
SET ROLE pgtap_plain_role;
SELECT throws_ok('SELECT tarbox.fs_getattr(1)', '42501', NULL, 'plain role: fs_getattr -> 42501');
SELECT throws_ok($$SELECT tarbox.read('/a')$$, '42501', NULL, 'plain role: read -> 42501');
SELECT throws_ok('SELECT count(*) FROM tarbox.inode', '42501', NULL, 'plain role: SELECT tarbox.inode -> 42501');
RESET ROLE;
-- A member of tarbox_tenant that is not a tenant role: EACCES, and the tables show nothing.
CREATE ROLE pgtap_fake_tenant NOLOGIN IN ROLE tarbox_tenant;
SET ROLE pgtap_fake_tenant;
SELECT throws_ok('SELECT tarbox.fs_getattr(1)', 'TX013', NULL, 'tarbox_tenant member that is no tenant: fs_getattr -> EACCES');
SELECT throws_ok($$SELECT * FROM tarbox.ls('/')$$, 'TX013', NULL, 'tarbox_tenant member that is no tenant: ls -> EACCES');
SELECT throws_ok($$SELECT tarbox.write('/x', 'y'::bytea)$$, 'TX013', NULL, 'tarbox_tenant member that is no tenant: write -> EACCES');
SELECT throws_ok('SELECT * FROM tarbox.fsck()', 'TX013', NULL, 'tarbox_tenant member that is no tenant: fsck -> EACCES');
SELECT is(pg_temp.foreign_rows(NULL), 0::bigint, 'tarbox_tenant member that is no tenant sees no row of any table');
RESET ROLE;
-- The group role itself.
SET ROLE tarbox_tenant;
SELECT throws_ok('SELECT tarbox.fs_getattr(1)', 'TX013', NULL, 'SET ROLE tarbox_tenant (the group) -> EACCES');
RESET ROLE;
-- A role named like a tenant of a tenant id that does not exist.
CREATE ROLE tarbox_tenant_999999999999 NOLOGIN IN ROLE tarbox_tenant;
SET ROLE tarbox_tenant_999999999999;
SELECT throws_ok('SELECT tarbox.fs_getattr(1)', 'TX013', NULL, 'role of a non-existent tenant id -> EACCES');
RESET ROLE;
-- "tarbox_tenant_0<bob's id>" is not bob's role: the id in a role name must be canonical.
SELECT format('tarbox_tenant_0%s', :bob_id) AS bob_alias \gset
CREATE ROLE :"bob_alias" NOLOGIN IN ROLE tarbox_tenant;
SET ROLE :"bob_alias";
SELECT throws_ok('SELECT tarbox.fs_getattr(6)', 'TX013', NULL, 'role tarbox_tenant_0<bob id> is not bob -> EACCES');
SELECT is((SELECT count(*) FROM tarbox.inode), 0::bigint, 'role tarbox_tenant_0<bob id> sees none of bob''s rows');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
