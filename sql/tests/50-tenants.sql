-- Tenant administration: tenant_create / tenant_list / tenant_info / tenant_rename /
-- tenant_delete, as the superuser, as a tarbox_admin member, and refused to everyone else.
BEGIN;
SELECT plan(65);

-- Helpers (superuser, pg_temp, rolled back): the number of rows a tenant owns across every table
-- with a tenant_id column, and a fingerprint of those rows.
-- (The audit trail, tarbox.audit_log with its partitions and tarbox.audit_seal, is not the
-- tenant's data: it outlives the tenant until its retention expires.)
CREATE FUNCTION pg_temp.rows_of(p_tenant bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE r record; n bigint; total bigint := 0;
BEGIN
    FOR r IN SELECT c.relname FROM pg_class c
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
              WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p')
                AND NOT c.relispartition AND c.relname NOT IN ('audit_log', 'audit_seal') LOOP
        EXECUTE format('SELECT count(*) FROM tarbox.%I WHERE tenant_id = $1', r.relname) INTO n USING p_tenant;
        total := total + n;
    END LOOP;
    RETURN total;
END $$;
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

-- ---- tenant_create --------------------------------------------------------------------------
SELECT * FROM tarbox.tenant_create('t1', NULL, 1000, 1001) \gset t1_
SELECT is(:'t1_name'::text, 't1', 'tenant_create returns the name');
SELECT is(:'t1_role_name'::text, 'tarbox_tenant_' || :t1_tenant_id, 'the role is tarbox_tenant_<tenant_id>');
SELECT is(:t1_tenant_id::bigint, (SELECT oid::bigint FROM pg_roles WHERE rolname = :'t1_role_name'), 'the tenant id is the role''s OID');
SELECT ok(pg_has_role(:'t1_role_name', 'tarbox_tenant', 'MEMBER'), 'the role is a member of tarbox_tenant');
SELECT is((SELECT rolcanlogin FROM pg_roles WHERE rolname = :'t1_role_name'), false, 'without a password the role cannot log in');
SELECT ok(EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = 'tarbox'::regnamespace AND relname = 'ino_seq_' || :t1_tenant_id AND relkind = 'S'),
          'the inode sequence exists');
SELECT is((SELECT row(mode, nlink, uid, gid)::text FROM tarbox.inode WHERE tenant_id = :t1_tenant_id AND ino = 1),
          '(16877,2,1000,1001)', 'the root is a 0755 directory with 2 links owned by the default uid:gid');
SELECT is((SELECT row(layer_id, name)::text FROM tarbox.layer WHERE tenant_id = :t1_tenant_id), '(1,base)', 'one base layer');
SET ROLE :"t1_role_name";
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'a new tenant''s file system is clean');
SELECT is(tarbox.write('/hello', 'hello'::bytea), 5::bigint, 'the new tenant can write');
SELECT is((SELECT row(uid, gid)::text FROM tarbox.stat('/hello')), '(1000,1001)', 'path-API files belong to the default uid:gid');
RESET ROLE;

SELECT * FROM tarbox.tenant_create('pw', 'pgtap-secret') \gset pw_
SELECT is((SELECT rolcanlogin FROM pg_roles WHERE rolname = :'pw_role_name'), true, 'with a password the role can log in');

SELECT lives_ok($$SELECT * FROM tarbox.tenant_create('a')$$, 'a one-letter name is valid');
SELECT lives_ok(format('SELECT * FROM tarbox.tenant_create(%L)', 'z' || repeat('9', 62)), 'a 63-character name is valid');
SELECT lives_ok($$SELECT * FROM tarbox.tenant_create('a-b_c9')$$, 'letters, digits, - and _ are valid');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create('t1')$$, 'TX017', NULL, 'a duplicate name -> EEXIST');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create('Alice')$$, 'TX022', NULL, 'upper case -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create('1abc')$$, 'TX022', NULL, 'a leading digit -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create('-abc')$$, 'TX022', NULL, 'a leading dash -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create('')$$, 'TX022', NULL, 'an empty name -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create(NULL)$$, 'TX022', NULL, 'a NULL name -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create('a b')$$, 'TX022', NULL, 'a space -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create('a.b')$$, 'TX022', NULL, 'a dot -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create('élan')$$, 'TX022', NULL, 'a non-ASCII letter -> EINVAL');
SELECT throws_ok(format('SELECT * FROM tarbox.tenant_create(%L)', 'z' || repeat('9', 63)), 'TX022', NULL, 'a 64-character name -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create('neg', NULL, -1, 0)$$, 'TX022', NULL, 'a negative default uid -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create('big', NULL, 0, 4294967295)$$, 'TX022', NULL, 'default gid 2^32-1 -> EINVAL');

