-- Native mount definitions (tarbox.native_mount): administration, validation, the match order
-- (exact > prefix, longer > shorter, lower priority, tenant > shared), variables, configuration
-- entries (p_extra), what a tenant may see, and how the path API reports native mount points.
-- The passthrough itself is tested on real mounts in tests/native/.
BEGIN;
SELECT plan(68);

SELECT role_name AS alice FROM tarbox.tenant_create('nat_alice') \gset
SELECT role_name AS bob FROM tarbox.tenant_create('nat_bob') \gset
SELECT tenant_id AS alice_id FROM tarbox.tenant WHERE name = 'nat_alice' \gset
SELECT tenant_id AS bob_id FROM tarbox.tenant WHERE name = 'nat_bob' \gset

-- ---------------------------------------------------------------------------------------------
-- Administration and validation.
SELECT tarbox.native_add('/usr', '/usr') AS usr_shared \gset
SELECT tarbox.native_add('/venv', '/srv/venv/{tenant_id}', 'rw', 'nat_alice') AS venv_alice \gset
SELECT tarbox.native_add('/venv', '/srv/venv/{tenant_id}', 'rw', 'nat_bob') AS venv_bob \gset
SELECT is((SELECT row(tenant, shared, mode, priority, enabled, allow_setuid, allow_devices)::text
             FROM tarbox.native_mount WHERE mount_id = :usr_shared),
          '(,t,ro,100,t,f,f)', 'a shared definition: no tenant, ro, priority 100, enabled, no setuid or devices');
SELECT is((SELECT tenant FROM tarbox.native_mount WHERE mount_id = :venv_alice), :alice_id::bigint,
          'a tenant''s definition records the tenant id');
SELECT throws_ok($$SELECT tarbox.native_add('/usr', '/usr')$$, 'TX017', NULL,
                 'the same (shared, path, priority) twice -> EEXIST');
SELECT is(tarbox.native_add('/usr', '/usr', 'ro', NULL, 100, true, false, false, true), :usr_shared::bigint,
          'with p_replace the existing definition is updated, same mount_id');
SELECT throws_ok($$SELECT tarbox.native_add('/x', '/x', 'ro', 'nobody')$$, 'TX002', NULL, 'unknown tenant -> ENOENT');
SELECT throws_ok($$SELECT tarbox.native_add('x', '/x')$$, 'TX022', NULL, 'relative mount path -> EINVAL');
SELECT throws_ok($$SELECT tarbox.native_add('/', '/x')$$, 'TX022', NULL, 'the root as mount path -> EINVAL');
SELECT throws_ok($$SELECT tarbox.native_add('/a/../b', '/x')$$, 'TX022', NULL, 'a .. in the mount path -> EINVAL');
SELECT throws_ok($$SELECT tarbox.native_add('/a/', '/x')$$, 'TX022', NULL, 'a trailing / in the mount path -> EINVAL');
SELECT throws_ok($$SELECT tarbox.native_add('/.tarbox/x', '/x')$$, 'TX022', NULL, 'inside /.tarbox -> EINVAL');
SELECT throws_ok(format('SELECT tarbox.native_add(%L, %L)', '/' || repeat('a', 256), '/x'), 'TX022', NULL,
                 'a mount path component over 255 bytes -> EINVAL');
SELECT throws_ok($$SELECT tarbox.native_add('/x', 'x')$$, 'TX022', NULL, 'relative source -> EINVAL');
SELECT throws_ok($$SELECT tarbox.native_add('/x', '/srv/../etc')$$, 'TX022', NULL, 'a .. in the source -> EINVAL');
SELECT throws_ok($$SELECT tarbox.native_add('/x', '/srv/{home}')$$, 'TX022', NULL, 'an unknown variable -> EINVAL');
SELECT throws_ok($$SELECT tarbox.native_add('/x', '/x', 'rwx')$$, 'TX022', NULL, 'a mode other than ro/rw -> EINVAL');
SELECT throws_ok($$INSERT INTO tarbox.native_mount (mount_path, source_path, mode) VALUES ('/y', '/a/../b', 'ro')$$,
                 '23514', NULL, 'the CHECK constraints back the validation up');

