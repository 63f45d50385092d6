-- Row-level security costs one comparison per row (migration 0140): every policy compares with
-- (SELECT tarbox._tenant_id()), an init plan evaluated once per statement, and the *_published
-- policies of composition test tenant_id <> (SELECT tarbox._tenant_id()) before they call
-- tarbox._published, so the caller's own rows never reach that function. The counts come from
-- pg_stat_xact_user_functions (this transaction's calls, with track_functions = all).
BEGIN;
SET CONSTRAINTS tarbox.block_drop_at_commit IMMEDIATE;
SELECT plan(10);

SELECT is(
  (SELECT string_agg(p.tablename || '.' || p.policyname, ', ' ORDER BY 1)
     FROM pg_policies p
    WHERE p.schemaname = 'tarbox'
      AND (regexp_replace(coalesce(p.qual, ''), '\( SELECT tarbox\._tenant_id\(\) AS _tenant_id\)', '', 'g') ~ '_tenant_id\('
           OR regexp_replace(coalesce(p.with_check, ''), '\( SELECT tarbox\._tenant_id\(\) AS _tenant_id\)', '', 'g') ~ '_tenant_id\(')),
  NULL, 'no policy calls tarbox._tenant_id() per row (only as a per-statement init plan)');
SELECT is(
  (SELECT string_agg(p.tablename || '.' || p.policyname, ', ' ORDER BY 1)
     FROM pg_policies p
    WHERE p.schemaname = 'tarbox' AND p.policyname LIKE '%\_published'
      AND p.qual !~ '^\(\(tenant_id <> \( SELECT tarbox\._tenant_id\(\) AS _tenant_id\)\) AND '),
  NULL, 'every publication policy skips the caller''s own rows before it calls tarbox._published*');
SELECT cmp_ok((SELECT count(*)::int FROM pg_policies p WHERE p.schemaname = 'tarbox' AND p.policyname LIKE '%\_published'),
              '>=', 6, 'the publication policies are there to be checked');

SELECT tenant_id AS t_id, role_name AS t_role FROM tarbox.tenant_create('rls_cost') \gset
SET track_functions = 'all';
SET ROLE :"t_role";
SELECT tarbox.mkdir('/d');
SELECT count(tarbox.write('/d/f' || g, 'line ' || g || E'\n')) FROM generate_series(1, 50) g;
RESET ROLE;

CREATE FUNCTION pg_temp.calls(p_names text[]) RETURNS bigint LANGUAGE sql AS $$
    SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_xact_user_functions
     WHERE schemaname = 'tarbox' AND funcname = ANY (p_names)
$$;
SELECT pg_temp.calls('{_published,_published_block}') AS pub0, pg_temp.calls('{_tenant_id}') AS tid0 \gset
SET ROLE :"t_role";
-- (the tenant's rows by its key, as the API reads them: rows of other tenants that a scan
-- passes do reach tarbox._published, which shows them only if published to this tenant)
SELECT is((SELECT count(*)::int FROM tarbox.inode WHERE tenant_id = :t_id), 52,
          'the tenant reads its own 52 inodes (root, /d, 50 files)');
SELECT is((SELECT count(*)::int FROM tarbox.dentry WHERE tenant_id = :t_id), 51, 'and its 51 entries');
RESET ROLE;
SELECT cmp_ok((pg_temp.calls('{_tenant_id}') - :tid0)::int, '<=', 4,
              'two statements over 103 rows call tarbox._tenant_id once per policy (two each), not per row');
SET ROLE :"t_role";
SELECT is((SELECT count(*)::int FROM tarbox.ls('/d')), 50, 'tarbox.ls lists the 50 files');
SELECT is((SELECT sum(octet_length(tarbox.read('/d/f' || g)))::int FROM generate_series(1, 50) g), 50 * 7 + 41,
          'and tarbox.read reads them');
RESET ROLE;
SELECT is(pg_temp.calls('{_published,_published_block}') - :pub0, 0::bigint,
          'reading its own rows (plain queries, ls, read) calls tarbox._published not once');

-- the semantics did not change: another tenant's rows stay invisible, its own stay writable
SELECT tenant_id AS o_id, role_name AS o_role FROM tarbox.tenant_create('rls_other') \gset
SET ROLE :"o_role";
SELECT is((SELECT count(*)::int FROM tarbox.inode WHERE tenant_id = :t_id), 0,
          'another tenant sees none of these inodes');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
