"""What a tenant role may own or hold that the cluster shares (issue 16, item 8): connections,
large objects, default privileges and settings of its own, sessions it keeps open, objects in
other databases. ``tarbox tenant delete`` must always succeed for an administrator."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql


def _with_db(dsn: str, dbname: str) -> str:
    return psycopg.conninfo.make_conninfo(dsn, dbname=dbname)


def test_a_tenant_has_a_connection_limit(login_tenants):
    alice, bob = login_tenants("alice"), login_tenants("bob")
    limit = alice.connect().execute(
        "SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    assert 0 < limit <= 64
    conns = [alice.connect() for _ in range(limit - 1)]
    assert len(conns) == limit - 1
    with pytest.raises(psycopg.OperationalError) as info:
        alice.connect()
    assert "too many connections for role" in str(info.value)
    bob.connect().execute("SELECT tarbox.write('/ok', 'x')")  # bob is not affected


def test_a_tenant_creates_no_large_objects(login_tenants):
    alice = login_tenants("alice")
    conn = alice.connect()
    for q in ["SELECT lo_from_bytea(0, 'x'::bytea)", "SELECT lo_creat(-1)", "SELECT lo_create(0)",
              "SELECT lo_import('/etc/hostname')"]:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(q)


def test_temp_files_are_capped_and_the_cap_cannot_be_raised(login_tenants):
    alice = login_tenants("alice")
    conn = alice.connect()
    assert conn.execute("SHOW temp_file_limit").fetchone()[0] == "1GB"
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SET temp_file_limit = -1")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("ALTER ROLE CURRENT_USER SET temp_file_limit = -1")
    conn.execute("SET work_mem = '64kB'")
    with pytest.raises(psycopg.errors.ConfigurationLimitExceeded):  # 53400
        conn.execute("SELECT count(*) FROM (SELECT g, md5(g::text) FROM generate_series(1, 40000000) g"
                     " ORDER BY 2) x")


def test_tenant_delete_succeeds_whatever_the_tenant_did(login_tenants, admin):
    """Alice leaves behind everything a tenant role can: default privileges and settings of
    her own, a LISTEN, a transaction kept open after a write (holding her layer lock), an idle
    second session, and a large object she owns (made by an administrator before large
    objects were revoked). The administrator's delete succeeds and ends her sessions."""
    alice = login_tenants("alice")
    a = alice.connect()
    a.execute("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC")
    a.execute("ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC")
    a.execute("ALTER ROLE CURRENT_USER SET work_mem = '64MB'")
    a.execute("LISTEN somewhere")
    held = alice.connect(autocommit=False)
    held.execute("SELECT tarbox.write('/held', 'x')")
    idle = alice.connect()
    lo = admin.execute("SELECT lo_from_bytea(0, 'left behind'::bytea)").fetchone()[0]
    admin.execute(sql.SQL("ALTER LARGE OBJECT {} OWNER TO {}").format(sql.Literal(lo), sql.Identifier(alice.role)))

    admin.execute("SET statement_timeout = '60s'")
    admin.execute("SELECT tarbox.tenant_delete(%s)", (alice.name,))
    admin.execute("RESET statement_timeout")
    assert admin.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (alice.role,)).fetchone()[0] == 0
    assert admin.execute("SELECT count(*) FROM pg_largeobject_metadata WHERE oid = %s", (lo,)).fetchone()[0] == 0
    for conn in (held, idle, a):
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")
    with pytest.raises(psycopg.OperationalError):
        alice.connect()


def test_a_tenant_cannot_log_in_to_the_clusters_own_databases(login_tenants):
    alice = login_tenants("alice")
    for dbname in ("postgres", "template1"):
        with pytest.raises(psycopg.OperationalError) as info:
            psycopg.connect(_with_db(alice.dsn, dbname)).close()
        assert "pg_hba.conf rejects" in str(info.value)


def test_tenant_delete_when_the_role_owns_objects_in_another_database(login_tenants, admin, dsn):
    """A tenant that could log in to another (Tarbox) database of the cluster and own something
    there: DROP OWNED reaches one database only, so the role is disabled and renamed, with a
    warning naming the database, and the delete still succeeds."""
    other = f"tarbox_other_{uuid.uuid4().hex[:8]}"
    maint = psycopg.connect(_with_db(dsn, "postgres"), autocommit=True)
    maint.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(other)))
    try:
        alice = login_tenants("alice")
        with psycopg.connect(_with_db(alice.dsn, other), autocommit=True) as conn:
            conn.execute("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC")
        notices = []
        admin.add_notice_handler(lambda d: notices.append(d.message_primary))
        admin.execute("SELECT tarbox.tenant_delete(%s)", (alice.name,))
        renamed = "tarbox_deleted_" + alice.role[len("tarbox_"):]
        assert any(other in n and renamed in n for n in notices), notices
        row = admin.execute("SELECT rolcanlogin, pg_has_role(oid, 'tarbox_tenant', 'MEMBER') "
                            "FROM pg_roles WHERE rolname = %s", (renamed,)).fetchone()
        assert row == (False, False), "disabled: no login, no tenant"
        assert admin.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s",
                             (alice.role,)).fetchone()[0] == 0
        with psycopg.connect(_with_db(dsn, other), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(renamed)))
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(renamed)))
    finally:
        maint.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(other)))
        maint.close()