-- ---------------------------------------------------------------------------------------------
-- Tenants: effective mounts only, never another tenant's definitions, no direct access.
SET ROLE :"alice";
SELECT results_eq($$SELECT mount_path, source_path, mode, shared FROM tarbox.native_list()$$,
                  format($$VALUES ('/usr', '/usr', 'ro', true), ('/venv', '/srv/venv/%s', 'rw', false)$$, :alice_id),
                  'alice sees the shared /usr and her own /venv, with {tenant_id} expanded');
SELECT throws_ok($$SELECT * FROM tarbox.native_mount$$, '42501', NULL, 'tenants cannot read the table itself');
SELECT throws_ok($$SELECT * FROM tarbox.native_definitions()$$, '42501', NULL, 'nor list every definition');
SELECT throws_ok($$SELECT tarbox.native_add('/z', '/z')$$, '42501', NULL, 'nor define native mounts');
SELECT throws_ok(format('SELECT tarbox.native_rm(%s)', :venv_bob), '42501', NULL, 'nor remove one');
SELECT throws_ok(format('SELECT tarbox.native_enable(%s, false)', :venv_alice), '42501', NULL, 'nor disable their own');
SET ROLE :"bob";
SELECT results_eq($$SELECT mount_id, source_path FROM tarbox.native_list() WHERE mount_path = '/venv'$$,
                  format($$VALUES (%s::bigint, '/srv/venv/%s')$$, :venv_bob, :bob_id),
                  'bob''s /venv is his own definition and his own host directory');
SELECT is((SELECT count(*)::int FROM tarbox.native_list() WHERE mount_id = :venv_alice), 0,
          'bob never sees alice''s definition');
SELECT is((SELECT count(*)::int FROM tarbox.native_match('/venv') WHERE mount_id = :venv_alice), 0,
          'nor is it matched for him');
RESET ROLE;
SELECT throws_ok($$SELECT * FROM tarbox.native_list()$$, 'TX013', NULL, 'native_list as a non-tenant -> EACCES');

-- ---------------------------------------------------------------------------------------------
-- The match order.
SELECT tarbox.native_add('/usr/local', '/opt/local', 'rw') AS usr_local \gset
SELECT tarbox.native_add('/usr', '/opt/alice-usr', 'ro', 'nat_alice', 100) AS usr_alice \gset
SELECT tarbox.native_add('/data', '/srv/data-50', 'ro', NULL, 50) AS data50 \gset
SELECT tarbox.native_add('/data', '/srv/data-alice-90', 'ro', 'nat_alice', 90) AS data90 \gset
SELECT tarbox.native_add('/data/raw', '/srv/raw', 'ro') AS raw \gset
SET ROLE :"alice";
SELECT results_eq($$SELECT mount_id, match, rel_path FROM tarbox.native_match('/usr/local')$$,
                  format($$VALUES (%s::bigint, 'exact', '')$$, :usr_local),
                  'exact match before prefix match (/usr/local is not served by /usr)');
SELECT results_eq($$SELECT mount_id, match, rel_path FROM tarbox.native_match('/usr/local/bin/tool')$$,
                  format($$VALUES (%s::bigint, 'prefix', 'bin/tool')$$, :usr_local),
                  'longer prefix before shorter');
SELECT results_eq($$SELECT mount_id, source_path FROM tarbox.native_match('/usr/bin/python3')$$,
                  format($$VALUES (%s::bigint, '/opt/alice-usr')$$, :usr_alice),
                  'same path and priority: tenant-specific before shared');
SELECT results_eq($$SELECT mount_id FROM tarbox.native_match('/data/x')$$, format('VALUES (%s::bigint)', :data50),
                  'same path: lower priority value before tenant-specific');
SELECT results_eq($$SELECT mount_id, match FROM tarbox.native_match('/data/raw/2024')$$,
                  format($$VALUES (%s::bigint, 'prefix')$$, :raw), '/data/raw is longer than /data');
SELECT is_empty($$SELECT * FROM tarbox.native_match('/usrx/bin')$$, 'prefixes match on component boundaries only');
SELECT is_empty($$SELECT * FROM tarbox.native_match('/')$$, 'the root is never native');
SELECT results_eq($$SELECT mount_id, rel_path FROM tarbox.native_match('//usr/./lib/../bin/')$$,
                  format($$VALUES (%s::bigint, 'bin')$$, :usr_alice), 'paths are normalised lexically');
