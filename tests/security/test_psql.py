"""``tarbox db psql --tenant X`` (issue 16, item 10) used to be the superuser's session with
``SET ROLE``: ``SET ROLE NONE`` then ``SET ROLE <another tenant>`` read another tenant's files.
Now it logs in with a one-off role that is a member of that tenant role only; the superuser's
prompt is ``tarbox db admin-psql``. Real psql processes, through the real CLI."""

from __future__ import annotations

import subprocess

import psycopg

from tests.fuse.support import run_tarbox


def _psql(dsn: str, tenant: str | None, *sql: str) -> subprocess.CompletedProcess:
    args = ["--dsn", dsn, "db", "psql"] + (["--tenant", tenant] if tenant else [])
    args += ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"]
    for s in sql:
        args += ["-c", s]
    return run_tarbox(*args)


def test_the_tenant_prompt_cannot_leave_the_tenant(login_tenants, admin, dsn):
    alice, bob = login_tenants("alice"), login_tenants("bob")
    with psycopg.connect(bob.dsn, autocommit=True) as b:
        b.execute("SELECT tarbox.write('/secret', 'bob''s')")
    r = _psql(dsn, alice.name, "SELECT current_user, tarbox._tenant_id() IS NULL",
              "SELECT tarbox.write('/mine', 'alice''s')", "SELECT convert_from(tarbox.read('/mine'), 'UTF8')")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [f"{alice.role}|f", "7", "alice's"], r.stdout
    # Every way out: another tenant, the administrator roles, the session's own login role.
    for escape in [f"SET ROLE {bob.role}", "SET ROLE tarbox", "SET ROLE tarbox_admin", "SET ROLE tarbox_maint",
                   "SET SESSION AUTHORIZATION tarbox", "RESET SESSION AUTHORIZATION; SET ROLE " + bob.role,
                   f"SET ROLE NONE; SET ROLE {bob.role}"]:
        r = _psql(dsn, alice.name, escape, "SELECT 'escaped'")
        assert r.returncode != 0 and "escaped" not in r.stdout, (escape, r.stdout, r.stderr)
        assert "permission denied" in r.stderr or "must be" in r.stderr, (escape, r.stderr)
    # Leaving the tenant role leaves a role that sees and may do nothing.
    r = _psql(dsn, alice.name, "SET ROLE NONE", "SELECT count(*) FROM pg_class WHERE relname = 'inode'")
    assert r.returncode == 0, r.stderr
    r = _psql(dsn, alice.name, "SET ROLE NONE", "SELECT count(*) FROM tarbox.inode")
    assert r.returncode != 0 and "permission denied" in r.stderr
    r = _psql(dsn, alice.name, "SET ROLE NONE", "SELECT tarbox.read('/secret')")
    assert r.returncode != 0
    # The login role exists only for the prompt: a member of alice's role, nothing else.
    rows = admin.execute(
        "SELECT r.rolname, r.rolinherit, r.rolcanlogin, array_agg(g.rolname) FROM pg_roles r "
        "JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid "
        "WHERE r.rolname LIKE %s GROUP BY 1, 2, 3", (f"tarbox_psql_{alice.tenant_id}_%",)).fetchall()
    assert rows and all(row[1:] == (False, True, [alice.role]) for row in rows), rows


def test_the_prompt_needs_a_tenant_and_the_admin_prompt_is_separate(login_tenants, dsn, admin):
    r = run_tarbox("--dsn", dsn, "db", "psql", "-c", "SELECT 1")
    assert r.returncode == 2 and "admin-psql" in r.stderr
    r = run_tarbox("--dsn", dsn, "db", "admin-psql", "-X", "-A", "-t", "-c", "SELECT current_user")
    assert r.returncode == 0 and r.stdout.strip() == "tarbox", r.stderr
    r = _psql(dsn, "no-such-tenant", "SELECT 1")
    assert r.returncode == 1 and "unknown tenant" in r.stderr
    alice = login_tenants("alice")
    assert _psql(dsn, alice.name, "SELECT 1").returncode == 0
    admin.execute("SELECT tarbox.tenant_delete(%s)", (alice.name,))
    left = admin.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE %s",
                         (f"tarbox_psql_{alice.tenant_id}_%",)).fetchone()[0]
    assert left == 0, "tenant delete drops the prompt's login roles"
