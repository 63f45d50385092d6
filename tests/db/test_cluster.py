"""The embedded cluster: idempotent start, status codes, stale postmaster.pid,
clear errors. Uses its own TARBOX_HOME so the shared test cluster is untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest

from tarbox_shell.db import cluster
from tarbox_shell.errors import TarboxError


@pytest.fixture(scope="module")
def home():
    """A fresh cluster home in /tmp (traversable by the server user)."""
    path = Path(f"/tmp/tarbox-clustertest-{uuid.uuid4().hex[:10]}")
    yield path
    try:
        cluster.stop(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TARBOX_HOME=str(home))
    env.pop("TARBOX_DSN", None)
    return subprocess.run([sys.executable, "-m", "tarbox_shell", *args], env=env,
                          capture_output=True, text=True, timeout=180)


def test_dsn_shape(home):
    assert cluster.dsn(home) == f"host={home}/run dbname=tarbox user=tarbox"
    assert cluster.dsn(home, "x") == f"host={home}/run dbname=x user=tarbox"


def test_start_twice_is_harmless(home):
    assert cluster.status(home) == 3
    assert cluster.start(home) is True
    assert cluster.status(home) == 0
    assert cluster.start(home) is False
    assert cluster.status(home) == 0
    assert cluster.ensure_database("tarbox", home) is True
    assert cluster.ensure_database("tarbox", home) is False
    with psycopg.connect(cluster.dsn(home)) as conn:
        user, exts, sync, buffers, listen = conn.execute(
            "SELECT current_user, (SELECT array_agg(extname::text) FROM pg_extension),"
            " current_setting('synchronous_commit'), current_setting('shared_buffers'),"
            " current_setting('listen_addresses')").fetchone()
    assert user == "tarbox"
    assert "plpython3u" in exts
    assert sync == "on"
    assert buffers == "256MB"
    assert listen == ""


def test_cli_start_status_stop(home):
    r = cli(home, "db", "start")
    assert r.returncode == 0, r.stderr
    assert "already running" in r.stdout
    r = cli(home, "db", "status")
    assert r.returncode == 0 and "is running" in r.stdout
    r = cli(home, "db", "stop")
    assert r.returncode == 0 and "stopped" in r.stdout
    r = cli(home, "db", "status")
    assert r.returncode == 3 and "not running" in r.stdout
    r = cli(home, "db", "stop")
    assert r.returncode == 0 and "not running" in r.stdout
    r = cli(home, "db", "start")
    assert r.returncode == 0 and "started" in r.stdout, r.stderr


def _stale_pid_file(home: Path, pid: int) -> None:
    pidfile = cluster.data_dir(home) / "postmaster.pid"
    lines = pidfile.read_text().splitlines()
    assert cluster.stop(home) is True
    assert not pidfile.exists()
    lines[0] = str(pid)
    pidfile.write_text("\n".join(lines) + "\n")
    # The socket lock file names the postmaster pid too.
    lock = cluster.socket_dir(home) / ".s.PGSQL.5432.lock"
    lock.write_text(f"{pid}\n{cluster.data_dir(home)}\n")


def test_stale_pid_of_dead_process(home):
    cluster.start(home)
    proc = subprocess.Popen(["true"])
    proc.wait()  # a pid that existed and is gone now
    _stale_pid_file(home, proc.pid)
    assert cluster.status(home) == 3
    assert cluster.start(home) is True
    assert cluster.status(home) == 0


def test_stale_pid_reused_by_unrelated_process(home):
    cluster.start(home)
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        _stale_pid_file(home, sleeper.pid)  # alive, but not a postmaster
        assert cluster.status(home) == 3
        assert cluster.start(home) is True
        assert cluster.status(home) == 0
        with psycopg.connect(cluster.dsn(home)) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_killed_server_restarts(home):
    cluster.start(home)
    pid = int((cluster.data_dir(home) / "postmaster.pid").read_text().split()[0])
    os.kill(pid, 9)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        import time
        time.sleep(0.05)
    assert cluster.status(home) == 3
    assert cluster.start(home) is True
    with psycopg.connect(cluster.dsn(home)) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: the server then runs as another user")
def test_untraversable_home_is_a_clear_error():
    locked = Path(tempfile.mkdtemp(prefix="tarbox-locked-"))
    os.chmod(locked, 0o700)
    try:
        with pytest.raises(TarboxError) as info:
            cluster.start(locked / "home")
        msg = str(info.value)
        assert "TARBOX_HOME" in msg and "\n" not in msg
        r = cli(locked / "home", "db", "start")
        assert r.returncode == 1
        assert r.stderr.startswith("tarbox: ") and r.stderr.count("\n") == 1, r.stderr
        assert "TARBOX_HOME" in r.stderr
    finally:
        shutil.rmtree(locked, ignore_errors=True)


def test_missing_extension_names_the_package():
    with pytest.raises(TarboxError) as info:
        cluster.check_extension("no_such_extension_xyz")
    assert "no_such_extension_xyz" in str(info.value)
    cluster.check_extension("plpython3u")
    cluster.check_extension("pgtap")
