"""The CLI side: ``tarbox token create|list|revoke``, the file commands with ``--url`` and a
token (over HTTP), and ``tarbox serve`` refusing a login that would bypass row-level security."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.server.support import REPO


def tarbox(*args: str, dsn: str | None = None, env: dict | None = None, stdin: bytes | None = None,
           timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the CLI; returns the CompletedProcess (bytes output)."""
    pre = ["--dsn", dsn] if dsn else []
    return subprocess.run([sys.executable, "-m", "tarbox_shell", *pre, *args], cwd=REPO, input=stdin,
                          capture_output=True, timeout=timeout, env=dict(os.environ, **(env or {})))


def test_token_commands_and_file_commands_over_http(server, tenant, dsn, tmp_path):
    r = tarbox("token", "create", tenant.name, "--name", "cli", "--expires", "1d", dsn=dsn)
    assert r.returncode == 0, r.stderr
    token = r.stdout.decode().strip()
    assert token.startswith("tbx_") and b"only its hash is stored" in r.stderr
    listed = tarbox("token", "list", tenant.name, dsn=dsn).stdout.decode()
    assert "cli" in listed and "active" in listed and token not in listed
    env = {"TARBOX_URL": server.url, "TARBOX_TOKEN": token}
    t = f"{tenant.name}:"
    assert tarbox("mkdir", "-p", t + "/a/b", env=env).returncode == 0
    assert tarbox("put", "-", t + "/a/b/f.txt", env=env, stdin=b"over http\n").returncode == 0
    assert tarbox("cat", t + "/a/b/f.txt", env=env).stdout == b"over http\n"
    assert tenant.conn.execute("SELECT tarbox.read_text('/a/b/f.txt')").fetchone()[0] == "over http\n"
    assert tarbox("mv", t + "/a/b/f.txt", t + "/a", env=env).returncode == 0
    assert tarbox("ls", t + "/a", env=env).stdout.split() == [b"b", b"f.txt"]
    assert tarbox("ln", "-s", "f.txt", t + "/a/l", env=env).returncode == 0
    assert b"f.txt" in tarbox("ls", "-l", t + "/a", env=env).stdout
    out = tmp_path / "copy"
    assert tarbox("get", t + "/a/f.txt", str(out), env=env).returncode == 0
    assert out.read_bytes() == b"over http\n"
    r = tarbox("rm", t + "/a", env=env)
    assert r.returncode == 1 and b"tarbox: " in r.stderr and b"Traceback" not in r.stderr
    assert tarbox("rm", "-r", t + "/a", env=env).returncode == 0
    assert tarbox("token", "revoke", tenant.name, "cli", dsn=dsn).returncode == 0
    r = tarbox("ls", t + "/", env=env)
    assert r.returncode == 1 and b"unauthorized" in r.stderr and b"revoked" in r.stderr
    r = tarbox("ls", t + "/", env={"TARBOX_URL": server.url, "TARBOX_TOKEN": ""})
    assert r.returncode == 2 and b"needs a bearer token" in r.stderr


def test_serve_refuses_a_superuser_login(dsn):
    r = tarbox("serve", "--dsn", dsn, "--listen", "127.0.0.1:1", dsn=dsn, timeout=60)
    assert r.returncode == 1 and b"refusing to serve as tarbox" in r.stderr
    r = tarbox("serve", "--listen", "nonsense", dsn=dsn)
    assert r.returncode == 2 and b"invalid address" in r.stderr
