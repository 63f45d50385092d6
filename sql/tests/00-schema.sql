-- Schema meta-tests: the invariants every table and function of schema tarbox must keep,
-- checked against the catalogs so that a table or function added later is covered too.
BEGIN;
SELECT plan(96);

-- ---------------------------------------------------------------------------------------------
-- Tables and their primary keys.
SELECT has_schema('tarbox', 'schema tarbox exists');
SELECT has_table('tarbox', 'tenant',   'table tarbox.tenant exists');
SELECT has_table('tarbox', 'layer',    'table tarbox.layer exists');
SELECT has_table('tarbox', 'inode',    'table tarbox.inode exists');
SELECT has_table('tarbox', 'dentry',   'table tarbox.dentry exists');
SELECT has_table('tarbox', 'block',    'table tarbox.block exists');
SELECT has_table('tarbox', 'blockmap', 'table tarbox.blockmap exists');
SELECT has_table('tarbox', 'xattr',    'table tarbox.xattr exists');
SELECT has_table('tarbox', 'mount_session', 'table tarbox.mount_session exists');
SELECT has_table('tarbox', 'errno',    'table tarbox.errno exists');
SELECT has_table('tarbox', 'schema_migration', 'table tarbox.schema_migration exists');

SELECT col_is_pk('tarbox', 'tenant',   ARRAY['tenant_id'], 'tenant PK is (tenant_id)');
SELECT col_is_pk('tarbox', 'layer',    ARRAY['tenant_id', 'layer_id'], 'layer PK is (tenant_id, layer_id)');
SELECT col_is_pk('tarbox', 'inode',    ARRAY['tenant_id', 'ino', 'born'], 'inode PK is (tenant_id, ino, born)');
SELECT col_is_pk('tarbox', 'dentry',   ARRAY['tenant_id', 'parent_ino', 'name', 'born'], 'dentry PK is (tenant_id, parent_ino, name, born)');
SELECT col_is_pk('tarbox', 'block',    ARRAY['tenant_id', 'hash'], 'block PK is (tenant_id, hash): dedup is per tenant');
SELECT col_is_pk('tarbox', 'blockmap', ARRAY['tenant_id', 'ino', 'blkno', 'born'], 'blockmap PK is (tenant_id, ino, blkno, born)');
SELECT col_is_pk('tarbox', 'xattr',    ARRAY['tenant_id', 'ino', 'name', 'born'], 'xattr PK is (tenant_id, ino, name, born)');
SELECT col_is_pk('tarbox', 'mount_session', ARRAY['tenant_id', 'session_id'], 'mount_session PK is (tenant_id, session_id)');
SELECT col_is_pk('tarbox', 'errno',    ARRAY['name'], 'errno PK is (name)');
SELECT col_is_pk('tarbox', 'schema_migration', ARRAY['name'], 'schema_migration PK is (name)');

