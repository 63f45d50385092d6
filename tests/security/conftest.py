"""Fixtures of the adversarial tests: tenants that log in with their own password over the
Unix socket (as a tenant with its own psql prompt does), never through the administrator's
``SET ROLE``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import psycopg
import pytest

from tests.conftest import unique_tenant_name


@dataclass
class LoginTenant:
    """A tenant created with a password: ``name``, ``role``, ``tenant_id``, ``password`` and the
    administrator's ``admin_dsn``; :meth:`connect` logs in as the tenant role itself."""

    name: str
    role: str
    tenant_id: int
    password: str
    admin_dsn: str
    conns: list = field(default_factory=list)

    @property
    def dsn(self) -> str:
        """libpq DSN that logs in as the tenant role with its password."""
        return psycopg.conninfo.make_conninfo(self.admin_dsn, user=self.role, password=self.password)

    def connect(self, autocommit: bool = True, **kwargs) -> psycopg.Connection:
        """A new connection logged in as the tenant (closed at the end of the test)."""
        conn = psycopg.connect(self.dsn, autocommit=autocommit, **kwargs)
        self.conns.append(conn)
        return conn


@pytest.fixture
def login_tenants(dsn, admin):
    """Factory: ``login_tenants()`` creates a tenant with a password. After the test every
    connection is closed, fsck must be clean for each tenant, and each is deleted."""
    made: list[LoginTenant] = []

    def make(prefix: str = "sec") -> LoginTenant:
        name = unique_tenant_name(prefix)
        password = secrets.token_hex(12)
        row = admin.execute("SELECT tenant_id, role_name FROM tarbox.tenant_create(%s, %s)",
                            (name, password)).fetchone()
        t = LoginTenant(name, row[1], int(row[0]), password, dsn)
        made.append(t)
        return t

    yield make
    problems = {}
    for t in made:
        for c in t.conns:
            try:
                c.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        if admin.execute("SELECT 1 FROM tarbox.tenant WHERE name = %s", (t.name,)).fetchone():
            with psycopg.connect(t.dsn, autocommit=True) as conn:
                rows = conn.execute("SELECT * FROM tarbox.fsck()").fetchall()
            if rows:
                problems[t.name] = rows
            admin.execute("SELECT tarbox.tenant_delete(%s)", (t.name,))
    assert problems == {}, f"fsck found problems: {problems}"
