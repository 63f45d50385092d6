"""Fixtures of the HTTP tests: ``server`` (one real ``tarbox serve`` for the session) and
``ht`` (a throw-away tenant with a token and an httpx client; fsck is checked by ``tenant``)."""

from __future__ import annotations

import httpx
import pytest

from tests.fuse.conftest import own_cluster  # noqa: F401  (a throw-away cluster to stop)
from tests.server.support import HttpTenant, Server, make_token


@pytest.fixture(scope="session")
def server(dsn):
    """A ``tarbox serve`` process against the test database (url in ``.url``)."""
    s = Server(dsn).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def ht(server, tenant, admin):
    """An :class:`HttpTenant` of a fresh tenant on the session's server."""
    token = make_token(admin, tenant.name, "test")
    client = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    try:
        yield HttpTenant(tenant, token, server.url, client)
    finally:
        client.close()
