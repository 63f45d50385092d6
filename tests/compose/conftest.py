"""Fixtures of the composition tests: several throw-away tenants at once (publisher and
consumers), each checked with fsck and deleted after the test."""

from __future__ import annotations

import psycopg
import pytest

from tarbox_shell import db
from tests.conftest import Tenant, unique_tenant_name


@pytest.fixture
def tenants(dsn, admin):
    """Factory: ``tenants(prefix)`` creates a tenant (a conftest ``Tenant``). After the test
    fsck must be clean for every one of them; all are deleted."""
    made: list[Tenant] = []

    def make(prefix: str = "cmp") -> Tenant:
        name = unique_tenant_name(prefix)
        row = admin.execute("SELECT * FROM tarbox.tenant_create(%s)", (name,)).fetchone()
        t = Tenant(name=name, role=row[2], conn=db.tenant_connection(name, dsn), dsn=dsn)
        made.append(t)
        return t

    yield make
    problems = {}
    for t in made:
        conn = t.conn
        if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.close()
            conn = db.tenant_connection(t.name, dsn)
        rows = conn.execute("SELECT * FROM tarbox.fsck()").fetchall()
        conn.close()
        if rows:
            problems[t.name] = rows
    for t in reversed(made):
        admin.execute("SELECT tarbox.tenant_delete(%s)", (t.name,))
    assert problems == {}, f"fsck found problems: {problems}"