-- ---------------------------------------------------------------------------------------------
-- Tenant-owned tables: every table with a tenant_id column (whenever it was added).
SELECT cmp_ok((SELECT count(*)::int FROM pg_class c
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
                WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p')),
              '>=', 7, 'at least the 7 core tables carry tenant_id (the checks below are not vacuous)');

SELECT is_empty($$
    SELECT c.relname FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
     WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p')
       AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
$$, 'every tarbox table with tenant_id has row-level security ENABLEd and FORCEd');

SELECT is_empty($$
    SELECT c.relname FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
      LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
     WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p')
       AND (i.indexrelid IS NULL OR i.indkey[0] <> a.attnum)
$$, 'every tarbox table with tenant_id has a primary key that starts with tenant_id');

SELECT is_empty($$
    SELECT c.relname FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
     WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p')
       AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
$$, 'every tarbox table with tenant_id has at least one policy');

-- Every policy restricts rows to the caller's tenant, for reading (USING) and writing (WITH CHECK).
SELECT is_empty($$
    SELECT p.tablename, p.policyname FROM pg_policies p
     WHERE p.schemaname = 'tarbox'
       AND p.tablename NOT IN ('native_mount', 'publication', 'publication_grant', 'composition')
       AND p.policyname !~ '_published$'
       AND (p.qual !~ '^\(tenant_id = \( SELECT tarbox\._tenant_id\(\) AS _tenant_id\)\)$' OR p.qual IS NULL
            OR p.with_check !~ '^\(tenant_id = \( SELECT tarbox\._tenant_id\(\) AS _tenant_id\)\)$' OR p.with_check IS NULL
            OR p.permissive <> 'PERMISSIVE' OR p.cmd <> 'ALL')
$$, 'every policy is "tenant_id = (SELECT tarbox._tenant_id())" (once per statement, 0140) in both USING and WITH CHECK');

-- Composition (0100): the only other policies on tenant data add read access to exactly the
-- rows of layers published to the caller, and nothing else (no writes, no locks).
SELECT is_empty($$
    SELECT p.tablename, p.policyname FROM pg_policies p
     WHERE p.schemaname = 'tarbox' AND p.policyname ~ '_published$'
       AND (p.cmd <> 'SELECT' OR p.permissive <> 'PERMISSIVE' OR p.with_check IS NOT NULL
            OR p.qual !~ CASE p.tablename WHEN 'block' THEN '^\(\(tenant_id <> \( SELECT tarbox\._tenant_id\(\) AS _tenant_id\)\) AND tarbox\._published_block\(tenant_id, hash\)\)$'
                                          ELSE '^\(\(tenant_id <> \( SELECT tarbox\._tenant_id\(\) AS _tenant_id\)\) AND tarbox\._published\(tenant_id, born, died\)\)$' END
            OR p.tablename NOT IN ('inode', 'dentry', 'xattr', 'blockmap', 'chunkmap', 'block'))
$$, 'the *_published policies are SELECT-only and call tarbox._published(tenant_id, born, died) (blocks: _published_block) for rows of other tenants only');
SELECT is_empty($$
    SELECT p.tablename, p.policyname FROM pg_policies p
     WHERE p.schemaname = 'tarbox' AND p.tablename IN ('publication', 'publication_grant', 'composition')
       AND (p.with_check IS DISTINCT FROM 'false' OR p.cmd <> 'ALL')
$$, 'tenants write no publication, grant or composition (WITH CHECK false)');
-- tarbox.native_mount (administrators' definitions, shared or for one tenant): tenants' definer
-- functions see the shared rows and their own, and nothing may be written through the policy.
SELECT is((SELECT string_agg(concat_ws(' | ', p.policyname, p.qual, p.with_check, p.permissive, p.cmd), '; ')
             FROM pg_policies p WHERE p.schemaname = 'tarbox' AND p.tablename = 'native_mount'),
          'native_mount_visible | ((tenant IS NULL) OR (tenant = ( SELECT tarbox._tenant_id() AS _tenant_id))) | false | PERMISSIVE | ALL',
          'native_mount has one policy: shared rows or the caller''s own, no writes');
SELECT ok((SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'tarbox.native_mount'::regclass),
          'native_mount has row-level security ENABLEd and FORCEd');

-- Table privileges: PUBLIC has none; tenants may only SELECT (writes go through the API).
SELECT is_empty($$
    SELECT c.relname, priv FROM pg_class c,
           unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) priv
     WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
       AND has_table_privilege('public', c.oid, priv)
$$, 'PUBLIC has no privilege on any tarbox table');

SELECT is_empty($$
    SELECT c.relname, priv FROM pg_class c,
           unnest(ARRAY['INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) priv
     WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
       AND has_table_privilege('tarbox_tenant', c.oid, priv)
$$, 'tarbox_tenant can only SELECT tarbox tables (no INSERT/UPDATE/DELETE/TRUNCATE/REFERENCES/TRIGGER)');

SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p')
       AND has_table_privilege('tarbox_tenant', c.oid, 'SELECT')
       AND NOT c.relrowsecurity AND c.relname <> 'errno'
$$, 'the only table tenants read without row-level security is the reference table errno');

-- ---------------------------------------------------------------------------------------------
-- Functions.
SELECT cmp_ok((SELECT count(*)::int FROM pg_proc WHERE pronamespace = 'tarbox'::regnamespace
                 AND proname !~ '^_'), '>=', 50, 'schema tarbox has its public API (>= 50 functions)');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace
       AND (p.proacl IS NULL OR has_function_privilege('public', p.oid, 'EXECUTE'))
$$, 'no function in schema tarbox is executable by PUBLIC (and none has the default NULL acl)');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace AND p.prosecdef
       AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
$$, 'every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace AND p.proname !~ '^_'
       AND NOT p.prosecdef
$$, 'every public (non-underscore) function is SECURITY DEFINER');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace AND p.proname ~ '^_' AND p.prosecdef
       AND NOT (p.prorettype = 'trigger'::regtype AND NOT has_function_privilege('tarbox_tenant', p.oid, 'EXECUTE'))
