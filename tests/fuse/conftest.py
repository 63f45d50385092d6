"""Fixtures of the mount tests: ``mnt`` (a mounted throw-away tenant) and ``own_cluster``
(a throw-away cluster of their own, for the tests that stop or crash a database: stopping
the shared test server would disturb the other tests)."""

from __future__ import annotations

import os
import shutil
import tempfile

import psycopg
import pytest

from tarbox_shell.db import cluster, migrate
from tests.fuse.support import Mount, fsck


@pytest.fixture
def own_cluster():
    """(home, dsn) of a fresh embedded cluster with Tarbox installed; removed afterwards."""
    try:
        cluster.find_bindir()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"no PostgreSQL binaries: {exc}")
    home = tempfile.mkdtemp(prefix="tarbox-dbdown-", dir="/tmp")
    os.chmod(home, 0o755)
    try:
        cluster.start(home)
        target = cluster.dsn(home, "postgres")
        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS plpython3u")
            migrate.install(conn)
        yield home, target
    finally:
        try:
            cluster.stop(home)
        except Exception:  # noqa: BLE001
            pass
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def mnt(tenant, tmp_path):
    """A mounted tenant (:class:`Mount`); unmounted after the test, then fsck must be empty."""
    m = Mount(tenant, tmp_path / "mnt").start()
    try:
        yield m
    finally:
        m.stop()
    assert fsck(tenant) == []
