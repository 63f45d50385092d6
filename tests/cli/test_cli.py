"""The CLI: commands work end to end; every error is one stderr line with the
right exit status (2 usage, 1 failure), never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tarbox_shell.cli import cli


@pytest.fixture
def run(dsn, monkeypatch):
    """run(*args, input=None) -> click Result, against the test database."""
    monkeypatch.setenv("TARBOX_DSN", dsn)
    runner = CliRunner()

    def _run(*args, input=None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return _run


def sub(*args, env_extra=None, input=None):
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "tarbox_shell", *args], env=env, input=input,
                          capture_output=True, timeout=120)


def one_error_line(stderr: str | bytes) -> str:
    text = stderr.decode() if isinstance(stderr, bytes) else stderr
    assert text.startswith("tarbox: "), text
    assert text.count("\n") == 1 and text.endswith("\n"), text
    assert "Traceback" not in text
    return text


def test_unknown_tenant(run):
    r = run("ls", "no-such-tenant:/")
    assert r.exit_code == 1
    assert one_error_line(r.stderr) == "tarbox: unknown tenant no-such-tenant\n"
    assert r.stdout == ""


def test_missing_path(run, tenant):
    r = run("cat", tenant.tpath("/nope/file.txt"))
    assert r.exit_code == 1
    line = one_error_line(r.stderr)
    assert "/nope" in line


def test_usage_errors_exit_2(run):
    for args in (["ls"], ["ls", "not-a-tenant-path"], ["bogus"], ["mkdir", "-m", "9z", "x:/a"]):
        r = run(*args)
        assert r.exit_code == 2, (args, r.output)
        one_error_line(r.stderr)


def test_subprocess_exit_codes(dsn, tenant):
    env = {"TARBOX_DSN": dsn}
    r = sub("ls", "no-such-tenant:/", env_extra=env)
    assert r.returncode == 1
    one_error_line(r.stderr)
    r = sub("stat", tenant.tpath("/missing"), env_extra=env)
    assert r.returncode == 1
    one_error_line(r.stderr)
    r = sub("ls", "bad path", env_extra=env)
    assert r.returncode == 2
    one_error_line(r.stderr)
    r = sub("ls", tenant.tpath("/"), env_extra=env)
    assert r.returncode == 0, r.stderr


def test_dead_database_dsn():
    r = sub("ls", "demo:/", env_extra={"TARBOX_DSN": "host=/nonexistent/tarbox dbname=tarbox user=tarbox"})
    assert r.returncode == 1
    line = one_error_line(r.stderr)
    assert "cannot connect" in line
    r = sub("--dsn", "host=/nonexistent/tarbox dbname=tarbox", "tenant", "list")
    assert r.returncode == 1
    one_error_line(r.stderr)


def test_dead_embedded_cluster(tmp_path):
    env = {"TARBOX_HOME": str(tmp_path / "never-started"), "TARBOX_DSN": ""}
    r = sub("tenant", "list", env_extra=env)
    assert r.returncode == 1
    line = one_error_line(r.stderr)
    assert "tarbox db start" in line
    r = sub("db", "status", env_extra=env)
    assert r.returncode == 3


def test_file_commands_roundtrip(run, tenant, tmp_path):
    t = tenant.tpath
    assert run("mkdir", "-p", t("/a/b/c")).exit_code == 0
    assert run("mkdir", "-m", "700", t("/priv")).exit_code == 0
    payload = os.urandom(3 * (1 << 20) + 12345)  # several 1 MiB chunks
    src = tmp_path / "payload.bin"
    src.write_bytes(payload)
    r = run("put", str(src), t("/a/b/c/data.bin"))
    assert r.exit_code == 0, r.stderr
    r = run("put", str(src), t("/a"))  # into a directory: keeps the base name
    assert r.exit_code == 0, r.stderr
    r = run("put", "-", t("/stdin.txt"), input=b"from stdin\n")
    assert r.exit_code == 0, r.stderr

    r = run("cat", t("/a/b/c/data.bin"))
    assert r.exit_code == 0 and r.stdout_bytes == payload
    r = run("cat", t("/stdin.txt"))
    assert r.stdout_bytes == b"from stdin\n"

    out = tmp_path / "out.bin"
    r = run("get", t("/a/payload.bin"), str(out))
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes() == payload

    r = run("ls", "--json", t("/a"))
    entries = {e["name"]: e for e in json.loads(r.stdout)}
    assert set(entries) == {"b", "payload.bin"}
    assert entries["b"]["type"] == "dir" and entries["payload.bin"]["size"] == len(payload)
    r = run("ls", "-l", t("/"))
    assert r.exit_code == 0 and "priv" in r.stdout and "drwx------" in r.stdout

    r = run("stat", "--json", t("/a/b/c/data.bin"))
    st = json.loads(r.stdout)
    assert st["type"] == "file" and st["size"] == len(payload) and st["nlink"] == 1

    assert run("ln", "-s", "b/c/data.bin", t("/a/link")).exit_code == 0
    assert run("ln", t("/a/b/c/data.bin"), t("/a/hard")).exit_code == 0
    st = json.loads(run("stat", "--json", t("/a/link")).stdout)
    assert st["type"] == "symlink" and st["target"] == "b/c/data.bin"
    st = json.loads(run("stat", "--json", "-L", t("/a/link")).stdout)
    assert st["type"] == "file" and st["nlink"] == 2
    assert "link -> b/c/data.bin" in run("ls", "-l", t("/a")).stdout

    assert run("mv", t("/stdin.txt"), t("/a/moved.txt")).exit_code == 0
    assert run("cat", t("/a/moved.txt")).stdout_bytes == b"from stdin\n"
    r = run("mv", t("/a/moved.txt"), "other-tenant:/x")
    assert r.exit_code == 1
    one_error_line(r.stderr)

    r = run("rm", t("/a"))
    assert r.exit_code == 1
    one_error_line(r.stderr)
    assert run("rm", "-r", t("/a")).exit_code == 0
    assert run("rm", "-f", t("/a")).exit_code == 0
    r = run("ls", t("/"))
    assert r.stdout.split() == ["priv"]


def test_tenant_commands(run, admin):
    name = "cli-t-" + os.urandom(4).hex()
    r = run("tenant", "create", name, "--password", "s3cret")
    assert r.exit_code == 0, r.stderr
    try:
        r = run("tenant", "create", name)
        assert r.exit_code == 1
        one_error_line(r.stderr)
        info = json.loads(run("tenant", "info", name, "--json").stdout)
        assert info["name"] == name and info["role_name"].startswith("tarbox_tenant_")
        listed = json.loads(run("tenant", "list", "--json").stdout)
        assert name in {t["name"] for t in listed}
        assert name in run("tenant", "list").stdout
        r = run("tenant", "rename", name, name + "-x")
        assert r.exit_code == 0, r.stderr
        name = name + "-x"
        assert run("tenant", "info", name).exit_code == 0
        r = run("tenant", "create", "Bad Name")
        assert r.exit_code == 1
        one_error_line(r.stderr)
    finally:
        r = run("tenant", "delete", name)
        assert r.exit_code == 0, r.stderr
    r = run("tenant", "info", name)
    assert r.exit_code == 1
    assert one_error_line(r.stderr) == f"tarbox: unknown tenant {name}\n"


def test_init_is_idempotent_via_cli(run):
    r = run("init")
    assert r.exit_code == 0, r.stderr
    assert "applied" not in r.stdout
    assert "schema version" in r.stdout


def test_psql_passthrough(dsn, tenant):
    r = sub("db", "psql", "--tenant", tenant.name, "-At", "-c", "SELECT current_user",
            env_extra={"TARBOX_DSN": dsn})
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == tenant.role


def test_quota_text_limits_usage_and_gc_commands(run, tenant, admin):
    r = run("tenant", "quota", tenant.name, "--bytes", "10G", "--inodes", "1M", "--layers", "500")
    assert r.exit_code == 0, r.output
    assert "bytes 10,737,418,240, inodes 1,000,000, layers 500" in r.output
    assert admin.execute("SELECT quota_bytes, quota_inodes, quota_layers FROM tarbox.tenant WHERE name = %s",
                         (tenant.name,)).fetchone() == (10 * 2**30, 10**6, 500)
    r = run("tenant", "quota", tenant.name, "--bytes", "ten")
    assert r.exit_code == 1 and "invalid byte quota" in r.output
    r = run("tenant", "quota", tenant.name, "--bytes", "none", "--inodes", "0")
    assert "bytes none, inodes none, layers 500" in r.output
    r = run("tenant", "text-limits", tenant.name, "--bytes", "1M", "--lines", "5000")
    assert "up to 1,048,576 bytes and 5,000 lines" in r.output
    tenant.conn.execute("SELECT tarbox.write('/a.txt', 'hello\nworld\n')")
    r = run("tenant", "info", tenant.name, "--json")
    info = json.loads(r.output)
    assert info["logical_bytes"] == 12 and info["text_files"] == 1 and info["quota_layers"] == 500
    admin.execute("INSERT INTO tarbox.block (tenant_id, hash, data) SELECT tenant_id, sha256('junk'), 'junk' "
                  "FROM tarbox.tenant WHERE name = %s", (tenant.name,))
    admin.execute("UPDATE tarbox.usage_delta SET bytes = bytes + 4 WHERE stripe = (SELECT min(stripe) FROM "
                  "tarbox.usage_delta d JOIN tarbox.tenant t USING (tenant_id) WHERE t.name = %s) AND tenant_id = "
                  "(SELECT tenant_id FROM tarbox.tenant WHERE name = %s)", (tenant.name, tenant.name))
    r = run("gc", tenant.name)
    assert r.exit_code == 0 and f"{tenant.name}: freed 1 blocks (4 bytes)" in r.output


def test_byte_paths_that_are_not_utf8(dsn, tenant, tmp_path):
    """Paths are bytes (issue 16, item 12): a name that is not UTF-8 on the command line used to
    end in "internal error: UnicodeEncodeError"; now every file command takes it."""
    env = {"TARBOX_DSN": dsn}
    name = os.fsencode(tenant.name)
    host = tmp_path / "h"
    host.write_bytes(b"payload")
    r = sub(b"mkdir", name + b":/d\xff", env_extra=env)
    assert r.returncode == 0, r.stderr
    r = sub(b"put", bytes(host), name + b":/d\xff/f\xfe", env_extra=env)
    assert r.returncode == 0, r.stderr
    r = sub(b"cat", name + b":/d\xff/f\xfe", env_extra=env)
    assert r.returncode == 0 and r.stdout == b"payload", r.stderr
    r = sub(b"stat", name + b":/d\xff/f\xfe", env_extra=env)
    assert r.returncode == 0 and b"\\xff/f\\xfe" in r.stdout, r.stdout + r.stderr
    r = sub(b"ls", name + b":/d\xff", env_extra=env)
    assert r.returncode == 0 and r.stdout == b"f\\xfe\n", r.stdout + r.stderr
    r = sub(b"mv", name + b":/d\xff/f\xfe", name + b":/g\xfd", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert bytes(tenant.conn.execute("SELECT tarbox.read('\\x2f67fd'::bytea)").fetchone()[0]) == b"payload"
    r = sub(b"cat", name + b":/missing\xff", env_extra=env)
    assert r.returncode == 1 and b"missing\\xff" in r.stderr and b"internal error" not in r.stderr
    one_error_line(r.stderr)
    r = sub(b"rm", b"-r", name + b":/d\xff", name + b":/g\xfd", env_extra=env)
    assert r.returncode == 0, r.stderr