SELECT throws_ok($$SELECT * FROM tarbox.native_match('usr')$$, 'TX022', NULL, 'a relative path -> EINVAL');
RESET ROLE;
SELECT tarbox.native_enable(:data50, false);
SET ROLE :"alice";
SELECT results_eq($$SELECT mount_id FROM tarbox.native_match('/data/x')$$, format('VALUES (%s::bigint)', :data90),
                  'a disabled definition matches nothing');
RESET ROLE;
SELECT tarbox.native_enable(:data50);
SELECT tarbox.native_rm(:data90);
SELECT throws_ok(format('SELECT tarbox.native_rm(%s)', :data90), 'TX002', NULL, 'removing it twice -> ENOENT');
SELECT throws_ok($$SELECT tarbox.native_enable(-1)$$, 'TX002', NULL, 'enabling an unknown id -> ENOENT');

-- ---------------------------------------------------------------------------------------------
-- Variables and configuration entries (tarbox mount --config).
SELECT tarbox.native_add('/home', '/srv/{tenant}/{mount_id}/{user}', 'rw', 'nat_alice') AS home \gset
SET ROLE :"alice";
SELECT is((SELECT source_path FROM tarbox.native_match('/home', NULL, 'agent7')),
          format('/srv/nat_alice/%s/agent7', :home), '{tenant} {mount_id} {user} are expanded');
SELECT is((SELECT source_path FROM tarbox.native_match('/home')), format('/srv/nat_alice/%s/{user}', :home),
          'without a user, {user} stays as written');
