"""Every `tarbox wasi run` is visible in the tenant's audit log as one run: CPython for WASI
(a real program) runs a script stored in the tenant, in direct mode and in HTTP mode, and the
log then holds a ``wasi_run`` start record (module, SHA-256, argv), the records of what the
program did (paths, operations, bytes), its failed call with its errno, and a ``wasi_run`` end
record with the exit status, every one of them carrying the run's id as ``details.run``.

Also: one small file read costs one SQL call in direct mode (open, fstat and read in one
statement), counted, not timed."""

from __future__ import annotations

import dataclasses
import hashlib
import re

import psycopg
import pytest
import wasmtime

from tarbox_shell.wasi import ClientConfig, OpenFlags
from tarbox_shell.wasi.run import Program, RunFailure, run

from tests.wasi.conftest import run_cli, run_inproc

SCRIPT = r'''
import os, sys
os.makedirs("/work/out", exist_ok=True)
with open("/work/out/a.txt", "wb") as f:
    f.write(b"x" * 5000)
with open("/work/out/a.txt", "rb") as f:
    assert f.read() == b"x" * 5000
try:
    open("/work/missing.txt", "rb")
except FileNotFoundError:
    print("missing")
try:
    os.rename("/work/nothing", "/work/out/c.txt")
except FileNotFoundError:
    print("no source")
os.rename("/work/out/a.txt", "/work/out/b.txt")
sys.exit(3)
'''

RUN_ID = re.compile(r"tarbox: run ([0-9a-f-]{36}) ")


