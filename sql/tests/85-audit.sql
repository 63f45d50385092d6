-- Audit: the log's shape and privileges, records in the transaction of the change, failures
-- recorded through warnings, levels and path overrides, what a tenant can and cannot do to the
-- log (also through every API function that takes free text), partitions and retention with a
-- frozen clock, seals and verification against a superuser's edits.
BEGIN;
SELECT plan(143);

SET client_min_messages = error;  -- the warning-mode calls below report their failures as WARNINGs

-- Helpers (superuser, pg_temp, rolled back).
CREATE FUNCTION pg_temp.n(p_tenant bigint) RETURNS bigint LANGUAGE sql AS
    $$ SELECT count(*) FROM tarbox.audit_log WHERE tenant_id = p_tenant $$;
CREATE FUNCTION pg_temp.last(p_tenant bigint) RETURNS tarbox.audit_log LANGUAGE sql AS
    $$ SELECT l FROM tarbox.audit_log l WHERE l.tenant_id = p_tenant ORDER BY l.at_ns DESC, l.seq DESC LIMIT 1 $$;
CREATE FUNCTION pg_temp.ns(p_time timestamptz) RETURNS bigint LANGUAGE sql AS
    $$ SELECT (extract(epoch FROM p_time) * 1000000)::bigint * 1000 $$;
-- a record as the superuser writes it for the frozen-clock tests
CREATE FUNCTION pg_temp.put(p_tenant bigint, p_time timestamptz, p_op text DEFAULT 'write', p_path text DEFAULT '/f')
RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO tarbox.audit_log (tenant_id, at_ns, op, ok, path, role, bytes)
    VALUES (p_tenant, pg_temp.ns(p_time), p_op, true, p_path, 'tester', 1) RETURNING seq
$$;
CREATE FUNCTION pg_temp.problems(p_tenant text) RETURNS text[] LANGUAGE sql AS $$
    SELECT coalesce(array_agg(problem || coalesce(':' || seq, '') ORDER BY problem, seq), '{}')
      FROM tarbox.audit_verify(p_tenant) WHERE problem <> 'verified'
$$;

-- =============================================================================================
-- The table
SELECT is_partitioned('tarbox', 'audit_log', 'tarbox.audit_log is partitioned');
SELECT is((SELECT pg_get_partkeydef('tarbox.audit_log'::regclass)), 'RANGE (at_ns)', 'by range of at_ns (time in ns)');
SELECT isnt_empty($$SELECT 1 FROM pg_partition_tree('tarbox.audit_log') t JOIN pg_class c ON c.oid = t.relid
                    WHERE c.relname = 'audit_log_default' AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'$$,
                  'a default partition catches what no partition takes');
SELECT is((SELECT count(*)::int FROM tarbox.audit_partition
            WHERE lo_ns <= pg_temp.ns(now()) AND hi_ns > pg_temp.ns(now())), 1,
          'tarbox init made the partition of the current month');
SELECT cmp_ok((SELECT count(*)::int FROM tarbox.audit_partition WHERE lo_ns > pg_temp.ns(now())), '>=', 3,
              '... and of the next 3 months (audit_config.premake)');
SELECT col_is_pk('tarbox', 'audit_log', ARRAY['tenant_id', 'at_ns', 'seq'], 'audit_log PK (tenant_id, at_ns, seq)');
SELECT is_empty($$
    SELECT c.relname, i.indexrelid::regclass FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
     WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relname ~ '^audit_' AND a.attname <> 'tenant_id'
       AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.oid AND t.attname = 'tenant_id')
$$, 'tenant_id leads every key and index of the audit tables and partitions');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relname ~ '^audit_'
       AND c.relkind IN ('r', 'p', 'v', 'S') AND pg_get_userbyid(c.relowner) <> 'tarbox_maint'
$$, 'every audit table, partition, view and sequence belongs to tarbox_maint');
SELECT ok(has_table_privilege('tarbox_owner', 'tarbox.audit_log', 'INSERT')
          AND NOT has_table_privilege('tarbox_owner', 'tarbox.audit_log', 'UPDATE')
          AND NOT has_table_privilege('tarbox_owner', 'tarbox.audit_log', 'DELETE')
          AND NOT has_table_privilege('tarbox_owner', 'tarbox.audit_log', 'TRUNCATE'),
          'the role of the tenant-facing API may insert records, never update, delete or truncate them');
SELECT ok(NOT has_table_privilege('tarbox_owner', 'tarbox.audit_seal', 'INSERT')
          AND NOT has_table_privilege('tarbox_owner', 'tarbox.audit_seal', 'UPDATE')
          AND NOT has_table_privilege('tarbox_tenant', 'tarbox.audit_seal', 'INSERT'),
          'only the administrators'' role writes seals');

-- Tenants: alice (audited at full), bob (whose records alice must never see).
SELECT tenant_id AS alice_id, role_name AS alice FROM tarbox.tenant_create('alice') \gset
SELECT tenant_id AS bob_id, role_name AS bob FROM tarbox.tenant_create('bob') \gset
SELECT tarbox.audit_set_level('alice', 'full');
SELECT is((pg_temp.last(:alice_id)).op, 'audit_level', 'changing a tenant''s level is recorded in its log');
SELECT is((pg_temp.last(:alice_id)).details, '{"level": "full"}'::jsonb, '... with the new level');
SET ROLE :"bob";
SELECT tarbox.write('/bob-secret', 'bob') AS w \gset
RESET ROLE;

-- =============================================================================================
-- Records in the transaction of the change
SET ROLE :"alice";
SELECT tarbox.mkdir('/d') AS d_ino \gset
SELECT is((pg_temp.last(:alice_id)).op, 'mkdir', 'mkdir is recorded');
SELECT (tarbox.fs_create(:d_ino, 'f'::bytea, 420, 1000, 1000, 0, 1000, 100, 4242)).ino AS f_ino \gset
SELECT results_eq($$SELECT op, ok, path, ino, uid, gid, pid, role FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :alice_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  format($$VALUES ('create', true, '/d/f', %s::bigint, 1000::bigint, 100::bigint, 4242, 'tarbox')$$, :f_ino),
                  'create: op, path, inode and the caller''s uid/gid/pid as the shell passed them, the login role');