SELECT throws_ok($$SELECT * FROM tarbox.native_match('/home', NULL, '../root')$$, 'TX022', NULL,
                 'a user name with a / -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.native_match('/home', NULL, '..')$$, 'TX022', NULL, 'user .. -> EINVAL');
SELECT results_eq(
    $$SELECT origin, source_path, mode FROM tarbox.native_match('/usr/bin',
        '[{"mount_path": "/usr", "source_path": "/cfg/usr", "mode": "ro", "tenant": "nat_alice"}]')$$,
    $$VALUES ('config', '/cfg/usr', 'ro')$$,
    'a configuration entry of the same path, priority and kind comes before the stored one');
SELECT results_eq(
    $$SELECT origin, mount_path FROM tarbox.native_match('/scratch/a',
        '[{"mount_path": "/scratch", "source_path": "/tmp/{tenant_id}", "mode": "rw"},
          {"mount_path": "/scratch/a", "source_path": "/b", "mode": "rw", "tenant": "nat_bob"}]')$$,
    $$VALUES ('config', '/scratch')$$, 'configuration entries of another tenant do not apply');
SELECT is((SELECT count(*)::int FROM tarbox.native_list(
              '[{"mount_path": "/off", "source_path": "/off", "mode": "ro", "enabled": false}]') WHERE mount_path = '/off'),
          0, 'a disabled configuration entry is not effective');
SELECT throws_ok($$SELECT * FROM tarbox.native_list('[{"mount_path": "/a", "source_path": "/a", "mode": "ro", "colour": 1}]')$$,
                 'TX022', 'native mount #1: unknown key ''colour'' (known: mount_path, source_path, mode, tenant, shared, priority, enabled, allow_setuid, allow_devices)',
                 'an unknown key -> EINVAL naming it');
SELECT throws_ok($$SELECT * FROM tarbox.native_list('[{"mount_path": "/a", "source_path": "/a", "mode": "ro"}, {"mount_path": "/b", "source_path": "/b", "mode": "ro", "priority": "high"}]')$$,
                 'TX022', 'native mount #2: priority must be a number, not string', 'a value of the wrong type -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.native_list('[{"mount_path": "/a", "source_path": "/a/{mount_id}", "mode": "ro"}]')$$,
                 'TX022', NULL, '{mount_id} in a configuration entry -> EINVAL (it has no id)');
SELECT throws_ok($$SELECT * FROM tarbox.native_list('[{"mount_path": "/a", "source_path": "/a", "mode": "ro", "tenant": "nat_alice", "shared": true}]')$$,
                 'TX022', NULL, 'tenant and shared = true together -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.native_list('{"mount_path": "/a"}')$$, 'TX022', NULL, 'not an array -> EINVAL');
RESET ROLE;

-- native_load: all or nothing, upserts.
SELECT results_eq($$SELECT ord, action FROM tarbox.native_load('[
    {"mount_path": "/opt", "source_path": "/opt", "mode": "ro"},
    {"mount_path": "/venv", "source_path": "/fast/{tenant_id}", "mode": "rw", "tenant": "nat_bob"}]')$$,
    $$VALUES (1, 'added'), (2, 'updated')$$, 'native_load adds new definitions and updates existing ones');
SELECT is((SELECT source_path FROM tarbox.native_mount WHERE mount_id = :venv_bob), '/fast/{tenant_id}',
          'the updated definition keeps its mount_id');
SELECT throws_ok($$SELECT * FROM tarbox.native_load('[{"mount_path": "/ok", "source_path": "/ok", "mode": "ro"},
                                                      {"mount_path": "/bad", "source_path": "bad", "mode": "ro"}]')$$,
                 'TX022', NULL, 'an invalid entry fails the load');
SELECT is((SELECT count(*)::int FROM tarbox.native_mount WHERE mount_path = '/ok'), 0, '... and nothing of it is kept');
SELECT throws_ok($$SELECT * FROM tarbox.native_load('[{"mount_path": "/t", "source_path": "/t", "mode": "ro", "tenant": "ghost"}]')$$,
                 'TX002', NULL, 'an unknown tenant -> ENOENT');

-- ---------------------------------------------------------------------------------------------
-- The path API: mount points are reported as native, paths below them are the host's.
SET ROLE :"alice";
SELECT is((SELECT count(*)::int FROM tarbox.native_prepare(NULL, 'agent7') WHERE created), 5,
          'native_prepare makes the missing mount points /data /home /opt /usr /venv (not /usr/local or /data/raw, inside others)');
SELECT is((SELECT count(*)::int FROM tarbox.native_prepare(NULL, 'agent7') WHERE created), 0, '... once');
SELECT results_eq($$SELECT name, type, target FROM tarbox.ls('/') WHERE name IN ('usr', 'venv')$$,
                  format($$VALUES ('usr', 'native', '/opt/alice-usr'), ('venv', 'native', '/srv/venv/%s')$$, :alice_id),
                  'ls of the parent shows mount points as native with their host directory');
SELECT results_eq($$SELECT name, type, target FROM tarbox.ls('/venv')$$,
                  format($$VALUES ('venv', 'native', '/srv/venv/%s')$$, :alice_id),
                  'ls of a mount point lists the mount, not an empty directory');
SELECT is((SELECT type || ' ' || convert_from(target, 'UTF8') FROM tarbox.stat('/usr')),
          'native /opt/alice-usr', 'stat of a mount point: type native and its source');
SELECT is((SELECT type || ' ' || convert_from(target, 'UTF8') || ' ' || coalesce(ino::text, 'no inode') FROM tarbox.stat('/usr/local')),
          'native /opt/local no inode', 'a nested mount point without a directory in the tree is still reported');
SELECT throws_ok($$SELECT * FROM tarbox.stat('/usr/bin/python3')$$, 'TX066', NULL, 'stat below a mount point -> EREMOTE');
SELECT throws_ok($$SELECT tarbox.write('/venv/x.txt', 'x')$$, 'TX066', NULL,
                 'writing below a mount point -> EREMOTE: nothing below it is stored in Tarbox');
SELECT throws_ok($$SELECT tarbox.mkdir('/venv/a/b', 493, true)$$, 'TX066', NULL, 'mkdir -p below it -> EREMOTE');
SELECT lives_ok($$SELECT tarbox.write('/notes.txt', 'x')$$, 'paths elsewhere are unaffected');
SELECT is((SELECT type FROM tarbox.stat('/notes.txt')), 'file', '... and ordinary');
SELECT is_empty($$SELECT * FROM tarbox.fsck()$$, 'fsck is clean for alice');
RESET ROLE;

-- Deleting a tenant deletes its definitions.
SELECT tarbox.tenant_delete('nat_bob');
SELECT is((SELECT count(*)::int FROM tarbox.native_mount WHERE tenant = :bob_id), 0,
          'tenant_delete removes the tenant''s native mount definitions');

SELECT * FROM finish();
ROLLBACK;
