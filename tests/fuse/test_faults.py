"""Faults under a write workload: the mount process killed with SIGKILL, PostgreSQL stopped in
immediate mode (pg_ctl stop -m immediate sends the postmaster SIGQUIT), and two mounts plus a
direct-SQL writer working at once. What fsync returned for must survive; nothing may be lost
or duplicated; fsck must be clean afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psycopg

from tarbox_shell.db import cluster
from tests.fuse.support import ClusterTenant, Mount, fsck, needs_fuse, needs_root

pytestmark = [needs_fuse, needs_root]


def _writer(root: Path, durable: list[int], stop: threading.Event) -> threading.Thread:
    """Write files w<i> (content 'payload <i>' * 100), fsync each, and record i in ``durable``
    once fsync returned; stop at the first error or when asked."""

    def run() -> None:
        i = 0
        while not stop.is_set():
            try:
                fd = os.open(root / f"w{i}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                try:
                    os.write(fd, (f"payload {i}\n" * 100).encode())
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError:
                return
            durable.append(i)
            i += 1

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _writer_going(root: Path) -> tuple[list[int], threading.Event, threading.Thread]:
    """Start :func:`_writer` on ``root`` and wait (up to 30 s) until 30 files are durable.
    Returns (durable file numbers, stop event, writer thread)."""
    durable: list[int] = []
    stop = threading.Event()
    t = _writer(root, durable, stop)
    deadline = time.monotonic() + 30
    while len(durable) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    return durable, stop, t


def _check_durable(conn: psycopg.Connection, durable: list[int]) -> None:
    for i in durable:
        data = conn.execute("SELECT tarbox.read(%s)", (f"/w{i}",)).fetchone()[0]
        assert bytes(data) == (f"payload {i}\n" * 100).encode(), f"w{i} lost or damaged"


def test_sigkill_of_the_mount_keeps_fsynced_data(tenant, tmp_path):
    m = Mount(tenant, tmp_path / "m").start()
    durable, stop, t = _writer_going(m.path)
    m.proc.send_signal(signal.SIGKILL)
    m.proc.wait(timeout=30)
    stop.set()
    t.join(timeout=30)
    subprocess.run(["fusermount3", "-u", "-z", str(m.path)], capture_output=True)
    m.proc.stdout.close()
    m.proc = None
    assert len(durable) >= 30, "the workload did not get going"
    _check_durable(tenant.conn, durable)
    assert fsck(tenant) == []
    # A new mount of the tenant works and sees the files (orphans purged at start).
    m2 = Mount(tenant, tmp_path / "again").start()
    try:
        assert (m2.path / f"w{durable[-1]}").read_bytes() == (f"payload {durable[-1]}\n" * 100).encode()
    finally:
        m2.stop()


def test_immediate_stop_of_postgresql_keeps_fsynced_data(own_cluster, tmp_path):
    home, target = own_cluster
    name = f"t-{uuid.uuid4().hex[:10]}"
    with psycopg.connect(target, autocommit=True) as admin:
        role = admin.execute("SELECT role_name FROM tarbox.tenant_create(%s)", (name,)).fetchone()[0]
    m = Mount(ClusterTenant(name, target, None), tmp_path / "m").start()
    durable, stop, t = _writer_going(m.path)
    pid = int((Path(home) / "pgdata" / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGQUIT)  # what pg_ctl stop -m immediate does
    t.join(timeout=60)
    stop.set()
    assert len(durable) >= 30, "the workload did not get going"
    deadline = time.monotonic() + 30
    while cluster.status(home) == 0 and time.monotonic() < deadline:  # 0 = still running
        time.sleep(0.2)
    cluster.start(home)  # crash recovery replays the WAL
    try:
        deadline = time.monotonic() + 30
        while True:  # the server may still be finishing recovery
            try:
                conn = psycopg.connect(target, autocommit=True)
                break
            except psycopg.OperationalError:
                assert time.monotonic() < deadline, "the server did not come back"
                time.sleep(0.5)
        conn.execute(f'SET ROLE "{role}"')
        _check_durable(conn, durable)
        assert conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == []
        conn.close()
        # The mount recovers on its own once the server is back.
        deadline = time.monotonic() + 30
        while True:
            try:
                (m / "after").write_text("back")
                break
            except OSError:
                assert time.monotonic() < deadline, "the mount did not recover"
                time.sleep(0.5)
    finally:
        m.stop()


def test_two_mounts_and_sql_writers_lose_nothing(tenant, tmp_path):
    a = Mount(tenant, tmp_path / "a").start()
    b = Mount(tenant, tmp_path / "b").start()
    n = 200
    errors: list[BaseException] = []

    def appender(root: Path, tag: str) -> None:
        try:
            with open(root / "shared.log", "ab", buffering=0) as fh:
                for i in range(n):
                    fh.write(f"{tag} {i}\n".encode())
            for i in range(n // 4):
                (root / f"{tag}-{i}").write_text(f"{tag} file {i}")
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    def sql_writer() -> None:
        try:
            conn = psycopg.connect(tenant.dsn, autocommit=True)
            conn.execute(f'SET ROLE "{tenant.role}"')
            for i in range(n):
                conn.execute("SELECT tarbox.append('/shared.log', %s::text)", (f"sql {i}\n",))
            conn.close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    (a.path / "shared.log").write_bytes(b"")
    threads = [threading.Thread(target=appender, args=(a.path, "a")),
               threading.Thread(target=appender, args=(b.path, "b")),
               threading.Thread(target=sql_writer)]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=300)
        assert errors == []
        lines = bytes(tenant.conn.execute("SELECT tarbox.read('/shared.log')").fetchone()[0]).decode().splitlines()
        assert sorted(lines) == sorted(f"{tag} {i}" for tag in ("a", "b", "sql") for i in range(n)), \
            "every append landed exactly once"
        for tag in ("a", "b"):
            for i in range(n // 4):
                assert (a.path / f"{tag}-{i}").read_text() == f"{tag} file {i}"
    finally:
        a.stop()
        b.stop()
    assert fsck(tenant) == []