def records(tenant, run: str) -> list[dict]:
    """The tenant's audit records of run ``run`` (details.run), oldest first, as dicts."""
    cur = tenant.conn.execute(
        "SELECT op, ok, errno, path, path2, bytes, role, details FROM tarbox.audit "
        "WHERE details ->> 'run' = %s ORDER BY at_ns, seq", (run,))
    cols = [c.name for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def test_a_run_is_one_run_in_the_audit_log(work, admin, python_wasm, via):
    """At level full: start, the program's opens, write, read, failed open and rename (ENOENT),
    rename, end with status 3, all labelled with the run id the CLI prints; nothing else carries it."""
    admin.execute("SELECT tarbox.audit_set_level(%s, 'full')", (work.name,))
    work.conn.execute("SELECT tarbox.write('/work/job.py', %s::text)", (SCRIPT,))
    r = run_cli(work, python_wasm, ["/work/job.py"], extra=["--stats"], remote=via)
    assert r.status == 3, r.stderr
    assert r.stdout == "missing\nno source\n"
    run = RUN_ID.search(r.stderr).group(1)
    recs = records(work, run)
    assert recs[0]["op"] == "wasi_run" and recs[-1]["op"] == "wasi_run", [x["op"] for x in recs]
    start, end = recs[0]["details"]["reported"], recs[-1]["details"]["reported"]
    with open(python_wasm, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert start["event"] == "start" and start["module"] == "python-3.12.0.wasm"
    assert start["sha256"] == digest
    assert start["argv"] == ["python-3.12.0.wasm", "/work/job.py"]
    assert start["preopens"] == [["/work", "/work"]]
    assert start["mode"] == ("http" if via else "direct")
    assert recs[0]["path"] == "/work"
    assert end["event"] == "end" and end["status"] == 3 and end["calls"] > 0
    body = recs[1:-1]
    assert not any(x["op"] == "wasi_run" for x in body)

    def one(op, path, ok=True):
        found = [x for x in body if x["op"] == op and x["path"] == path and x["ok"] is ok]
        assert found, (op, path, ok, [(x["op"], x["path"], x["ok"]) for x in body])
        return found

    assert one("read", "/work/job.py")[0]["bytes"] == len(SCRIPT.encode())
    one("mkdir", "/work/out")
    created = one("open", "/work/out/a.txt")
    assert created[0]["details"]["oflags"] & 1  # the create (oflags creat)
    assert sum(x["bytes"] for x in one("write", "/work/out/a.txt")) == 5000
    assert sum(x["bytes"] for x in one("read", "/work/out/a.txt")) == 5000
    failed = one("open", "/work/missing.txt", ok=False)
    assert [x["errno"] for x in failed] == ["ENOENT"]
    assert [x["errno"] for x in one("rename", "/work/nothing", ok=False)] == ["ENOENT"]
    renamed = one("rename", "/work/out/a.txt")
    assert renamed[0]["path2"] == "/work/out/b.txt"
    # who made the calls: the shell's login role (the HTTP server's own in HTTP mode), never
    # the tenant's role, so a tenant cannot pass its own records off as a run's
    roles = {x["role"] for x in recs}
    assert len(roles) == 1 and not roles.pop().startswith("tarbox_tenant_")
    # nothing outside the run carries its id, and the whole run is between its two records
    total = work.conn.execute("SELECT count(*) FROM tarbox.audit WHERE details ->> 'run' = %s",
                              (run,)).fetchone()[0]
    assert total == len(recs)


def test_runs_are_told_apart_at_the_default_level(work, python_wasm, tmp_path, engine, via):
    """At the default level (standard) two runs have their own ids, start and end records,
    and their changes (the write) under their own id; reads are not recorded there."""
    work.conn.execute("SELECT tarbox.write('/work/job.py', %s::text)", (SCRIPT,))
    first, _ = run_inproc(work, python_wasm, ["/work/job.py"], [("/work", "/work")], tmp_path, engine,
                          remote=via)
    work.conn.execute("SELECT tarbox.rm('/work/out', true)")
    second, _ = run_inproc(work, python_wasm, ["/work/job.py"], [("/work", "/work")], tmp_path, engine,
                           remote=via)
    assert first.status == second.status == 3
    assert first.run != second.run
    for outcome in (first, second):
        recs = records(work, outcome.run)
        ops = [x["op"] for x in recs]
        assert ops[0] == ops[-1] == "wasi_run"
        assert recs[-1]["details"]["reported"]["status"] == 3
        assert recs[-1]["details"]["reported"]["calls"] == outcome.calls
        assert [x["bytes"] for x in recs if x["op"] == "write"] == [5000]
        assert "read" not in ops


def test_a_trap_ends_the_run_in_the_log(work, tmp_path, engine, via):
    """A run the host ends (a trap) still gets its end record, with status 134 and the
    message."""
    wat = """(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start") unreachable))"""
    path = tmp_path / "trap.wasm"
    path.write_bytes(wasmtime.wat2wasm(wat))
    config = (via.config(work, [("/work", "/work")]) if via else
              ClientConfig(tenant=work.name, dsn=work.dsn, preopens=[("/work", "/work")]))
    config = dataclasses.replace(config, run="trap-run-1")
    with pytest.raises(RunFailure) as info:
        run(Program(module=str(path)), config, engine=engine)
    assert info.value.status == 134
    recs = records(work, "trap-run-1")
    assert [x["op"] for x in recs] == ["wasi_run", "wasi_run"]
    end = recs[-1]["details"]["reported"]
    assert end["status"] == 134 and "trap" in end["error"] and end["module"] == "trap.wasm"


def test_only_a_shell_labels_records_with_a_run(work):
    """The run label is kept only from a shell session (as the caller's uid/gid/pid): a
    shell's record made with tarbox.audit_run set carries it, a malformed label is dropped,
    and a tenant's own login (SET SESSION AUTHORIZATION to its role) gets no label and
    cannot note a run."""
    def details(path):
        return work.conn.execute("SELECT details FROM tarbox.audit WHERE path = %s", (path,)).fetchone()[0] or {}

    for label, path in (("shell-run", "/work/labelled"), ("bad label!", "/work/unlabelled")):
        work.conn.execute("SELECT set_config('tarbox.audit_run', %s, false)", (label,))
        work.conn.execute("SELECT tarbox.mkdir(%s)", (path,))
    work.conn.execute("SELECT set_config('tarbox.audit_run', '', false)")
    assert details("/work/labelled").get("run") == "shell-run"
    assert "run" not in details("/work/unlabelled")
    with psycopg.connect(work.dsn, autocommit=True) as own:
        own.execute(f'SET SESSION AUTHORIZATION "{work.role}"')
        own.execute("SELECT set_config('tarbox.audit_run', 'forged-run', false)")
        own.execute("SELECT tarbox.mkdir('/work/own')")
        with pytest.raises(psycopg.Error) as info:
            own.execute("SELECT tarbox.audit_note('wasi_run', NULL, '{}'::jsonb)")
        assert info.value.sqlstate == "TX001"
    assert "run" not in details("/work/own")
    assert records(work, "forged-run") == []


def test_a_small_file_read_is_one_sql_call_in_direct_mode(client):
    """Written: open (its fstat answered from the open), write, close: 3 SQL calls. Read back:
    open + fstat + read + the read at the end of file: one SQL call (the open reads the file's
    first 64 KiB in the same statement)."""
    b = client.backend
    before = b.calls
    fd = client.fd_open("/f", OpenFlags.WRITE | OpenFlags.CREATE | OpenFlags.TRUNCATE)
    assert client.fd_filestat_get(fd).size == 0
    client.fd_write(fd, b"y" * 4096)
    client.fd_close(fd)
    assert b.calls - before == 3, "open (with fstat), write, close"
    before = b.calls
    fd = client.fd_open("/f", OpenFlags.READ)
    assert client.fd_filestat_get(fd).size == 4096
    assert client.fd_read(fd, 4097) == b"y" * 4096
    assert client.fd_read(fd, 4097) == b""
    client.fd_close(fd)
    assert b.calls - before == 1
