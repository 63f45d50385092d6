-- Blocks a call stops referencing are released when its transaction commits (migration 0105):
-- until then they stay, listed in tarbox.block_drop; SET CONSTRAINTS ... IMMEDIATE (or the
-- commit) releases them; a rolled-back savepoint takes its pending releases with it; tenants
-- can neither read nor write the pending list.
BEGIN;
SELECT plan(10);

SELECT role_name AS tenant FROM tarbox.tenant_create('releasetest') \gset
SELECT tenant_id AS tid FROM tarbox.tenant WHERE name = 'releasetest' \gset
SET ROLE :"tenant";
SELECT tarbox.write('/f', '\x00aaaa'::bytea) AS w \gset
SET CONSTRAINTS tarbox.block_drop_at_commit IMMEDIATE;
SET CONSTRAINTS tarbox.block_drop_at_commit DEFERRED;
SELECT tarbox.write('/f', '\x00bbbb'::bytea) AS w \gset
RESET ROLE;

SELECT is((SELECT count(*) FROM tarbox.block WHERE tenant_id = :tid AND hash = sha256('\x00aaaa'::bytea)),
          1::bigint, 'the replaced block stays until commit');
SELECT is((SELECT count(*) FROM tarbox.block_drop WHERE tenant_id = :tid AND xid = pg_current_xact_id()),
          1::bigint, '... listed as dropped by this transaction');

SET ROLE :"tenant";
SAVEPOINT s;
SELECT tarbox.write('/f', '\x00cccc'::bytea) AS w \gset
ROLLBACK TO SAVEPOINT s;
SELECT throws_ok('SELECT count(*) FROM tarbox.block_drop', '42501', NULL, 'a tenant cannot read the pending list');
SELECT throws_ok(format('INSERT INTO tarbox.block_drop VALUES (%s, pg_current_xact_id(), 9, ARRAY[''\x00''::bytea])', :tid),
                 '42501', NULL, '... nor add to it');
RESET ROLE;
SELECT is((SELECT count(*) FROM tarbox.block_drop WHERE tenant_id = :tid), 1::bigint,
          'a rolled-back savepoint takes its pending release with it');
SELECT is((SELECT count(*) FROM tarbox.block WHERE tenant_id = :tid AND hash = sha256('\x00cccc'::bytea)),
          0::bigint, '... and its block');

SET CONSTRAINTS tarbox.block_drop_at_commit IMMEDIATE;
SELECT is((SELECT count(*) FROM tarbox.block WHERE tenant_id = :tid AND hash = sha256('\x00aaaa'::bytea)),
          0::bigint, 'at the check (as at commit, here after RESET ROLE) the dropped block is released');
SELECT is((SELECT count(*) FROM tarbox.block_drop WHERE tenant_id = :tid), 0::bigint, '... and the list is empty');
SET ROLE :"tenant";
SELECT is(tarbox.read('/f'), '\x00bbbb'::bytea, 'the file holds the last committed-in-transaction content');
SELECT is((SELECT count(*) FROM tarbox.fsck()), 0::bigint, 'fsck clean');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