SELECT tarbox.fs_write(:f_ino, 0, 'hello'::bytea, false, false, 1000, 100, 4242) AS w \gset
SELECT results_eq($$SELECT op, bytes, details, layer FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :alice_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  $$VALUES ('write', 5::bigint, '{"offset": 0}'::jsonb, 1)$$, 'write: bytes, offset, layer');
SELECT ok((pg_temp.last(:alice_id)).duration_ns > 0 AND (pg_temp.last(:alice_id)).at_ns <= pg_temp.ns(clock_timestamp()),
          'a record has its time (ns) and duration (ns)');
-- Text changes: the lines added and deleted (from the storage code's text chunks).
SELECT tarbox.write('/d/t.txt', E'one\ntwo\nthree\n') AS w \gset
SELECT results_eq($$SELECT op, lines_added, lines_deleted FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :alice_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  $$VALUES ('write', 3, 0)$$, 'a new text file: its lines are added');
SELECT tarbox.write('/d/t.txt', E'one\nTWO\nthree\nfour\n') AS w \gset
SELECT results_eq($$SELECT lines_added, lines_deleted FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :alice_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  $$VALUES (2, 1)$$, 'one line changed, one appended: 2 added, 1 deleted');
SELECT (tarbox.fs_create((tarbox.stat('/d')).ino, 'new.txt'::bytea, 420, 1000, 100)).ino AS n_ino \gset
SELECT tarbox.fs_write(:n_ino, 0, E'a\nb\n'::bytea, false, false, 1000, 100, 4343) AS w \gset
SELECT results_eq($$SELECT op, lines_added, lines_deleted FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :alice_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  $$VALUES ('write', 2, 0)$$, 'the first FUSE write of text to an empty file is stored as text at once: its lines are added');
SELECT (tarbox.stat('/d/t.txt')).ino AS t_ino \gset
SELECT tarbox.fs_write(:t_ino, 19, E'five\n'::bytea, false, false, 1000, 100, 4343) AS w \gset
SELECT is((pg_temp.last(:alice_id)).lines_added, NULL::int, 'a FUSE write stores blocks: no line counts yet...');
SELECT is(tarbox.fs_release(:t_ino, false, 1000, 100, 4343), ARRAY[1, 0], '... the release of the handle re-chunks');
SELECT results_eq($$SELECT op, path, lines_added, lines_deleted, pid FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :alice_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  $$VALUES ('release', '/d/t.txt', 1, 0, 4343)$$, '... and is recorded with the lines of the change');
SELECT pg_temp.n(:alice_id) AS before \gset
SELECT is(tarbox.fs_release(:t_ino), NULL::int[], 'a release with nothing to re-chunk...');
SELECT is(pg_temp.n(:alice_id), :before::bigint, '... leaves no record');
SET tarbox.audit_lines = '999,999';
SELECT tarbox.mkdir('/d/forged-lines') AS w \gset
SELECT is((pg_temp.last(:alice_id)).lines_added, NULL::int, 'line counts a session sets itself never reach a record');
RESET tarbox.audit_lines;
SELECT pg_temp.n(:alice_id) AS before \gset
SAVEPOINT change;
SELECT tarbox.write('/d/rolled-back', 'x') AS w \gset
SELECT is(pg_temp.n(:alice_id), (:before + 1)::bigint, 'a change and its record are in the same transaction...');
ROLLBACK TO SAVEPOINT change;
SELECT is(pg_temp.n(:alice_id), :before::bigint, '... so a change rolled back leaves no record');
SELECT throws_ok($$SELECT tarbox.fs_mkdir(1, 'd'::bytea, 493, 0, 0)$$, 'TX017', NULL, 'a failing call raises its error...');
SELECT is(pg_temp.n(:alice_id), :before::bigint, '... and, reported as an error, leaves no record (the error rolls it back)');

-- Failures as warnings (the mount's mode): the failure is recorded, its work undone.
SET tarbox.error_mode = 'warning';
SELECT is((tarbox.fs_mkdir(1, 'd'::bytea, 493, 0, 0, 1000, 100, 4242)).ino, NULL::bigint,
          'in warning mode a failing call returns no row instead of raising');
SELECT results_eq($$SELECT op, ok, errno, message, path, pid FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :alice_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  $$VALUES ('mkdir', false, 17::smallint, 'd already exists', '/d', 4242)$$,
                  'the failure is recorded with its errno, message, path and caller');
SELECT is(tarbox.fs_write(:f_ino, 17592186044416, 'x'::bytea, false), NULL::bigint, 'a failing write returns NULL');
SELECT is((pg_temp.last(:alice_id)).errno, 27::smallint, '... and is recorded as EFBIG');
SELECT is(tarbox.read('/d/f'), 'hello'::bytea, 'the failed write changed nothing');
-- A failure in the middle of a call: its earlier work is undone by the subtransaction.
SELECT tarbox.fs_rename(:d_ino, 'f'::bytea, 999999, 'g'::bytea) AS w \gset
SELECT results_eq($$SELECT op, ok, errno, path, path2 FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :alice_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  $$VALUES ('rename', false, 2::smallint, '/d/f', NULL::text)$$, 'a failed rename is recorded (ENOENT)');
SELECT isnt_empty($$SELECT 1 FROM tarbox.stat('/d/f')$$, '... and the file was not moved');
RESET tarbox.error_mode;
RESET ROLE;
SELECT is(tarbox._audit_errno('TX002'), 2::smallint, 'SQLSTATE TX002 is recorded as errno 2');
SELECT is(tarbox._audit_errno('XX000'), 5::smallint, 'any other SQLSTATE as EIO (5)');
SELECT is(tarbox._audit_fail(ROW(:alice_id, 'write', 2, 1, now(), true, true, NULL, NULL, NULL, 2, false,
                                 '/x', NULL, NULL, NULL, NULL, NULL, NULL)::tarbox._audit_call, '40001', 'could not serialize'),
          false, 'a serialization failure is not recorded but re-raised: the caller retries the whole call');

-- Reads at level full: per call from a tenant's own session, once per open file from a shell.
SET ROLE :"alice";
SELECT pg_temp.n(:alice_id) AS before \gset
SELECT tarbox.fs_read(:f_ino, 0, 3, NULL, 7, 1000, 100, 4242) AS w \gset
SELECT tarbox.fs_read(:f_ino, 3, 3, NULL, 7, 1000, 100, 4242) AS w \gset
SELECT is(pg_temp.n(:alice_id), :before::bigint, 'a shell''s reads through a file handle are not recorded one by one...');
SELECT is(tarbox.fs_read_report(:f_ino, 2, 5, 1234, NULL, 1000, 100, 4242), true, '... but reported at release');
SELECT results_eq($$SELECT op, path, bytes, duration_ns, details, pid FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :alice_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  $$VALUES ('read', '/d/f', 5::bigint, 1234::bigint, '{"reads": 2, "release": true}'::jsonb, 4242)$$,
                  'one record for the reads of an open file: bytes, time, number of reads');
SELECT is(tarbox.fs_read_report(ARRAY[:f_ino, :f_ino]::bigint[], '{1,0}', '{5,0}', '{10,20}', '{NULL,NULL}', '{1000,1001}',
                            '{100,101}', '{7,8}'), 2, 'the mount sends the read records of released files in batches');
SELECT throws_ok(format($$SELECT tarbox.fs_read_report(ARRAY[%s]::bigint[], '{1,2}', '{1}', '{1}', '{NULL}', '{0}', '{0}', '{0}')$$, :f_ino),
                 'TX022', NULL, 'a batch of reports with arrays of different lengths -> EINVAL');
SELECT (tarbox.fs_lookup(:d_ino, 'f'::bytea)).ino AS w \gset
SELECT is((pg_temp.last(:alice_id)).op, 'lookup', 'lookups are recorded at level full');
SELECT pg_temp.n(:alice_id) AS before \gset
SELECT tarbox.audit_note('import', '/d', $j${"source": "x'); DELETE FROM tarbox.audit_log; --", "op": "forged", "bytes": 12}$j$) AS w \gset
SELECT results_eq($$SELECT op, path, bytes, details -> 'reported' ->> 'op' FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :alice_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  $$VALUES ('import', '/d', 12::bigint, 'forged')$$,
                  'a shell''s import summary: one record, its JSON kept as reported data, not as record fields');
SELECT is(pg_temp.n(:alice_id), (:before + 1)::bigint, '... and only that one');
SELECT throws_ok($$SELECT tarbox.audit_note('forged', '/', '{}')$$, 'TX022', NULL, 'only import, export and wasi_run can be noted');
-- A program run (tarbox wasi run): its start/end notes and its calls' records carry its id.
SELECT set_config('tarbox.audit_run', 'run-85', false) AS w \gset
SELECT is(tarbox.audit_note('wasi_run', '/d', '{"event": "start", "module": "m.wasm"}'), true, 'a shell notes a run''s start');
SELECT (tarbox.fs_lookup(:d_ino, 'f'::bytea)).ino AS w \gset
SELECT set_config('tarbox.audit_run', 'not a run id!', false) AS w \gset
SELECT (tarbox.fs_lookup(:d_ino, 'f'::bytea)).ino AS w \gset
SELECT set_config('tarbox.audit_run', '', false) AS w \gset
SELECT results_eq($$SELECT op, details ->> 'run', details -> 'reported' ->> 'event' FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :alice_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 3$$,
                  $$VALUES ('lookup', NULL, NULL), ('lookup', 'run-85', NULL), ('wasi_run', 'run-85', 'start')$$,
                  'records made while tarbox.audit_run names a run carry it as details.run; a malformed id is dropped');
-- Native mounts report their requests after the fact, in batches.
SELECT pg_temp.n(:alice_id) AS before \gset
SELECT is(tarbox.audit_native('{create,unlink,write}', ARRAY['/host/a.txt', '/host/missing', '/host/a.txt']::bytea[],
                              '{NULL,NULL,NULL}', ARRAY['/srv/a.txt', '/srv/missing', '/srv/a.txt']::bytea[],
                              '{0,2,0}', '{NULL,"ENOENT: No such file or directory (host)",NULL}', '{NULL,NULL,4096}',
                              '{10,20,30}', '{1000,1000,1001}', '{100,100,101}', '{7,7,8}',
                              ARRAY['{"mode": 420}', NULL, '{"calls": 1}']::jsonb[]), 3,
          'a native mount''s batch of three requests: three records');
SELECT results_eq($$SELECT op, ok, errno, path, native, native_source, layer, bytes, duration_ns, uid, pid FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :alice_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 3$$,
                  $$VALUES ('write', true, NULL::smallint, '/host/a.txt', true, '/srv/a.txt', NULL::int, 4096::bigint, 30::bigint, 1001::bigint, 8),
                           ('unlink', false, 2::smallint, '/host/missing', true, '/srv/missing', NULL::int, NULL::bigint, 20::bigint, 1000::bigint, 7),
                           ('create', true, NULL::smallint, '/host/a.txt', true, '/srv/a.txt', NULL::int, NULL::bigint, 10::bigint, 1000::bigint, 7)$$,
                  'native records: operation, success or errno, tree and host paths, no layer, bytes, time, caller');
SELECT throws_ok($$SELECT tarbox.audit_native('{mkdir,getattr}', ARRAY['/host/x', '/host/y']::bytea[], '{NULL,NULL}',
                     ARRAY['/srv/x', '/srv/y']::bytea[], '{0,0}', '{NULL,NULL}', '{NULL,NULL}', '{1,1}', '{0,0}', '{0,0}', '{0,0}',
                     '{NULL,NULL}')$$, 'TX022', NULL, 'an operation a native mount does not record -> EINVAL ...');
SELECT throws_ok($$SELECT tarbox.audit_native('{mkdir}', ARRAY['/host/x', '/host/y']::bytea[], '{NULL}',
                     ARRAY['/srv/x']::bytea[], '{0}', '{NULL}', '{NULL}', '{1}', '{0}', '{0}', '{0}', '{NULL}')$$,
                 'TX022', NULL, '... and so do arrays of different lengths');
SELECT is(pg_temp.n(:alice_id), (:before + 3)::bigint, '... writing nothing');
RESET ROLE;

-- The paths of many inodes at once (fs_setattr_many's records) are those of one call each:
-- the root, nested directories, a file with two names (the first by parent and name), an
-- unlinked inode (NULL), a number that was never used and NULL.
SET ROLE :"alice";
SELECT tarbox.mkdir('/pa') AS m1, tarbox.mkdir('/pa/b') AS m2, tarbox.mkdir('/pa/b/c') AS m3,
       tarbox.write('/pa/b/c/f', 'x') AS w1, tarbox.write('/pa/gone', 'x') AS w2 \gset
SELECT tarbox.ln('/pa/b/c/f', '/pa/b/f2') AS l1 \gset
SELECT ino AS gone_ino FROM tarbox.stat('/pa/gone') \gset
SELECT tarbox.rm('/pa/gone') AS r1 \gset
RESET ROLE;
SELECT is(tarbox._audit_paths_of(:alice_id, q.inos, t.current_layer),
          ARRAY(SELECT tarbox._audit_path_of(:alice_id, x, t.current_layer) FROM unnest(q.inos) WITH ORDINALITY u(x, o) ORDER BY o),
          'tarbox._audit_paths_of gives each inode the path tarbox._audit_path_of gives it')
  FROM tarbox.tenant t,
       (SELECT ARRAY(SELECT ino FROM tarbox.inode WHERE tenant_id = :alice_id AND died = 2147483647 ORDER BY ino)
               || ARRAY[1, :gone_ino, 999999999, NULL]::bigint[] AS inos) q
 WHERE t.tenant_id = :alice_id;

-- =============================================================================================
-- A tenant with its own login: reads its records, never alters them
SELECT name AS some_partition FROM tarbox.audit_partition ORDER BY lo_ns DESC LIMIT 1 \gset
SET SESSION AUTHORIZATION :"alice";
SELECT pg_temp.n(:alice_id) AS before \gset
SELECT is((SELECT count(*) FROM tarbox.audit_log WHERE tenant_id <> :alice_id), 0::bigint,
          'alice sees no record of another tenant');
SELECT cmp_ok((SELECT count(*) FROM tarbox.audit_log), '>', 5::bigint, 'alice sees her own records');
SELECT is((SELECT count(*) FROM tarbox.audit WHERE path = '/bob-secret'), 0::bigint, 'nor through the tarbox.audit view');
SELECT is((SELECT count(*) FROM tarbox.audit_search(NULL, NULL, '/', NULL, false, 100000, false) s WHERE s.tenant_id <> :alice_id),
          0::bigint, 'nor through tarbox.audit_search');
SELECT throws_ok($$UPDATE tarbox.audit_log SET ok = true$$, '42501', NULL, 'UPDATE of her records -> 42501');
SELECT throws_ok($$DELETE FROM tarbox.audit_log$$, '42501', NULL, 'DELETE -> 42501');
SELECT throws_ok($$TRUNCATE tarbox.audit_log$$, '42501', NULL, 'TRUNCATE -> 42501');
SELECT throws_ok(format($$INSERT INTO tarbox.audit_log (tenant_id, at_ns, op, ok, role) VALUES (%s, 1, 'forged', true, 'x')$$, :alice_id),
                 '42501', NULL, 'INSERT of a forged record -> 42501');
SELECT throws_ok(format($$INSERT INTO tarbox.audit_log_default (tenant_id, at_ns, op, ok, role) VALUES (%s, 1, 'forged', true, 'x')$$, :alice_id),
                 '42501', NULL, 'INSERT into the default partition directly -> 42501');
SELECT throws_ok(format('DELETE FROM tarbox.%I', :'some_partition'),
                 '42501', NULL, 'DELETE from a partition directly -> 42501');
SELECT throws_ok($$UPDATE tarbox.audit_seal SET hash = hash$$, '42501', NULL, 'UPDATE of seals -> 42501');
SELECT throws_ok($$UPDATE tarbox.audit_policy SET level = 0$$, '42501', NULL, 'lowering her own level -> 42501');
SELECT throws_ok(format($$INSERT INTO tarbox.audit_path_level VALUES (%s, '/', 0)$$, :alice_id), '42501', NULL,
                 'a path override for herself -> 42501');
SELECT throws_ok($$SELECT tarbox.audit_set_level('alice', 'none')$$, '42501', NULL, 'audit_set_level -> 42501');
SELECT throws_ok($$SELECT * FROM tarbox.audit_maintain()$$, '42501', NULL, 'audit_maintain -> 42501');
SELECT throws_ok($$SELECT * FROM tarbox.audit_seal()$$, '42501', NULL, 'audit_seal -> 42501');
SELECT throws_ok($$SELECT * FROM tarbox.audit_verify()$$, '42501', NULL, 'audit_verify -> 42501');
SELECT throws_ok($$SELECT tarbox.audit_set_retention('alice', 1)$$, '42501', NULL, 'audit_set_retention -> 42501');
SELECT throws_ok($$SELECT tarbox.audit_note('import', '/', '{}')$$, 'TX001', NULL,
                 'audit_note from her own login -> EPERM (only shells note summaries)');
SELECT is(tarbox.fs_read_report(:f_ino, 1000, 1, 1), false, 'a read report from her own login is not recorded');
SELECT throws_ok($$SELECT tarbox.audit_native('{unlink}', ARRAY['/etc/passwd']::bytea[], '{NULL}', ARRAY['/etc/passwd']::bytea[],
                     '{0}', '{NULL}', '{NULL}', '{1}', '{0}', '{0}', '{1}', '{NULL}')$$, 'TX001', NULL,
                 'audit_native from her own login -> EPERM (only a mount reports native requests)');
SELECT tarbox.fs_read(:f_ino, 0, 2, NULL, 7, 0, 0, 1) AS w \gset
SELECT results_eq($$SELECT op, bytes, uid, pid, role FROM tarbox.audit_log ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  format($$VALUES ('read', 2::bigint, NULL::bigint, NULL::int, %L)$$, :'alice'),
                  'her own reads are recorded one by one, her claimed uid/pid ignored, her login role kept');
SELECT is((SELECT level FROM tarbox.audit_settings()), 'full', 'she may read her settings');

-- Every API function that takes free text: exactly one record per call, the text stored as data.
SELECT pg_temp.n(:alice_id) AS before \gset
\set evil '''x''); INSERT INTO tarbox.audit_log (tenant_id, at_ns, op, ok, role) VALUES (1, 1, ''forged'', true, ''x''); --'
SELECT tarbox.write('/e-' || :'evil', :'evil') AS w \gset
SELECT tarbox.write('/e2' || :'evil', convert_to(:'evil', 'UTF8'), 0) AS w \gset
SELECT tarbox.append('/e-' || :'evil', :'evil') AS w \gset
SELECT tarbox.mkdir('/m' || :'evil', 493, true) AS w \gset
SELECT tarbox.ln(:'evil', '/s' || :'evil', true) AS w \gset
SELECT tarbox.readlink('/s' || :'evil') AS w \gset
SELECT tarbox.ln('/e-' || :'evil', '/h' || :'evil') AS w \gset
SELECT tarbox.mv('/h' || :'evil', '/h2' || :'evil') AS w \gset
SELECT tarbox.chmod('/h2' || :'evil', 384) AS w \gset
SELECT tarbox.chown('/h2' || :'evil', 7, 8) AS w \gset
SELECT tarbox.touch('/t' || :'evil') AS w \gset
SELECT tarbox.truncate('/t' || :'evil', 3) AS w \gset
SELECT tarbox.setxattr('/t' || :'evil', 'user.' || :'evil', convert_to(:'evil', 'UTF8')) AS w \gset
SELECT tarbox.removexattr('/t' || :'evil', 'user.' || :'evil') AS w \gset
SELECT tarbox.mknod('/n' || :'evil', 4516) AS w \gset
SELECT count(*) FROM tarbox.stat('/n' || :'evil') \gset
SELECT count(*) FROM tarbox.ls('/m' || :'evil') \gset
SELECT tarbox.read('/e-' || :'evil') AS w \gset
SELECT tarbox.read_text('/e-' || :'evil') AS w \gset
SELECT tarbox.rm('/n' || :'evil') AS w \gset
SELECT tarbox.rmdir('/m' || :'evil') AS w \gset
SELECT (tarbox.fs_symlink(1, convert_to('fs' || :'evil', 'UTF8'), convert_to(:'evil', 'UTF8'), 0, 0)).ino AS w \gset
SELECT tarbox.fs_setxattr(:f_ino, convert_to('user.' || :'evil', 'UTF8'), convert_to(:'evil', 'UTF8'), 0) AS w \gset
SELECT count(*) FROM tarbox.layer_new('evil-layer', :'evil') \gset
SELECT tarbox.layer_tag('evil-layer', 'evil-tag') AS w \gset
SELECT count(*) FROM tarbox.audit_search(NULL, NULL, '/' || :'evil', ARRAY[:'evil'], false, 10, true) \gset
SELECT (tarbox.wasi_mkdir(1, 'w' || :'evil')).ino AS w_ino \gset
SELECT (tarbox.wasi_open(:w_ino, 'f' || :'evil', false, 1, true)).ino AS wf_ino \gset
SELECT tarbox.wasi_write(:wf_ino, 0, convert_to(:'evil', 'UTF8')) AS w \gset
SELECT (tarbox.wasi_allocate(:wf_ino, 0, 4096)).ino AS w \gset
SELECT (tarbox.wasi_stat(:w_ino, 'f' || :'evil', false)).ino AS w \gset
SELECT (tarbox.wasi_symlink(:'evil', :w_ino, 'l' || :'evil')).ino AS w \gset
SELECT tarbox.wasi_readlink(:w_ino, 'l' || :'evil') AS w \gset
SELECT (tarbox.wasi_link(:w_ino, 'f' || :'evil', false, :w_ino, 'h' || :'evil')).ino AS w \gset
SELECT tarbox.wasi_rename(:w_ino, 'h' || :'evil', :w_ino, 'h2' || :'evil') AS w \gset
SELECT (tarbox.wasi_set_times(:w_ino, 'h2' || :'evil', false, 1, 2, 5)).ino AS w \gset
SELECT tarbox.wasi_unlink(:w_ino, 'h2' || :'evil') AS w \gset
SELECT tarbox.wasi_unlink(:w_ino, 'l' || :'evil') AS w \gset
SELECT tarbox.wasi_unlink(:w_ino, 'f' || :'evil') AS w \gset
SELECT tarbox.wasi_rmdir(1, 'w' || :'evil') AS w \gset
SELECT (tarbox.remote_mkdir(convert_to('/r' || :'evil', 'UTF8'))).ino AS w \gset
SELECT (tarbox.remote_write(convert_to('/r' || :'evil' || '/f', 'UTF8'), convert_to(:'evil', 'UTF8'))).ino AS w \gset
SELECT (tarbox.remote_stat(convert_to('/r' || :'evil' || '/f', 'UTF8'))).ino AS w \gset
SELECT count(*) FROM tarbox.remote_list(convert_to('/r' || :'evil', 'UTF8')) \gset
SELECT (tarbox.remote_read(convert_to('/r' || :'evil' || '/f', 'UTF8'))).size AS w \gset
SELECT tarbox.remote_remove(convert_to('/r' || :'evil', 'UTF8'), 'any', true) AS w \gset
SELECT is(pg_temp.n(:alice_id), (:before + 45)::bigint, 'each of the 45 audited calls with hostile text (path, inode, WASI and remote APIs) wrote exactly one record');
SELECT is(ARRAY(SELECT op FROM tarbox.audit_log WHERE path LIKE '/r%f' OR path = '/r' || :'evil' ORDER BY seq),
          ARRAY['mkdir', 'write', 'stat', 'readdir', 'read', 'rm'], 'the remote API''s calls are recorded with their paths');
SELECT is((SELECT array_agg(op || ' ' || path ORDER BY seq) FROM tarbox.audit_log WHERE path LIKE '/w%' AND op IN ('open', 'write')),
          ARRAY['open /w' || :'evil' || '/f' || :'evil', 'write /w' || :'evil' || '/f' || :'evil'],
          'WASI calls are recorded with the path beneath their directory');
SELECT is((SELECT count(*) FROM tarbox.audit_log WHERE op NOT IN ('write', 'mkdir', 'symlink', 'readlink', 'link', 'rename',
                                                                   'setattr', 'setxattr', 'removexattr', 'mknod', 'stat',
                                                                   'readdir', 'read', 'rm', 'rmdir', 'layer_new', 'layer_tag',
                                                                   'create', 'lookup', 'audit_level', 'tenant_create',
                                                                   'open', 'unlink', 'import', 'wasi_run', 'release')),
          0::bigint, 'no record of an operation the calls did not perform');
SELECT is((SELECT count(*) FROM tarbox.audit_log WHERE op = 'symlink' AND details ->> 'target' = :'evil' AND path = '/s' || :'evil'),
          1::bigint, 'a hostile path and link target are stored as they were given, as data');
SELECT is((SELECT details ->> 'description' FROM tarbox.audit_log WHERE op = 'layer_new'), :'evil',
          'a hostile layer description too');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*) FROM tarbox.audit_log WHERE op = 'forged' OR tenant_id = 1), 0::bigint,
          'no forged record exists for any tenant');
SELECT is((SELECT count(*) FROM tarbox.audit_log WHERE tenant_id = :bob_id), 2::bigint,
          'bob''s log holds his two records, nothing alice did');

-- The HTTP gateway makes a read request's transaction read-only, except for a tenant audited at
-- level full, whose reads write their records.
SELECT token AS alice_token FROM tarbox.tenant_token_create('alice', 'audit-test') \gset
SELECT token AS bob_token FROM tarbox.tenant_token_create('bob', 'audit-test') \gset
SELECT is((pg_temp.last(:alice_id)).op, 'token_create', 'a token''s creation is recorded in its tenant''s log');
SAVEPOINT gw;
SELECT tarbox._gateway_enter(:'alice_token', false) AS w \gset
SELECT is(current_setting('transaction_read_only'), 'off', 'a read request of a tenant at level full stays writable (its record)');
ROLLBACK TO SAVEPOINT gw;
SAVEPOINT gw;
SELECT tarbox._gateway_enter(:'bob_token', false) AS w \gset
SELECT is(current_setting('transaction_read_only'), 'on', 'one of a tenant at level standard is read-only');
ROLLBACK TO SAVEPOINT gw;

-- =============================================================================================
-- Levels and path overrides
SELECT tenant_id AS lev_id, role_name AS lev FROM tarbox.tenant_create('levels') \gset
SELECT tarbox.audit_set_level('levels', 'none');
SET ROLE :"lev";
SELECT pg_temp.n(:lev_id) AS before \gset
SELECT tarbox.mkdir('/a') AS w \gset
SELECT tarbox.write('/a/f', 'x') AS w \gset
SELECT is(pg_temp.n(:lev_id), :before::bigint, 'level none records nothing');
RESET ROLE;
SELECT tarbox.audit_set_level('levels', 'basic');
SET ROLE :"lev";
SELECT pg_temp.n(:lev_id) AS before \gset
SELECT tarbox.mkdir('/b') AS w \gset
SELECT tarbox.write('/b/f', 'x') AS w \gset
SELECT tarbox.chmod('/b/f', 384) AS w \gset
SELECT is(pg_temp.n(:lev_id) - :before, 1::bigint, 'basic: the mkdir, not the write nor the chmod');
SELECT count(*) FROM tarbox.layer_new('l2') \gset
SELECT is((pg_temp.last(:lev_id)).op, 'layer_new', 'basic: layer operations');
RESET ROLE;
SELECT tarbox.audit_set_level('levels', 'standard');
SET ROLE :"lev";
SELECT pg_temp.n(:lev_id) AS before \gset
SELECT tarbox.write('/b/f', 'y') AS w \gset
SELECT tarbox.chmod('/b/f', 420) AS w \gset
SELECT count(*) FROM tarbox.stat('/b/f') \gset
SELECT tarbox.read('/b/f') AS w \gset
SELECT is(ARRAY(SELECT op FROM tarbox.audit_log WHERE tenant_id = :lev_id ORDER BY at_ns DESC, seq DESC LIMIT 2),
          ARRAY['setattr', 'write'], 'standard: writes and attribute changes, not stat or read');
SELECT is(pg_temp.n(:lev_id) - :before, 2::bigint, '... exactly those two');
RESET ROLE;
SELECT tarbox.audit_set_level('levels', 'basic');
SELECT tarbox.audit_set_level('levels', 'full', '/secrets');
SELECT is((SELECT max_level FROM tarbox.audit_settings('levels')), 'full', 'a path override raises the highest level');
SET ROLE :"lev";
SELECT tarbox.mkdir('/secrets') AS w \gset
SELECT pg_temp.n(:lev_id) AS before \gset
SELECT tarbox.write('/secrets/key', 'k') AS w \gset
SELECT tarbox.read('/secrets/key') AS w \gset
SELECT tarbox.write('/b/f', 'z') AS w \gset
SELECT tarbox.read('/b/f') AS w \gset
SELECT tarbox.write('/secretsnot', 'z') AS w \gset
SELECT is(ARRAY(SELECT op || ' ' || path FROM tarbox.audit_log WHERE tenant_id = :lev_id ORDER BY at_ns DESC, seq DESC LIMIT 2),
          ARRAY['read /secrets/key', 'write /secrets/key'], 'under /secrets (full): the write and the read');
SELECT is(pg_temp.n(:lev_id) - :before, 2::bigint, 'elsewhere (basic), including /secretsnot: nothing');
SELECT tarbox.mv('/b/f', '/secrets/moved') AS w \gset
SELECT is((pg_temp.last(:lev_id)).path2, '/secrets/moved', 'a rename into the prefix is recorded (either path counts)');
RESET ROLE;
SELECT is((SELECT changes FROM tarbox.audit_changes_by_path WHERE tenant_id = :lev_id AND path = '/secrets/key'), 1::bigint,
          'audit_changes_by_path: the write to /secrets/key (its read is no change)');
SELECT is((SELECT op FROM tarbox.audit_last_change WHERE tenant_id = :lev_id AND path = '/secrets/moved'), 'rename',
          'audit_last_change: the file''s last change, also as a rename''s destination');
SELECT ok((SELECT sum(done) FROM tarbox.audit_changes_by_day WHERE tenant_id = :lev_id AND op = 'write') = 2,
          'audit_changes_by_day counts the day''s two recorded writes');
SELECT is(ARRAY(SELECT layer FROM tarbox.audit_changes_by_layer WHERE tenant_id = :lev_id ORDER BY layer), ARRAY[1, 2],
          'audit_changes_by_layer: changes in the base layer and in the checkpoint''s');
SELECT throws_ok($$SELECT tarbox.audit_set_level('levels', 'loud')$$, 'TX022', NULL, 'an unknown level -> EINVAL');
SELECT throws_ok($$SELECT tarbox.audit_set_level('nobody', 'full')$$, 'TX002', NULL, 'an unknown tenant -> ENOENT');

-- =============================================================================================
-- Administration is recorded
SELECT tarbox.tenant_rename('levels', 'levels2');
SELECT is((pg_temp.last(:lev_id)).details, '{"from": "levels", "to": "levels2"}'::jsonb, 'tenant_rename is recorded');
SELECT is((SELECT op FROM tarbox.audit_log WHERE tenant_id = :lev_id ORDER BY at_ns, seq LIMIT 1), 'tenant_create',
          'the first record of a tenant is its creation');
SELECT tarbox.tenant_quota('levels2', 1000000, NULL, 5) AS w \gset
SELECT results_eq($$SELECT op, details, role FROM tarbox.audit_log WHERE tenant_id = $$ || :lev_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  $$VALUES ('tenant_quota', '{"bytes": 1000000, "inodes": null, "layers": 5}'::jsonb, 'tarbox'::text)$$,
                  'a quota change is recorded with the quotas now in force');
SELECT tarbox.tenant_text_limits('levels2', 4096) AS w \gset
SELECT is((pg_temp.last(:lev_id)).op, 'tenant_text_limits', 'so is a change of the text limits');
SELECT blocks_freed AS w FROM tarbox.tenant_gc('levels2') \gset
SELECT results_eq($$SELECT op, bytes IS NOT NULL, details ? 'blocks_freed' FROM tarbox.audit_log
                     WHERE tenant_id = $$ || :lev_id || $$ ORDER BY at_ns DESC, seq DESC LIMIT 1$$,
                  $$VALUES ('gc', true, true)$$, 'a garbage collection is recorded in the tenant''s log, with what it freed');
SET ROLE :"lev";
SELECT blocks_freed AS w FROM tarbox.gc() \gset
RESET ROLE;
SELECT is((pg_temp.last(:lev_id)).op, 'gc', '... also when the tenant runs it');

-- =============================================================================================
-- Partitions and retention, with a frozen clock (the year 2030)
SELECT tenant_id AS short_id FROM tarbox.tenant_create('shortlived') \gset
SELECT tenant_id AS long_id FROM tarbox.tenant_create('longlived') \gset
SELECT tarbox.audit_set_retention('longlived', 400);
SELECT isnt_empty($$SELECT 1 FROM tarbox.audit_maintain('2030-01-15 12:00+00') WHERE action = 'created' AND object = 'audit_log_p20300101'$$,
                  'audit_maintain makes the partition of the month it runs in');
SELECT is(ARRAY(SELECT name FROM tarbox.audit_partition WHERE lo_ns >= pg_temp.ns('2030-01-01+00') ORDER BY lo_ns),
          ARRAY['audit_log_p20300101', 'audit_log_p20300201', 'audit_log_p20300301', 'audit_log_p20300401'],
          '... and of the 3 months after it');
SELECT pg_temp.put(:short_id, '2030-01-10+00') AS s1 \gset
SELECT pg_temp.put(:long_id, '2030-01-11+00') AS l1 \gset
SELECT pg_temp.put(:short_id, '2030-02-10+00') AS s2 \gset
SELECT pg_temp.put(:long_id, '2030-02-11+00') AS l2 \gset
SELECT pg_temp.put(:short_id, '2031-07-04+00') AS future \gset
SELECT is((SELECT count(*) FROM tarbox.audit_log_default WHERE seq = :future), 1::bigint,
          'a record of a period without a partition lands in the default partition: the insert never fails');
SELECT isnt_empty($$SELECT 1 FROM tarbox.audit_maintain('2030-01-20 12:00+00') WHERE action = 'created' AND object = 'audit_log_p20310701'$$,
                  'maintenance makes the partition of a record waiting in the default partition...');
SELECT is((SELECT count(*) FROM tarbox.audit_log_default), 0::bigint, '... and moves it there');
SELECT is((SELECT count(*) FROM tarbox.audit_log_p20310701 WHERE seq = :future), 1::bigint, '... keeping it');
SELECT is(pg_temp.problems('shortlived'), '{}'::text[], 'the frozen-clock records were sealed and verify');

-- June 2030: January and February are 90 days past for the short-lived tenant, not for the other.
SELECT set_eq($$SELECT action, object FROM tarbox.audit_maintain('2030-06-15 12:00+00')
                 WHERE object IN ('audit_log_p20300101', 'audit_log_p20300201')$$,
              $$VALUES ('expired', 'audit_log_p20300101'), ('archived', 'audit_log_p20300101'),
                       ('expired', 'audit_log_p20300201'), ('archived', 'audit_log_p20300201')$$,
              'retention: a partition where a tenant with a longer retention has rows is archived, not dropped');
SELECT is(ARRAY(SELECT seq FROM tarbox.audit_log WHERE tenant_id IN (:short_id, :long_id) AND at_ns < pg_temp.ns('2030-03-01+00') ORDER BY seq),
          ARRAY[:l1, :l2]::bigint[], 'the long-lived tenant keeps its January and February records, the other loses them');
SELECT is((SELECT archived FROM tarbox.audit_partition WHERE name = 'audit_log_p20300101'), true,
          'the archived partition holds only the kept rows');
SELECT is(pg_temp.problems('shortlived'), '{}'::text[], 'verify: expired seals keep the chain checkable');
SELECT is(pg_temp.problems('longlived'), '{}'::text[], 'verify: the kept records still match their seals');
SELECT is((SELECT count(*) FROM tarbox.audit_seal WHERE tenant_id = :short_id AND expired_at IS NOT NULL
              AND hi_at >= pg_temp.ns('2030-01-01+00') AND hi_at < pg_temp.ns('2030-03-01+00')), 2::bigint,
          'the short-lived tenant''s seals of those months are expired');

-- April 2031: January 2030 is 400 days past for the long-lived tenant too; February is not yet.
SELECT isnt_empty($$SELECT 1 FROM tarbox.audit_maintain('2031-04-01 12:00+00') WHERE action = 'dropped' AND object = 'audit_log_p20300101'$$,
                  'a partition expired for every tenant in it is dropped');
SELECT is(ARRAY(SELECT seq FROM tarbox.audit_log WHERE tenant_id = :long_id AND at_ns < pg_temp.ns('2030-03-01+00')),
          ARRAY[:l2]::bigint[], '... February stays');
SELECT is(pg_temp.problems('longlived'), '{}'::text[], 'and the chain still verifies');

-- Days instead of months, from the next partition on; detaching instead of dropping.
SELECT is((SELECT period FROM tarbox.audit_configure('day', 2, NULL, NULL, 'detach')), 'day', 'daily partitions configured');
SELECT isnt_empty($$SELECT 1 FROM tarbox.audit_maintain('2031-08-05 12:00+00') WHERE action = 'detached' AND object = 'audit_log_p20300201'$$,
                  'with expired = detach an expired partition is detached...');
SELECT isnt_empty($$SELECT 1 FROM tarbox.audit_partition WHERE name = 'audit_log_p20310805' AND hi_ns - lo_ns = 86400000000000$$,
                  'a day''s partition where no month''s partition covers it');
SELECT is((SELECT count(*) FROM tarbox.audit_partition WHERE lo_ns >= pg_temp.ns('2031-07-01+00') AND lo_ns < pg_temp.ns('2031-08-01+00')),
          1::bigint, 'July 2031 keeps its month partition (partitions never overlap)');
SELECT has_table('tarbox', 'audit_detached_p20300201', '... and kept as tarbox.audit_detached_p20300201 for archiving');
SELECT throws_ok($$SELECT * FROM tarbox.audit_configure('week')$$, 'TX022', NULL, 'a period other than day or month -> EINVAL');

-- =============================================================================================
-- Seals and verification
SELECT tenant_id AS v_id FROM tarbox.tenant_create('sealed') \gset
UPDATE tarbox.audit_config SET seal_max = 3;
SELECT pg_temp.put(:v_id, '2031-08-05 01:00+00', 'write', '/a') AS r1 \gset
SELECT pg_temp.put(:v_id, '2031-08-05 02:00+00', 'write', '/b') AS r2 \gset
SELECT pg_temp.put(:v_id, '2031-08-05 03:00+00', 'write', '/c') AS r3 \gset
SELECT pg_temp.put(:v_id, '2031-08-05 04:00+00', 'write', '/d') AS r4 \gset
SELECT pg_temp.put(:v_id, '2031-08-06 01:00+00', 'write', '/e') AS r5 \gset
SELECT pg_temp.put(:v_id, '2031-08-06 23:59:58.5+00', 'write', '/late') AS r6 \gset
SELECT is((SELECT records FROM tarbox.audit_seal(p_now => '2031-08-07 00:00+00') WHERE tenant_id = :v_id), 7::bigint,
          'audit_seal seals the closed records (the six and the tenant''s creation)');
SELECT is(ARRAY(SELECT records FROM tarbox.audit_seal WHERE tenant_id = :v_id ORDER BY seal_no), ARRAY[1, 3, 1, 2],
          'seals hold at most seal_max records and never span two days');
SELECT pg_temp.put(:v_id, '2031-08-07 00:00:00.5+00', 'write', '/young') AS r7 \gset
SELECT is((SELECT records FROM tarbox.audit_seal(p_now => '2031-08-07 00:00:01.2+00') WHERE tenant_id = :v_id), NULL::bigint,
          'a record younger than the horizon (now - 1 s) is not sealed yet');
SELECT is(pg_temp.problems('sealed'), '{}'::text[], 'verify finds nothing wrong');
SELECT is((SELECT detail ~ '^4 seal\(s\) \(0 expired\), 7 record\(s\) checked, 0 problem\(s\); head [0-9a-f]{64}$'
             FROM tarbox.audit_verify('sealed') WHERE problem = 'verified'), true,
          'verify sums up: seals, records checked, no problem, the head hash');
-- A superuser edits, removes and inserts records inside sealed ranges.
UPDATE tarbox.audit_log SET path = '/innocent' WHERE seq = :r2;
SELECT is(pg_temp.problems('sealed'), ARRAY['changed:' || :r2], 'verify reports the edited record');
UPDATE tarbox.audit_log SET path = '/b' WHERE seq = :r2;
SELECT is(pg_temp.problems('sealed'), '{}'::text[], 'putting it back makes the chain whole again');
DELETE FROM tarbox.audit_log WHERE seq = :r4;
INSERT INTO tarbox.audit_log (tenant_id, at_ns, seq, op, ok, path, role)
VALUES (:v_id, pg_temp.ns('2031-08-05 02:30+00'), 999999999, 'write', true, '/forged', 'tester');
SELECT is(pg_temp.problems('sealed'), ARRAY['inserted:999999999', 'removed:' || :r4],
          'verify reports the removed record and the forged one');
DELETE FROM tarbox.audit_log WHERE seq = 999999999;
UPDATE tarbox.audit_seal SET hash = sha256(hash) WHERE tenant_id = :v_id AND seal_no = 3;
SELECT ok(pg_temp.problems('sealed') @> ARRAY['chain_broken', 'seal_altered', 'removed:' || :r4],
          'an altered seal breaks its own hash and the next seal''s link');
DELETE FROM tarbox.audit_seal WHERE tenant_id = :v_id AND seal_no = 3;
SELECT ok('seal_missing' = ANY (pg_temp.problems('sealed')), 'a deleted seal is reported missing');

SELECT * FROM finish();
ROLLBACK;