-- ---- tenant_list / tenant_info --------------------------------------------------------------
SELECT is((SELECT row(name, role_name, inodes, bytes, layers)::text FROM tarbox.tenant_list() WHERE tenant_id = :t1_tenant_id),
          row('t1', :'t1_role_name', 2, 5, 1)::text, 'tenant_list: t1 with 2 inodes, 5 bytes, 1 layer');
SELECT ok((SELECT array_agg(name) FROM tarbox.tenant_list()) @> ARRAY['a', 'a-b_c9', 'pw', 't1'], 'tenant_list lists every tenant');
SELECT is((SELECT array_agg(name ORDER BY name) FROM tarbox.tenant_list()), (SELECT array_agg(name) FROM tarbox.tenant_list()),
          'tenant_list is sorted by name');
SELECT is((SELECT row(tenant_id, name, inodes)::text FROM tarbox.tenant_info('t1')), row(:t1_tenant_id, 't1', 2)::text, 'tenant_info returns one tenant''s row');
SELECT is((SELECT count(*) FROM tarbox.tenant_info('t1')), 1::bigint, 'tenant_info returns exactly one row');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_info('nobody')$$, 'TX002', NULL, 'tenant_info of a missing tenant -> ENOENT');

-- ---- tenant_rename --------------------------------------------------------------------------
SELECT lives_ok($$SELECT tarbox.tenant_rename('t1', 't1-renamed')$$, 'tenant_rename');
SELECT is((SELECT row(tenant_id, role_name)::text FROM tarbox.tenant_info('t1-renamed')), row(:t1_tenant_id, :'t1_role_name')::text,
          'the renamed tenant keeps its id and role');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_info('t1')$$, 'TX002', NULL, 'the old name is gone');
SELECT throws_ok($$SELECT tarbox.tenant_rename('t1-renamed', 'pw')$$, 'TX017', NULL, 'rename to an existing name -> EEXIST');
SELECT throws_ok($$SELECT tarbox.tenant_rename('t1-renamed', 'Bad')$$, 'TX022', NULL, 'rename to an invalid name -> EINVAL');
SELECT throws_ok($$SELECT tarbox.tenant_rename('nobody', 'somebody')$$, 'TX002', NULL, 'rename of a missing tenant -> ENOENT');
SET ROLE :"t1_role_name";
SELECT is(tarbox.read('/hello'), 'hello'::bytea, 'the renamed tenant still reads its files');
RESET ROLE;

-- ---- tenant_delete: every row, the role and the sequence go; the others stay ----------------
SELECT * FROM tarbox.tenant_create('victim') \gset v_
SELECT * FROM tarbox.tenant_create('keeper') \gset k_
SET ROLE :"v_role_name";
SELECT tarbox.mkdir('/d/e', 493, true) AS w \gset
SELECT tarbox.write('/d/e/f', decode(repeat('ab', 70000), 'hex')) AS w \gset
SELECT tarbox.ln('/d/e/f', '/link', true) AS w \gset
SELECT tarbox.setxattr('/d/e/f', 'user.k', 'v'::bytea) AS w \gset
SELECT tarbox.fs_create(1, 'orphan'::bytea, 420, 0, 0) AS w \gset
SELECT tarbox.fs_unlink(1, 'orphan'::bytea) AS w \gset
SET ROLE :"k_role_name";
SELECT tarbox.write('/keep', 'keep me'::bytea) AS w \gset
SELECT tarbox.setxattr('/keep', 'user.k', 'v'::bytea) AS w \gset
RESET ROLE;
SELECT cmp_ok(pg_temp.rows_of(:v_tenant_id), '>=', 10::bigint, 'setup: the victim owns rows in several tables');
SELECT pg_temp.fingerprint(:k_tenant_id) AS keeper_before \gset
SELECT pg_temp.fingerprint(:t1_tenant_id) AS t1_before \gset