$$, 'no internal (underscore) function is SECURITY DEFINER but trigger functions (which nobody can call; they run at commit as the session''s role)');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace AND p.proname !~ '^_'
       AND coalesce(obj_description(p.oid, 'pg_proc'), '') = ''
$$, 'every public (non-underscore) function has a comment');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace AND p.proname !~ '^_'
       AND obj_description(p.oid, 'pg_proc') !~ 'Errors:'
$$, 'every public function comment states its errors ("Errors: ...")');

SELECT is_empty($$
    SELECT p.oid::regprocedure, pg_get_userbyid(p.proowner) FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace
       AND pg_get_userbyid(p.proowner) NOT IN ('tarbox_owner', 'tarbox_maint')
$$, 'every function is owned by tarbox_owner or tarbox_maint (never a superuser)');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace AND p.prosecdef
       AND pg_get_userbyid(p.proowner) = 'tarbox_maint' AND p.proname !~ '^tenant_'
       AND obj_description(p.oid, 'pg_proc') !~ '^Administrators: '
       AND NOT (p.prorettype = 'trigger'::regtype AND NOT has_function_privilege('tarbox_tenant', p.oid, 'EXECUTE'))
$$, 'only administration functions (tenant_*, or documented "Administrators: ...") and trigger functions nobody can call run as the BYPASSRLS role tarbox_maint');

-- Tenants execute the public API and, of the internals, only what the RLS policies call.
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace AND p.proname ~ '^_'
       AND p.proname NOT IN ('_caller', '_tenant_id', '_is_admin', '_published', '_published_block')
       AND has_function_privilege('tarbox_tenant', p.oid, 'EXECUTE')
$$, 'tenants cannot execute internal functions other than _caller/_tenant_id/_is_admin and the publication policies'' _published/_published_block');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace
       AND (p.proname ~ '^tenant_' OR obj_description(p.oid, 'pg_proc') ~ '^Administrators: ')
       AND has_function_privilege('tarbox_tenant', p.oid, 'EXECUTE')
$$, 'tenants cannot execute the administration functions (tenant_*, documented "Administrators: ...")');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace AND p.proname !~ '^_'
       AND pg_get_userbyid(p.proowner) = 'tarbox_maint'
       AND has_function_privilege('tarbox_tenant', p.oid, 'EXECUTE')
$$, 'tenants cannot execute any administration function (those run as tarbox_maint)');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace AND p.proname !~ '^(_|tenant_)'
       AND obj_description(p.oid, 'pg_proc') !~ '^Administrators: '
       AND NOT has_function_privilege('tarbox_tenant', p.oid, 'EXECUTE')
$$, 'tenants can execute every public file-system function');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'tarbox'::regnamespace AND p.proname ~ '^native_'
       AND obj_description(p.oid, 'pg_proc') ~ '^Administrators: '
       AND (pg_get_userbyid(p.proowner) <> 'tarbox_maint' OR NOT has_function_privilege('tarbox_admin', p.oid, 'EXECUTE'))
