"""Helpers of the HTTP tests: a real ``tarbox serve`` process on a free localhost port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A ``tarbox serve`` subprocess.

    Args:
        admin_dsn: the admin DSN (``tarbox --dsn``); the gateway logs in to that server as
            tarbox_gateway (peer authentication of the test cluster).
        extra: more ``tarbox serve`` options.
        env: extra environment.
        verify: for a server started with --tls-cert: an ssl.SSLContext that verifies its
            certificate; the URL is then https.
    """

    def __init__(self, admin_dsn: str, extra: list[str] | None = None, env: dict | None = None,
                 verify=None):
        self.port = free_port()
        self.verify = verify if verify is not None else True
        self.url = f"{'https' if verify else 'http'}://127.0.0.1:{self.port}"
        self.admin_dsn = admin_dsn
        self.extra = list(extra or [])
        self.env = dict(os.environ, **(env or {}))
        self.proc: subprocess.Popen | None = None
        self.log = Path(f"/tmp/tarbox-serve-test-{self.port}.log")

    def start(self, timeout: float = 30.0, health: bool = True) -> "Server":
        """Start and wait until ``/health`` answers 200 (or, without ``health``, until the
        port accepts connections). Raises RuntimeError with the log on failure."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tarbox_shell", "--dsn", self.admin_dsn, "serve", "--listen",
             f"127.0.0.1:{self.port}", "--log-level", "warning", *self.extra],
            cwd=REPO, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tarbox serve exited {self.proc.returncode}: {self.read_log()}")
            try:
                r = httpx.get(self.url + self.health_path(), timeout=2, verify=self.verify)
                if not health or r.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"tarbox serve did not become healthy: {self.read_log()}")

    def health_path(self) -> str:
        """The /health route under the configured base path."""
        base = ""
        if "--base-path" in self.extra:
            base = "/" + self.extra[self.extra.index("--base-path") + 1].strip("/")
        return base.rstrip("/") + "/health"

    def read_log(self) -> str:
        """The server's output so far (str)."""
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def rss_peak_kib(self) -> int:
        """Peak resident memory (VmHWM, KiB) of the server process."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise RuntimeError("no VmHWM")

    def rss_kib(self) -> int:
        """Current resident memory (VmRSS, KiB) of the server process."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        """SIGTERM (then SIGKILL after 10 s) the server we started, by its pid."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@dataclass
class HttpTenant:
    """A tenant reached over HTTP: the conftest ``tenant`` (SQL side), its ``token``, the
    server's ``url``, and ``http``: an httpx client sending the token."""

    tenant: object
    token: str
    url: str
    http: httpx.Client

    @property
    def api(self) -> str:
        """The /api/v1 base URL."""
        return self.url + "/api/v1"


def make_token(admin: psycopg.Connection, tenant_name: str, name: str | None = None, read_only: bool = False,
               expires: str | None = None) -> str:
    """A new bearer token of ``tenant_name`` (through the SQL admin API)."""
    return admin.execute("SELECT token FROM tarbox.tenant_token_create(%s, %s, %s, %s::interval)",
                         (tenant_name, name, read_only, expires)).fetchone()[0]
