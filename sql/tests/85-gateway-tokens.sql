-- The HTTP gateway's tokens and role: tenant_token_create/list/revoke/auth, _gateway_enter
-- (SET LOCAL ROLE for the rest of the transaction, read-only requests, read-only tokens), the
-- gateway role's attributes and memberships, and who may call what.
BEGIN;
SELECT plan(42);

SELECT * FROM tarbox.tenant_create('gw1') \gset a_
SELECT * FROM tarbox.tenant_create('gw2') \gset b_

-- ---- the role ----------------------------------------------------------------------------------
SELECT is((SELECT row(rolcanlogin, rolinherit, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication)::text
             FROM pg_roles WHERE rolname = 'tarbox_gateway'), '(t,f,f,f,f,f,f)',
          'tarbox_gateway logs in, inherits nothing, and has no special attribute');
SELECT ok(pg_has_role('tarbox_gateway', :'a_role_name', 'MEMBER') AND pg_has_role('tarbox_gateway', :'b_role_name', 'MEMBER'),
          'tenant_create grants each new tenant role to the gateway');
SELECT ok(NOT pg_has_role('tarbox_gateway', :'a_role_name', 'USAGE'),
          'NOINHERIT: the gateway holds none of a tenant''s privileges until it sets the role');
SELECT is_empty($$SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
                   WHERE m.member = 'tarbox_gateway'::regrole AND r.rolname !~ '^tarbox_tenant_[0-9]+$'$$,
                'the gateway is a member of tenant roles only');
SELECT ok(has_function_privilege('tarbox_gateway', 'tarbox.tenant_token_auth(text)', 'EXECUTE')
          AND has_function_privilege('tarbox_gateway', 'tarbox._gateway_enter(text, boolean)', 'EXECUTE'),
          'the gateway may check tokens and enter a request');
SELECT ok(NOT has_function_privilege('tarbox_tenant', 'tarbox.tenant_token_auth(text)', 'EXECUTE')
          AND NOT has_function_privilege('tarbox_tenant', 'tarbox._gateway_enter(text, boolean)', 'EXECUTE')
          AND NOT has_function_privilege('tarbox_admin', 'tarbox.tenant_token_auth(text)', 'EXECUTE'),
          'tenants and administrators cannot look tokens up');
SELECT ok(NOT has_function_privilege('tarbox_gateway', 'tarbox.tenant_token_create(text, text, boolean, interval)', 'EXECUTE'),
          'the gateway cannot create tokens');
SELECT ok(NOT has_table_privilege('tarbox_gateway', 'tarbox.token', 'SELECT')
          AND NOT has_table_privilege('tarbox_tenant', 'tarbox.token', 'SELECT'),
          'neither the gateway nor tenants read the token table');
SELECT col_is_pk('tarbox', 'token', ARRAY['tenant_id', 'token_id'], 'token PK is (tenant_id, token_id)');

-- ---- create / list -----------------------------------------------------------------------------
SELECT * FROM tarbox.tenant_token_create('gw1', 'agent') \gset t_
SELECT matches(:'t_token'::text, '^tbx_' || :a_tenant_id || '_[0-9a-f]{64}$', 'a token is tbx_<tenant id>_<64 hex digits>');
SELECT is((SELECT hash FROM tarbox.token WHERE tenant_id = :a_tenant_id AND name = 'agent'),
          sha256(convert_to(:'t_token', 'UTF8')), 'only the SHA-256 of the token is stored');
SELECT is((SELECT count(*)::int FROM tarbox.token t WHERE t::text LIKE '%' || substr(:'t_token', 20, 30) || '%'), 0,
          'the token text is in no column');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_token_create('gw1', 'agent')$$, 'TX017', NULL, 'a duplicate name -> EEXIST');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_token_create('nobody')$$, 'TX002', NULL, 'an unknown tenant -> ENOENT');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_token_create('gw1', 'bad name')$$, 'TX022', NULL, 'a bad name -> EINVAL');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_token_create('gw1', 'x', false, '-1 day')$$, 'TX022', NULL,
                 'an expiry in the past -> EINVAL');
SELECT * FROM tarbox.tenant_token_create('gw1', 'reader', true) \gset r_
SELECT * FROM tarbox.tenant_token_create('gw2', 'other') \gset o_
SELECT is((SELECT string_agg(name || ':' || state || ':' || read_only, ',' ORDER BY token_id) FROM tarbox.tenant_token_list('gw1')),
          'agent:active:false,reader:active:true', 'tenant_token_list shows a tenant''s tokens, never their text');
SELECT is((SELECT count(*)::int FROM tarbox.tenant_token_list() WHERE tenant IN ('gw1', 'gw2')), 3, 'without a tenant it lists every tenant''s tokens');