$$, 'the native mount administration functions run as tarbox_maint and are granted to tarbox_admin');

SELECT is_definer('tarbox', 'fs_getattr', ARRAY['bigint', 'integer'], 'fs_getattr is SECURITY DEFINER');
SELECT is_definer('tarbox', 'fs_write', ARRAY['bigint', 'bigint', 'bytea', 'boolean', 'boolean', 'bigint', 'bigint', 'integer'], 'fs_write is SECURITY DEFINER');
SELECT is_definer('tarbox', 'write', ARRAY['text', 'bytea', 'bigint'], 'write(text, bytea, bigint) is SECURITY DEFINER');
SELECT is_definer('tarbox', 'fsck', ARRAY['boolean'], 'fsck is SECURITY DEFINER');
SELECT is_definer('tarbox', 'tenant_create', ARRAY['text', 'text', 'bigint', 'bigint'], 'tenant_create is SECURITY DEFINER');
SELECT isnt_definer('tarbox', '_tenant_id', ARRAY[]::text[], '_tenant_id is not SECURITY DEFINER (it must see the caller)');

-- ---------------------------------------------------------------------------------------------
-- Roles.
SELECT is((SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'tarbox_owner'), false,
          'tarbox_owner (owner of tables and API) is neither superuser nor BYPASSRLS');
SELECT is((SELECT rolsuper OR rolbypassrls OR rolcreaterole OR rolcanlogin FROM pg_roles WHERE rolname = 'tarbox_tenant'),
          false, 'group tarbox_tenant has no special attribute');
SELECT is((SELECT rolsuper FROM pg_roles WHERE rolname = 'tarbox_maint'), false, 'tarbox_maint is not superuser');
SELECT ok(NOT has_schema_privilege('public', 'tarbox', 'USAGE') AND NOT has_schema_privilege('public', 'tarbox', 'CREATE'),
          'PUBLIC has no access to schema tarbox');
SELECT ok(NOT has_schema_privilege('tarbox_tenant', 'tarbox', 'CREATE'), 'tenants cannot create objects in schema tarbox');

-- A fresh tenant role: reachable only by SET ROLE, no attributes, member of tarbox_tenant only.
SELECT tenant_id AS t_id, role_name AS t_role FROM tarbox.tenant_create('schematest') \gset
SELECT is(:'t_role', 'tarbox_tenant_' || :t_id, 'the tenant role is tarbox_tenant_<tenant_id>');
SELECT is((SELECT row(rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolcanlogin, rolreplication)::text
             FROM pg_roles WHERE rolname = :'t_role'),
          '(f,f,f,f,f,f)', 'a tenant role has no attributes (NOLOGIN without a password)');
SELECT set_eq(format($$SELECT r.rolname::text FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
                        WHERE m.member = %L::regrole$$, :'t_role'),
              ARRAY['tarbox_tenant'], 'a tenant role is a member of tarbox_tenant and nothing else');
SELECT ok(NOT has_database_privilege(:'t_role', current_database(), 'TEMPORARY'),
          'a tenant cannot create temporary objects (no pg_temp shadowing)');
SELECT ok(NOT has_schema_privilege(:'t_role', 'public', 'CREATE'), 'a tenant cannot create objects in schema public');
SELECT ok(NOT has_sequence_privilege(:'t_role', format('tarbox.ino_seq_%s', :t_id), 'USAGE')
          AND NOT has_sequence_privilege(:'t_role', format('tarbox.ino_seq_%s', :t_id), 'SELECT')
          AND NOT has_sequence_privilege('public', format('tarbox.ino_seq_%s', :t_id), 'SELECT'),
          'neither the tenant nor PUBLIC can use or read the inode sequence');

