-- Row-level security: the caller's tenant computed once per statement, and the publication
-- test only for rows of other tenants.
--
-- Profile (tarbox import of the Django sdist, track_functions = all, auto_explain): every row a
-- query read or wrote paid for the policies, because a policy's quals run as a filter on each
-- row and tarbox._tenant_id() is a PL/pgSQL function (STABLE: evaluated once only where it is an
-- index key, which the policy never is, since the API's own quals name the tenant). And the
-- permissive policies are OR-ed in the reverse order of their names, so
-- tarbox._published(tenant_id, born, died) ran BEFORE the *_own test on every row of the
-- caller's own tenant (contrary to what 0100 assumed): about 3 PL/pgSQL calls per row. The
-- import made 474,677 calls of _tenant_id and 155,423 of _published (0.76 s of its 3.8 s);
-- tarbox.fsck() on a 10,000-entry tenant took 1,646 ms, reading a 100 KB text file 16 ms.
--
-- Now every policy compares with (SELECT tarbox._tenant_id()), an init plan evaluated once per
-- statement (and again at each execution of a cached plan, so a pooled connection that changes
-- its role between transactions is still judged by its current role), and the *_published
-- policies first test tenant_id <> (SELECT tarbox._tenant_id()), so a row of the caller's own
-- tenant costs one comparison per policy. Measured after: 0 calls of _published and 7 of
-- _tenant_id per import batch; fsck 167-204 ms; the text file 9 ms. Semantics are unchanged:
-- NULL (no tenant: administrators, maintenance) still matches no row, and a publication still
-- shows a consumer only rows of other tenants (its own rows come through *_own).
--
-- Policies created later (new audit partitions: tarbox._audit_partition) use the same form.
DO $rls$
DECLARE
    r record;
    v_using text;
    v_check text;
    v_search_path text := current_setting('search_path');
BEGIN
    -- pg_policies deparses a name without its schema when the schema is on the search path:
    -- read the policies with schema tarbox off it, so that every call reads tarbox._name(...)
    PERFORM set_config('search_path', 'pg_catalog', true);
    FOR r IN SELECT p.tablename, p.policyname, p.qual, p.with_check
               FROM pg_catalog.pg_policies p
              WHERE p.schemaname = 'tarbox'
              ORDER BY p.tablename, p.policyname LOOP
        v_using := replace(r.qual, 'tarbox._tenant_id()', '(SELECT tarbox._tenant_id())');
        v_check := replace(r.with_check, 'tarbox._tenant_id()', '(SELECT tarbox._tenant_id())');
        IF r.policyname LIKE '%\_published' THEN
            v_using := format('tenant_id <> (SELECT tarbox._tenant_id()) AND %s', r.qual);
        END IF;
        EXECUTE format('ALTER POLICY %I ON tarbox.%I USING (%s)%s', r.policyname, r.tablename, v_using,
                       CASE WHEN v_check IS NOT NULL THEN format(' WITH CHECK (%s)', v_check) ELSE '' END);
    END LOOP;
    PERFORM set_config('search_path', v_search_path, true);
END
$rls$;
