"""Shared fixtures: a real PostgreSQL (never mocks).

``dsn``: ``$TARBOX_TEST_DSN`` (exported by ``make test``), else this session starts
the private test cluster (``/tmp/tarbox-test-<hash of the repo path>``, the same one
the Makefile uses) with :mod:`tarbox_shell.cluster`, recreates database
``tarbox_test`` and installs Tarbox into it.
"""

from __future__ import annotations

import glob
import hashlib
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tarbox_shell import db
from tarbox_shell.db import cluster, migrate

REPO = Path(__file__).resolve().parent.parent
TEST_DB = "tarbox_test"
DJANGO_VERSION = "5.1.4"
CACHE = REPO / ".cache"

DROP_TENANT_ROLES = """
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT rolname FROM pg_roles WHERE rolname ~ '^tarbox_(tenant_[0-9]+|psql_[0-9]+_[0-9a-f]+|deleted_(tenant|psql)_[0-9a-f_]+)$' LOOP
        BEGIN
            EXECUTE format('DROP ROLE %I', r.rolname);
        EXCEPTION WHEN others THEN
            RAISE NOTICE 'kept role %: %', r.rolname, SQLERRM;
        END;
    END LOOP;
END
$$
"""


def test_home() -> str:
    """The private test cluster's TARBOX_HOME (str), as the Makefile computes it."""
    env = os.environ.get("TARBOX_TEST_HOME")
    if env:
        return env
    digest = hashlib.sha256(str(REPO).encode()).hexdigest()[:12]
    return f"/tmp/tarbox-test-{digest}"


test_home.__test__ = False  # not a test


@pytest.fixture(scope="session")
def dsn() -> str:
    """libpq DSN (str) of an installed, superuser-reachable test database."""
    env = os.environ.get("TARBOX_TEST_DSN")
    if env:
        return env
    home = test_home()
    cluster.start(home)
    with psycopg.connect(cluster.dsn(home, "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEST_DB} WITH (FORCE)")
        conn.execute(DROP_TENANT_ROLES)
        conn.execute(f"CREATE DATABASE {TEST_DB}")
    target = cluster.dsn(home, TEST_DB)
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS plpython3u")
        migrate.install(conn)
    return target


@pytest.fixture
def admin(dsn):
    """An autocommit superuser psycopg connection to the test database."""
    conn = psycopg.connect(dsn, autocommit=True)
    yield conn
    conn.close()


@dataclass
class Tenant:
    """A throw-away tenant: ``name``, ``role``, ``conn`` (SET ROLE done, autocommit), ``dsn``."""

    name: str
    role: str
    conn: psycopg.Connection
    dsn: str

    def tpath(self, path: str = "/") -> str:
        """Return the CLI spelling ``name:path``."""
        return f"{self.name}:{path}"


def unique_tenant_name(prefix: str = "t") -> str:
    """A fresh valid tenant name (str)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def fsck_problems(conn) -> list:
    """Rows of ``tarbox.fsck()`` on tenant connection ``conn`` (empty = clean). Concurrent
    writers may leave garbage blocks for gc by design (a release skips a block another
    transaction holds, or a lock stripe another releaser holds: ``tarbox._block_release``):
    when garbage is all fsck finds, ``tarbox.gc()`` runs and fsck again, so garbage counts only
    if gc cannot collect it. Single-writer tests leave none, and the storage tests assert so."""
    problems = conn.execute("SELECT * FROM tarbox.fsck()").fetchall()
    if problems and all(p[0] == "garbage" for p in problems):
        conn.execute("SELECT * FROM tarbox.gc()")
        problems = conn.execute("SELECT * FROM tarbox.fsck()").fetchall()
    return problems


@pytest.fixture
def tenant(dsn, admin):
    """Create a uniquely named tenant; after the test assert ``tarbox.fsck()`` is
    empty for it (garbage blocks, which concurrent writers may leave by design, once
    ``tarbox.gc()`` has collected them), then delete it."""
    name = unique_tenant_name()
    row = admin.execute("SELECT * FROM tarbox.tenant_create(%s)", (name,)).fetchone()
    role = row[2]
    conn = db.tenant_connection(name, dsn)
    t = Tenant(name=name, role=role, conn=conn, dsn=dsn)
    try:
        yield t
    finally:
        problems = None
        try:
            if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.close()
                conn = db.tenant_connection(name, dsn)
            problems = fsck_problems(conn)
        finally:
            conn.close()
            admin.execute("SELECT tarbox.tenant_delete(%s)", (name,))
        assert problems == [], f"fsck found problems for tenant {name}: {problems}"


def django_sdist_path() -> Path:
    """Path of the Django 5.1.4 sdist tarball (real input for the workload tests), downloaded
    once into .cache/ with pip (the Makefile's `make run` keeps it there too). Raises
    RuntimeError when it can neither be found nor downloaded."""
    pattern = str(CACHE / f"[dD]jango-{DJANGO_VERSION}.tar.gz")
    found = glob.glob(pattern)
    if not found:
        CACHE.mkdir(exist_ok=True)
        r = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                            "--no-binary", ":all:", f"django=={DJANGO_VERSION}", "-d", str(CACHE)],
                           capture_output=True, text=True)
        found = glob.glob(pattern)
        if not found:
            raise RuntimeError(f"cannot download the Django sdist: {r.stderr.strip()[-200:]}")
    return Path(found[0])


@pytest.fixture(scope="session")
def django_sdist() -> Path:
    """The Django sdist tarball (see :func:`django_sdist_path`)."""
    return django_sdist_path()
