"""What ends a run, and how: a missing module, a file that is not WebAssembly, a component, a
module that is not a WASI command, a trap, an out-of-memory guest and a database that is gone
each end with one line on stderr and an exit status (never a traceback); what the guest wrote
before stays written, and nothing is half-applied. The tests taking ``via`` run in direct mode
and in HTTP mode (test_http_mode.py has the HTTP mode's own dead server and database)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import psycopg
import wasmtime

from tarbox_shell.db import cluster
from tests.wasi.conftest import REPO, run_cli
from tests.wasi.watgen import ALL_RIGHTS_ARG, Iov, Out, Str, wat

WRITE_THEN_TRAP = wat([
    ("create", "path_open", [3, 0, Str(b"partial.txt"), 1, ALL_RIGHTS_ARG, ALL_RIGHTS_ARG, 0, Out("f")]),
    ("write", "fd_write", [3 + 1, Iov(b"written before the trap"), Out("n")]),
]).replace('(func (export "_start")', '(func (export "_start") (call $body) unreachable)\n  (func $body')


def module_file(tmp_path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def test_missing_module(work):
    r = run_cli(work, "/nonexistent/prog.wasm")
    assert (r.status, r.stderr) == (1, "tarbox: /nonexistent/prog.wasm: no such module file\n")


def test_not_webassembly(work, tmp_path):
    r = run_cli(work, module_file(tmp_path, "x.wasm", "#!/bin/sh\necho hi\n"))
    assert r.status == 1 and "is not a WebAssembly module" in r.stderr


def test_a_component_is_not_a_preview1_module(work, tmp_path):
    r = run_cli(work, module_file(tmp_path, "c.wasm", b"\0asm\x0d\x00\x01\x00"))
    assert r.status == 1 and "component (WASI preview 2)" in r.stderr


def test_invalid_module(work, tmp_path):
    r = run_cli(work, module_file(tmp_path, "bad.wasm", b"\0asm\x01\x00\x00\x00\xff\xff"))
    assert r.status == 1 and "is not a valid WebAssembly module" in r.stderr


def test_a_module_that_is_not_wasi(work, tmp_path):
    src = '(module (import "env" "host_call" (func (param i32))) (func (export "_start")))'
    r = run_cli(work, module_file(tmp_path, "env.wat", src))
    assert r.status == 1
    assert "not a WASI preview 1 program: it imports env::host_call" in r.stderr


def test_a_library_without_start(work, tmp_path):
    r = run_cli(work, module_file(tmp_path, "lib.wat", '(module (func (export "add")))'))
    assert r.status == 1 and "exports no _start" in r.stderr


def test_a_trap_ends_the_run_and_keeps_what_was_written(work, tmp_path, via):
    r = run_cli(work, module_file(tmp_path, "trap.wat", WRITE_THEN_TRAP), remote=via)
    assert r.status == 134, r.stderr
    assert "trapped: wasm trap: wasm `unreachable` instruction executed" in r.stderr
    assert r.stderr.count("\n") == 1
    assert work.conn.execute("SELECT tarbox.read_text('/work/partial.txt')").fetchone()[0] == \
        "written before the trap"


def test_out_of_memory_is_said(work, tmp_path, via):
    grow = """(module (memory (export "memory") 1)
      (func (export "_start")
        (block $full (loop $more
          (br_if $full (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
          (br $more)))
        unreachable))"""
    r = run_cli(work, module_file(tmp_path, "grow.wat", grow), extra=["--max-memory", "32M"], remote=via)
    assert r.status == 134
    assert "out of memory: its linear memory reached" in r.stderr and "32 MiB limit" in r.stderr


def test_python_out_of_memory_is_its_own_memoryerror(work, python_wasm, via):
    r = run_cli(work, python_wasm, ["-c", "x = bytearray(200 * 2**20)"], extra=["--max-memory", "96M"],
                guest_traceback=True, remote=via)
    assert r.status == 1 and "MemoryError" in r.stderr


def test_database_unreachable_before_the_start(work, python_wasm, tmp_path):
    r = run_cli(work, python_wasm, ["-c", "print(1)"],
                dsn=f"host={tmp_path} dbname=nothing user=nobody connect_timeout=2")
    assert r.status == 1 and r.stderr.startswith("tarbox: cannot connect to the database")


def test_database_gone_during_the_run(own_cluster, python_wasm):
    """The server stops while the guest waits on stdin; its next filesystem call ends the
    run with one line and status 1. What it wrote before is in the database afterwards."""
    home, target = own_cluster
    name = f"t-{uuid.uuid4().hex[:10]}"
    with psycopg.connect(target, autocommit=True) as admin:
        role = admin.execute("SELECT role_name FROM tarbox.tenant_create(%s)", (name,)).fetchone()[0]
        admin.execute(f'SET ROLE "{role}"')
        admin.execute("SELECT tarbox.mkdir('/work')")
    script = ("import sys; open('/work/before.txt', 'w').write('kept'); print('ready', flush=True); "
              "sys.stdin.readline(); open('/work/after.txt', 'w').write('lost')")
    proc = subprocess.Popen([sys.executable, "-m", "tarbox_shell", "wasi", "run", name, python_wasm,
                             "--dsn", target, "--dir", "/work=/work", "--", "-c", script],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=REPO)
    try:
        assert proc.stdout.readline() == "ready\n"
        cluster.stop(home)
        out, err = proc.communicate("go\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert "Traceback" not in err and err.count("\n") == 1
    assert "stopped: the database connection was lost" in err
    cluster.start(home)
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg.connect(target, autocommit=True)
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with conn:
        conn.execute(f'SET ROLE "{role}"')
        assert conn.execute("SELECT tarbox.read_text('/work/before.txt')").fetchone()[0] == "kept"
        assert conn.execute("SELECT count(*) FROM tarbox.ls('/work')").fetchone()[0] == 1
        assert conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == []


def test_usage_errors(work, python_wasm):
    r = run_cli(work, python_wasm, [], dirs=["work"])
    assert r.status == 2 and "GUEST=TENANT_PATH" in r.stderr
    r = run_cli(work, python_wasm, [], dirs=["/w=/missing"])
    assert r.status == 1 and "/missing" in r.stderr
    r = run_cli(work, python_wasm, [], extra=["--max-memory", "lots"])
    assert r.status == 2 and "size" in r.stderr


def test_env_args_and_exit_status(work, python_wasm, via):
    r = run_cli(work, python_wasm,
                ["-c", "import os, sys; print(sys.argv[1:], os.environ['GREETING']); sys.exit(7)", "a b", "c"],
                extra=["--env", "GREETING=hello=world"], remote=via)
    assert r.status == 7 and r.stdout == "['a b', 'c'] hello=world\n"


assert wasmtime  # the WAT above is compiled by the CLI (modules.read_module)