SELECT lives_ok($$SELECT tarbox.tenant_delete('victim')$$, 'tenant_delete');
SELECT is(pg_temp.rows_of(:v_tenant_id), 0::bigint, 'no row of the deleted tenant remains in any table');
SELECT is((SELECT op FROM tarbox.audit_log WHERE tenant_id = :v_tenant_id ORDER BY at_ns DESC, seq DESC LIMIT 1),
          'tenant_delete', 'its audit trail stays, ending with the record of its deletion');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'v_role_name'), 'its role is dropped');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = 'tarbox'::regnamespace AND relname = 'ino_seq_' || :v_tenant_id),
          'its inode sequence is dropped');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_info('victim')$$, 'TX002', NULL, 'tenant_info of the deleted tenant -> ENOENT');
SELECT ok(NOT EXISTS (SELECT 1 FROM tarbox.tenant_list() WHERE name = 'victim'), 'tenant_list no longer lists it');
SELECT is(pg_temp.fingerprint(:k_tenant_id), :'keeper_before', 'every row of another tenant is unchanged');
SELECT is(pg_temp.fingerprint(:t1_tenant_id), :'t1_before', 'every row of a third tenant is unchanged');
SELECT ok(EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'k_role_name'), 'the other tenant''s role is still there');
SET ROLE :"k_role_name";
SELECT is(tarbox.read('/keep'), 'keep me'::bytea, 'the other tenant still reads its file');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'the other tenant''s fsck is clean');
RESET ROLE;
SELECT throws_ok($$SELECT tarbox.tenant_delete('victim')$$, 'TX002', NULL, 'deleting it again -> ENOENT');
SELECT lives_ok($$SELECT * FROM tarbox.tenant_create('victim')$$, 'the name can be used again');
SELECT is((SELECT inodes FROM tarbox.tenant_info('victim')), 1::bigint, 'the new tenant of that name starts empty (just the root)');

-- ---- Administrators that are not superusers: members of tarbox_admin ------------------------
CREATE ROLE pgtap_admin_role NOLOGIN IN ROLE tarbox_admin;
SET ROLE pgtap_admin_role;
SELECT lives_ok($$SELECT * FROM tarbox.tenant_create('byadmin')$$, 'a tarbox_admin member can create a tenant');
SELECT ok(EXISTS (SELECT 1 FROM tarbox.tenant_list() WHERE name = 'byadmin'), 'a tarbox_admin member can list tenants');
SELECT lives_ok($$SELECT tarbox.tenant_delete('byadmin')$$, 'a tarbox_admin member can delete a tenant');
RESET ROLE;

-- ---- Everyone else: 42501 -------------------------------------------------------------------
SET ROLE :"k_role_name";
SELECT throws_ok($$SELECT * FROM tarbox.tenant_create('evil')$$, '42501', NULL, 'a tenant cannot create tenants');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_list()$$, '42501', NULL, 'a tenant cannot list tenants');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_info('pw')$$, '42501', NULL, 'a tenant cannot read tenant info');
SELECT throws_ok($$SELECT tarbox.tenant_rename('pw', 'mine')$$, '42501', NULL, 'a tenant cannot rename tenants');
SELECT throws_ok($$SELECT tarbox.tenant_delete('pw')$$, '42501', NULL, 'a tenant cannot delete tenants');
RESET ROLE;
CREATE ROLE pgtap_nobody_role NOLOGIN;
SET ROLE pgtap_nobody_role;
SELECT throws_ok($$SELECT * FROM tarbox.tenant_list()$$, '42501', NULL, 'an unrelated role cannot list tenants');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