-- ---- auth --------------------------------------------------------------------------------------
SET ROLE tarbox_gateway;
SELECT is((SELECT row(tenant_id, role_name, read_only)::text FROM tarbox.tenant_token_auth(:'t_token')),
          row(:a_tenant_id::bigint, :'a_role_name'::text, false)::text, 'a token resolves to its tenant and role');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_token_auth(NULL)$$, '28000', 'unauthorized: missing bearer token', 'a missing token -> 28000');
SELECT throws_ok($$SELECT * FROM tarbox.tenant_token_auth('nonsense')$$, '28000', 'unauthorized: malformed bearer token', 'a malformed token -> 28000');
SELECT throws_ok(format('SELECT * FROM tarbox.tenant_token_auth(%L)', 'tbx_' || :b_tenant_id || substr(:'t_token', length('tbx_' || :a_tenant_id) + 1)),
                 '28000', 'unauthorized: unknown bearer token', 'a token with another tenant''s id -> 28000 (unknown)');
SELECT throws_ok(format('SELECT * FROM tarbox.tenant_token_auth(%L)', left(:'t_token', -1) || CASE WHEN right(:'t_token', 1) = '0' THEN '1' ELSE '0' END),
                 '28000', 'unauthorized: unknown bearer token', 'one changed digit -> 28000');

-- _gateway_enter: the rest of the transaction acts as the tenant, then the role ends
SELECT is(tarbox._gateway_enter(:'t_token', true), false, '_gateway_enter returns the read-only flag');
SELECT is(current_user::text, :'a_role_name', 'after _gateway_enter the transaction acts as the token''s tenant');
SELECT is(tarbox.write('/via-gateway', 'hello'), 5::bigint, 'and writes through the API as that tenant');
SELECT is(current_setting('transaction_read_only'), 'off', 'a write request is a read-write transaction');
RESET ROLE;
SET ROLE tarbox_gateway;
SELECT is(current_user::text, 'tarbox_gateway', 'RESET/SET ROLE returns to the gateway');
SAVEPOINT ro;
SELECT is(tarbox._gateway_enter(:'t_token', false), false, 'a read request enters too');
SELECT is(current_setting('transaction_read_only'), 'on', 'a read request is a read-only transaction');
SELECT throws_ok($$SELECT tarbox.write('/sneaky', 'x')$$, '25006', NULL, 'the database refuses a write in a read request');
ROLLBACK TO SAVEPOINT ro;
SELECT throws_ok(format('SELECT tarbox._gateway_enter(%L, true)', :'r_token'), 'TX030',
                 'this bearer token is read-only: changes are refused', 'a read-only token cannot enter a change (EROFS)');
SELECT is(current_user::text, 'tarbox_gateway', 'a refused token leaves the role unchanged');
SAVEPOINT ro2;
SELECT is(tarbox._gateway_enter(:'r_token', false), true, 'a read-only token reads');
SELECT is((SELECT count(*)::int FROM tarbox.ls('/')), 1, 'and sees its tenant''s files');
ROLLBACK TO SAVEPOINT ro2;
SAVEPOINT other;
SELECT is(tarbox._gateway_enter(:'o_token', false), false, 'another tenant''s token');
SELECT is((SELECT count(*)::int FROM tarbox.ls('/')), 0, 'sees only that tenant''s files');
ROLLBACK TO SAVEPOINT other;
RESET ROLE;

-- ---- revoke and expire ---------------------------------------------------------------------------
SELECT is((SELECT name FROM tarbox.tenant_token_revoke('gw1', 'agent')), 'agent', 'tenant_token_revoke by name');
SET ROLE tarbox_gateway;
SELECT throws_ok(format('SELECT * FROM tarbox.tenant_token_auth(%L)', :'t_token'), '28000',
                 'unauthorized: bearer token agent was revoked', 'a revoked token -> 28000');
RESET ROLE;
UPDATE tarbox.token SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day'
 WHERE tenant_id = :a_tenant_id AND name = 'reader';
SET ROLE tarbox_gateway;
SELECT throws_ok(format('SELECT * FROM tarbox.tenant_token_auth(%L)', :'r_token'), '28000', NULL, 'an expired token -> 28000');
RESET ROLE;
SELECT throws_ok($$SELECT * FROM tarbox.tenant_token_revoke('gw1', 'nope')$$, 'TX002', NULL, 'revoking an unknown token -> ENOENT');

-- ---- deleting the tenant deletes its tokens ------------------------------------------------------
SELECT tarbox.tenant_delete('gw2');
SELECT is((SELECT count(*)::int FROM tarbox.token WHERE tenant_id = :b_tenant_id), 0, 'tenant_delete removes the tenant''s tokens');

SELECT * FROM finish();
ROLLBACK;