-- ---------------------------------------------------------------------------------------------
-- tarbox.errno: SQLSTATE TX + 3-digit errno, Linux numbering.
SELECT is_empty($$SELECT name FROM tarbox.errno WHERE sqlstate <> 'TX' || lpad(num::text, 3, '0') OR sqlstate !~ '^TX[0-9]{3}$'$$,
                'every errno row has sqlstate TX + 3-digit errno');
SELECT results_eq($$SELECT name, num FROM tarbox.errno
                     WHERE name IN ('EPERM','ENOENT','EIO','EACCES','EBUSY','EEXIST','EXDEV','ENOTDIR','EISDIR',
                                    'EINVAL','EFBIG','EROFS','ERANGE','ENAMETOOLONG','ENOTEMPTY','ELOOP','ENODATA','EILSEQ')
                     ORDER BY num$$,
                  $$VALUES ('EPERM',1),('ENOENT',2),('EIO',5),('EACCES',13),('EBUSY',16),('EEXIST',17),('EXDEV',18),
                           ('ENOTDIR',20),('EISDIR',21),('EINVAL',22),('EFBIG',27),('EROFS',30),('ERANGE',34),
                           ('ENAMETOOLONG',36),('ENOTEMPTY',39),('ELOOP',40),('ENODATA',61),('EILSEQ',84)$$,
                  'errno numbers match Linux for every errno the API documents');
SELECT is((SELECT sqlstate FROM tarbox.errno WHERE name = 'ENOENT'), 'TX002', 'ENOENT is SQLSTATE TX002');
SELECT is_empty($$
    SELECT DISTINCT m[1] FROM pg_proc p, regexp_matches(obj_description(p.oid, 'pg_proc'), '(E[A-Z0-9]+) \(TX[0-9]{3}\)', 'g') m
     WHERE p.pronamespace = 'tarbox'::regnamespace
       AND NOT EXISTS (SELECT 1 FROM tarbox.errno e WHERE e.name = m[1])
$$, 'every errno a function comment documents exists in tarbox.errno');
SELECT is_empty($$
    SELECT m[1], m[2] FROM pg_proc p, regexp_matches(obj_description(p.oid, 'pg_proc'), '(E[A-Z0-9]+) \((TX[0-9]{3})\)', 'g') m
     WHERE p.pronamespace = 'tarbox'::regnamespace
       AND NOT EXISTS (SELECT 1 FROM tarbox.errno e WHERE e.name = m[1] AND e.sqlstate = m[2])
$$, 'every "ENAME (TXnnn)" in a function comment names the right SQLSTATE');
SELECT throws_ok($$SELECT tarbox._raise('ENOENT', 'probe')$$, 'TX002', 'probe', '_raise raises the errno''s SQLSTATE with the message');
SELECT throws_ok($$SELECT tarbox._raise('ENOSUCH', 'probe')$$, 'XX000', NULL, '_raise refuses an unknown errno name');

-- ---------------------------------------------------------------------------------------------
-- tarbox.inode's invariants: one CHECK (inode_valid, migration 0160) that names the invariant a
-- row breaks as the constraint it was; each case breaks one of them in an otherwise valid row.
SELECT is((SELECT array_agg(pg_get_constraintdef(oid)) FROM pg_constraint
            WHERE conrelid = 'tarbox.inode'::regclass AND contype = 'c'),
          ARRAY['CHECK (tarbox._inode_valid(inode.*))'], 'inode has one CHECK, which calls tarbox._inode_valid');
CREATE FUNCTION pg_temp.inode_insert(p_change jsonb) RETURNS text LANGUAGE sql AS $f$
    SELECT format('INSERT INTO tarbox.inode SELECT (jsonb_populate_record(NULL::tarbox.inode, %L)).*',
                  '{"tenant_id": -7, "ino": 2, "born": 1, "died": 2147483647, "mode": 33188, "nlink": 1,
                    "uid": 0, "gid": 4294967295, "rdev": 0, "size": 100, "atime_ns": 0, "mtime_ns": 0,
                    "ctime_ns": 0, "btime_ns": 0, "stored": 100, "text_bytes": 100, "text_lines": 3}'::jsonb || p_change)
