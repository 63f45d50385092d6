"""Helpers for the real-mount tests (no tests here): run ``tarbox mount --foreground`` in
a subprocess against the test database, wait until the kernel shows the mount, unmount
with ``tarbox umount`` and check that the mount process exited cleanly and that
``tarbox.fsck()`` is empty afterwards.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tarbox_shell.fuse.mount import find_mount
from tests.conftest import fsck_problems

REPO = Path(__file__).resolve().parents[2]

needs_fuse = pytest.mark.skipif(
    not os.path.exists("/dev/fuse") or shutil.which("fusermount3") is None,
    reason="FUSE is not available (/dev/fuse or fusermount3 missing)")
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


def tarbox_cmd() -> list[str]:
    """The command prefix (list of str) that runs the ``tarbox`` CLI: ``python -m
    tarbox_shell``."""
    return [sys.executable, "-m", "tarbox_shell"]


def run_tarbox(*args: str, timeout: float = 60, env: dict | None = None
               ) -> subprocess.CompletedProcess:
    """Run a tarbox command; returns the CompletedProcess (text output)."""
    return subprocess.run([*tarbox_cmd(), *args], capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, env=env)


@dataclass
class ClusterTenant:
    """A tenant of the cluster of :func:`own_cluster`: name, admin DSN, connection or None."""

    name: str
    dsn: str
    conn: psycopg.Connection


class Mount:
    """A foreground ``tarbox mount`` process serving ``tenant`` on ``path``.

    Args:
        tenant: the conftest ``Tenant`` (name, dsn, conn acting as the tenant).
        path: the mount point (created if missing).
        extra: extra ``tarbox mount`` options (e.g. ``["--read-only"]``).
    """

    def __init__(self, tenant, path: Path, extra: list[str] | None = None) -> None:
        self.tenant = tenant
        self.path = Path(path)
        self.extra = list(extra or [])
        self.log = self.path.parent / f"{self.path.name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> "Mount":
        """Start the mount process and wait until the mount is visible. Raises
        AssertionError with the process output if it does not come up."""
        self.path.mkdir(parents=True, exist_ok=True)
        cmd = [*tarbox_cmd(), "mount", self.tenant.name, str(self.path), "--foreground",
               "--dsn", self.tenant.dsn, "--log", str(self.log), *self.extra]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     cwd=REPO)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = find_mount(str(self.path.resolve()))
            if found and found[0] == "fuse.tarbox":
                os.stat(self.path)  # wait for FUSE INIT
                return self
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace")
                raise AssertionError(f"mount exited with {self.proc.returncode}: {out}"
                                     f"{self.read_log()}")
            time.sleep(0.05)
        self.proc.kill()
        raise AssertionError(f"mount did not appear within {timeout}s: {self.read_log()}")

    def read_log(self) -> str:
        """The mount's log file (str, empty if none)."""
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 60.0) -> None:
        """``tarbox umount`` (lazy after a failed attempt), then wait for the process to
        exit; asserts it exited with status 0."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            r = run_tarbox("umount", str(self.path))
            if r.returncode != 0:
                time.sleep(0.5)
                r = run_tarbox("umount", "--lazy", str(self.path))
            assert r.returncode == 0, r.stderr
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"mount process did not exit: {self.read_log()}")
        finally:
            self.proc.stdout.close()
        self.proc = None
        assert rc == 0, f"mount process exited with {rc}: {self.read_log()}"
        assert "Traceback" not in self.read_log(), self.read_log()

    def __truediv__(self, name):
        """``mount / "name"``: a path inside the mount (pathlib.Path)."""
        return self.path / name


def append_and_reread(f, before: bytes, more: bytes) -> None:
    """On open binary file ``f`` (r+b) holding ``before``: read it, append ``more``, fsync,
    and assert that reading from the start gives both (an unlinked file still works)."""
    assert f.read() == before
    f.seek(0, os.SEEK_END)
    f.write(more)
    f.flush()
    os.fsync(f.fileno())
    f.seek(0)
    assert f.read() == before + more


def fsck(tenant) -> list:
    """Rows of ``tarbox.fsck()`` for the tenant (empty = clean; garbage that gc collects
    does not count: :func:`tests.conftest.fsck_problems`)."""
    return fsck_problems(tenant.conn)


def orphans(tenant) -> int:
    """Number of live inodes of the tenant with no links (unlinked, maybe still open)."""
    return tenant.conn.execute(
        "SELECT count(*) FROM tarbox.inode WHERE died = 2147483647 AND nlink = 0").fetchone()[0]


_libc = ctypes.CDLL(None, use_errno=True)
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2


def renameat2(old, new, flags: int) -> None:
    """renameat2(2) through libc; raises OSError."""
    res = _libc.renameat2(-100, os.fsencode(old), -100, os.fsencode(new), ctypes.c_uint(flags))
    if res != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), str(old), None, str(new))


def wait_for(pred, timeout: float = 5.0, interval: float = 0.02):
    """Poll ``pred()`` until truthy; return its value, or the last (falsy) one on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
