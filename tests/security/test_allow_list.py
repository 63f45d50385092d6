"""Every function a tenant role can execute (issue 16, Tests): schema ``tarbox`` exactly as the
README lists it (between its ``tenant-functions`` markers), no other schema's function (but the
test harness's pgTAP extension), and of PostgreSQL's own functions only what PUBLIC may, minus
the advisory-lock functions and large-object creation. A function added, granted or renamed
without updating the README fails here."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _documented() -> list[str]:
    text = README.read_text(encoding="utf-8")
    m = re.search(r"<!-- tenant-functions:begin -->\s*```\n(.*?)```\s*<!-- tenant-functions:end -->", text, re.S)
    assert m, "README.md lacks the tenant-functions list"
    return [line.strip() for line in m.group(1).splitlines() if line.strip()]


def test_tenant_executable_functions_are_exactly_the_documented_ones(login_tenants):
    alice = login_tenants("alice")
    conn = alice.connect()
    tarbox = [r[0] for r in conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p "
        "WHERE p.pronamespace = 'tarbox'::regnamespace AND has_function_privilege(p.oid, 'EXECUTE') "
        "ORDER BY 1").fetchall()]
    documented = _documented()
    assert sorted(documented) == documented, "the README list is sorted"
    assert set(tarbox) - set(documented) == set(), "executable by tenants but not in the README"
    assert set(documented) - set(tarbox) == set(), "in the README but not executable by tenants"
    others = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname NOT IN ('tarbox', 'pg_catalog', 'information_schema') "
        "AND has_function_privilege(p.oid, 'EXECUTE') "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid "
        "                 WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e' "
        "                   AND e.extname = 'pgtap')").fetchall()
    assert others == [], "functions of other schemas a tenant can execute"


def test_postgres_functions_a_tenant_executes_are_publics_minus_the_dangerous_ones(login_tenants):
    alice = login_tenants("alice")
    conn = alice.connect()
    beyond_public = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'pg_catalog'::regnamespace "
        "AND has_function_privilege(p.oid, 'EXECUTE') "
        "AND NOT has_function_privilege('public', p.oid, 'EXECUTE')").fetchall()
    assert beyond_public == [], "a tenant role executes nothing of pg_catalog that PUBLIC may not"
    dangerous = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'pg_catalog'::regnamespace "
        "AND (p.proname ~ '^pg_(try_)?advisory_' OR p.proname IN ('lo_creat', 'lo_create', 'lo_from_bytea', 'lo_import')) "
        "AND has_function_privilege(p.oid, 'EXECUTE')").fetchall()
    assert dangerous == []
    assert conn.execute("SELECT count(*) FROM pg_proc WHERE proname ~ '^pg_(try_)?advisory_'").fetchone()[0] >= 16