$f$;
SELECT lives_ok(pg_temp.inode_insert('{}'), 'a valid regular file row is accepted');
SELECT lives_ok(pg_temp.inode_insert('{"ino": 3, "mode": 41471, "target": "\\x616263", "size": 3, "stored": 0, "text_bytes": 0, "text_lines": 0}'),
                'a valid symbolic link row is accepted');
SELECT lives_ok(pg_temp.inode_insert('{"ino": 4, "mode": 8612, "rdev": 259, "size": 0, "stored": 0, "text_bytes": 0, "text_lines": 0}'),
                'a valid character device row is accepted');
SELECT throws_ok(pg_temp.inode_insert('{"ino": 0}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_ino_check"', 'CHECK inode_ino_check');
SELECT throws_ok(pg_temp.inode_insert('{"born": 0}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_born_check"', 'CHECK inode_born_check');
SELECT throws_ok(pg_temp.inode_insert('{"nlink": -1}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_nlink_check"', 'CHECK inode_nlink_check');
SELECT throws_ok(pg_temp.inode_insert('{"uid": 4294967296}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_uid_check"', 'CHECK inode_uid_check');
SELECT throws_ok(pg_temp.inode_insert('{"gid": -1}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_gid_check"', 'CHECK inode_gid_check');
SELECT throws_ok(pg_temp.inode_insert('{"rdev": -1}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_rdev_check"', 'CHECK inode_rdev_check');
SELECT throws_ok(pg_temp.inode_insert('{"size": -1}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_size_check"', 'CHECK inode_size_check');
SELECT throws_ok(pg_temp.inode_insert('{"born": 5, "died": 5}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_lifetime"', 'CHECK inode_lifetime');
SELECT throws_ok(pg_temp.inode_insert('{"mode": 98724}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_mode_bits"', 'CHECK inode_mode_bits');
SELECT throws_ok(pg_temp.inode_insert('{"mode": 53668}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_file_type"', 'CHECK inode_file_type');
SELECT throws_ok(pg_temp.inode_insert('{"mode": 41471}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_symlink_target"', 'CHECK inode_symlink_target');
SELECT throws_ok(pg_temp.inode_insert('{"mode": 41471, "target": "\\x616263", "size": 2}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_symlink_size"', 'CHECK inode_symlink_size');
SELECT throws_ok(pg_temp.inode_insert('{"rdev": 5}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_rdev_devices"', 'CHECK inode_rdev_devices');
SELECT throws_ok(pg_temp.inode_insert('{"mode": 16877, "size": 10}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_size_files"', 'CHECK inode_size_files');
SELECT throws_ok(pg_temp.inode_insert('{"ino": 1}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_root_dir"', 'CHECK inode_root_dir');
SELECT throws_ok(pg_temp.inode_insert('{"stored": -1}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_stored_check"', 'CHECK inode_stored_check');
SELECT throws_ok(pg_temp.inode_insert('{"text_bytes": -1}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_text_bytes_check"', 'CHECK inode_text_bytes_check');
SELECT throws_ok(pg_temp.inode_insert('{"text_lines": -1}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_text_lines_check"', 'CHECK inode_text_lines_check');
SELECT throws_ok(pg_temp.inode_insert('{"size": 5, "text_bytes": 10}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_text_within"', 'CHECK inode_text_within');
SELECT throws_ok(pg_temp.inode_insert('{"mode": 16877, "size": 0, "stored": 5, "text_bytes": 0, "text_lines": 0}'), '23514',
                 'new row for relation "inode" violates check constraint "inode_stored_files"', 'CHECK inode_stored_files');
SELECT throws_ok($$UPDATE tarbox.inode SET size = 5000 WHERE tenant_id = -7 AND ino = 3$$, '23514',
                 'new row for relation "inode" violates check constraint "inode_symlink_size"',
                 'an UPDATE that breaks an invariant is refused as an INSERT is');

SELECT * FROM finish();
ROLLBACK;
