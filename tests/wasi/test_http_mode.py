"""HTTP mode (``tarbox wasi run --url URL --token T``) against a real ``tarbox serve``: the same
CPython script leaves the same tree as in direct mode (compared through SQL), the WAT probe and
the containment attacks get what wasmtime answers for its own preopen, a small file written
costs at most 3 HTTP requests (counted by the server), and a dead server or database ends the
run with one line."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tarbox_shell import db
from tests.conftest import unique_tenant_name
from tests.server.support import Server, make_token
from tests.wasi.conftest import REPO, Remote, run_cli, run_inproc, run_module_inproc, run_native
from tests.wasi.test_host import ATTACKS, LINKS, PROBE, SLASHES, _attack_steps, _compare, run_both
from tests.wasi.test_python import EXPECTED_SUMMARY, SCRIPTS, check_job_tree, put
from tests.wasi.watgen import build

import os


def tree(conn, path: str = "/") -> list[tuple]:
    """Every entry below ``path`` through SQL: (path, type, mode, size, content digest or
    link target), sorted."""
    out = []
    for name, kind, mode, size in conn.execute(
            "SELECT name, type, mode, size FROM tarbox.ls(%s)", (path,)).fetchall():
        full = path.rstrip("/") + "/" + name
        if kind == "file":
            what = conn.execute("SELECT encode(sha256(tarbox.read(%s)), 'hex')", (full,)).fetchone()[0]
        elif kind == "symlink":
            what = bytes(conn.execute("SELECT tarbox.readlink(%s)", (full,)).fetchone()[0]).decode()
        else:
            what = None
        out.append((full, kind, mode, size if kind != "dir" else None, what))
        if kind == "dir":
            out += tree(conn, full)
    return sorted(out)


@pytest.fixture
def other(dsn, admin):
    """A second throw-away tenant (fsck checked, then deleted), with a /work directory."""
    name = unique_tenant_name()
    admin.execute("SELECT tarbox.tenant_create(%s)", (name,))
    conn = db.tenant_connection(name, dsn)
    conn.execute("SELECT tarbox.mkdir('/work')")

    class T:
        pass

    t = T()
    t.name, t.conn, t.dsn = name, conn, dsn
    try:
        yield t
    finally:
        problems = conn.execute("SELECT * FROM tarbox.fsck()").fetchall()
        conn.close()
        admin.execute("SELECT tarbox.tenant_delete(%s)", (name,))
        assert problems == []


def test_cpython_job_over_http_leaves_the_same_tree_as_direct_mode(work, other, remote, python_wasm):
    """job.py (directories, writes, appends, seeks, renames, listing, stats, deletes, JSON)
    run over HTTP prints the same summary and leaves, read through SQL, the same tree as the
    same script run in direct mode in another tenant."""
    script = (SCRIPTS / "job.py").read_text()
    put(work, "/work/job.py", script)
    put(other, "/work/job.py", script)
    r = run_cli(work, python_wasm, ["/work/job.py"], remote=remote, extra=["--stats"])
    assert r.status == 0, r.stderr
    assert json.loads(r.stdout) == EXPECTED_SUMMARY
    assert "HTTP requests" in r.stderr
    check_job_tree(work)
    d = run_cli(other, python_wasm, ["/work/job.py"])
    assert d.status == 0, d.stderr
    assert d.stdout == r.stdout
    assert tree(work.conn) == tree(other.conn)
    assert len(tree(work.conn)) == 9


def test_wat_probe_over_http_answers_as_wasmtime_does(tenant, remote, tmp_path, engine):
    """The preview 1 probe of test_host (every call's errno and result: descriptors, rights,
    sizes, holes, appends, readdir byte counts, links, renames) gets over HTTP what wasmtime
    answers for its own preopened directory, as in direct mode."""
    host = run_both(PROBE, tenant, tmp_path, engine, remote=remote)
    # the same bytes, but for fd_allocate (a DEVIATION: real in Tarbox, ENOTSUP in wasmtime)
    data, theirs = bytes(tenant.conn.execute("SELECT tarbox.read('/d/f.txt')").fetchone()[0]), (host / "f.txt").read_bytes()
    assert (data[:len(theirs)], data[len(theirs):], len(data)) == (theirs, bytes(100 - len(theirs)), 100)


def test_trailing_slashes_over_http_answer_as_wasmtime_does(tenant, remote, tmp_path, engine):
    """The trailing-slash probe of test_host over HTTP: what wasmtime answers, and the same
    tree afterwards."""
    run_both(SLASHES, tenant, tmp_path, engine, remote=remote)


def test_posix_probe_over_http_prints_what_wasmtime_prints(tenant, remote, python_wasm, tmp_path, engine):
    """CPython's POSIX probe (escapes, links, seeks past the end, appends, a file read after
    its unlink...) prints over HTTP the lines it prints under wasmtime's own preopen."""
    probe = (SCRIPTS / "probe.py").read_text()
    host = tmp_path / "native"
    (host / "d").mkdir(parents=True)
    (host / "outside.txt").write_text("secret")
    (host / "d" / "probe.py").write_text(probe)
    native = run_native(python_wasm, [("/d", str(host / "d"))], ["/d/probe.py"], tmp_path, engine)
    assert native.status == 0, native.stderr
    tenant.conn.execute("SELECT tarbox.mkdir('/d')")
    put(tenant, "/outside.txt", "secret")
    put(tenant, "/d/probe.py", probe)
    _, ours = run_inproc(tenant, python_wasm, ["/d/probe.py"], [("/d", "/d")], tmp_path, engine, remote=remote)
    assert ours.status == 0, ours.stderr
    diffs = [(a, b) for a, b in zip(native.stdout.splitlines(), ours.stdout.splitlines()) if a != b]
    assert diffs == [] and len(ours.stdout.splitlines()) == len(native.stdout.splitlines())
    assert "dotdot ERR EPERM" in ours.stdout and "fstat-after-unlink OK" in ours.stdout
    assert tenant.conn.execute("SELECT tarbox.read_text('/outside.txt')").fetchone()[0] == "secret"


def test_containment_attacks_over_http_are_refused_as_wasmtime_refuses_them(tenant, remote, tmp_path, engine):
    """The containment attack module of test_host ('..', absolute paths, links out, chained
    and transient links, renames and links across the boundary), over HTTP: every attempt
    gets wasmtime's answer (EPERM, WASI errno 63) and nothing outside the preopen changes."""
    wasm = build(_attack_steps())
    root = tmp_path / "native"
    (root / "jail" / "sub").mkdir(parents=True)
    (root / "outside.txt").write_text("secret")
    tenant.conn.execute("SELECT tarbox.mkdir('/jail/sub', 493, true)")
    tenant.conn.execute("SELECT tarbox.write('/outside.txt', 'secret')")
    for name, target in LINKS:
        os.symlink(target, root / "jail" / name)
        tenant.conn.execute("SELECT tarbox.ln(%s, %s, true)", (target, f"/jail/{name}"))
    native = run_native(wasm, [("/jail", str(root / "jail"))], [], tmp_path, engine)
    ours = run_module_inproc(tenant, wasm, [("/jail", "/jail")], tmp_path, engine, remote=remote)
    assert native.status == ours.status == 0, ours.stderr
    assert _compare(native.stdout, ours.stdout) == []
    answers = dict(ln.split(" ", 1) for ln in ours.stdout.splitlines())
    tried = [f"{verb}-{a[0]}" for a in ATTACKS for verb in ("open", "creat", "stat")]
    assert {label: answers[label].split()[0] for label in tried} == {label: "63" for label in tried}
    assert sorted(r[0] for r in tenant.conn.execute("SELECT name FROM tarbox.ls('/')")) == ["jail", "outside.txt"]
    assert tenant.conn.execute("SELECT tarbox.read_text('/outside.txt')").fetchone()[0] == "secret"


COUNT_SCRIPT = r"""
import os, sys
phase, n = sys.argv[1], int(sys.argv[2])
small = (b"tarbox wasi bench " * 300)[:4096]
if phase == "write":
    os.makedirs("/t/small", exist_ok=True)
    for i in range(n):
        with open(f"/t/small/f{i:04d}.txt", "wb") as f:
            f.write(small)
elif phase == "read":
    for i in range(n):
        with open(f"/t/small/f{i:04d}.txt", "rb") as f:
            assert f.read() == small
"""


def server_requests(url: str) -> dict[tuple[str, str], float]:
    """The server's request counters: {(method, route): count} (status ignored)."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families
    out: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(httpx.get(url + "/metrics", timeout=30).text):
        if family.name == "tarbox_http_requests":
            for s in family.samples:
                # (the lease renewals of a long run are not filesystem calls)
                if s.name == "tarbox_http_requests_total" and not s.labels["route"].startswith("/sessions"):
                    key = (s.labels["method"], s.labels["route"])
                    out[key] = out.get(key, 0) + s.value
    return out


def _delta(before: dict, after: dict) -> dict:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0)}


def test_a_small_file_costs_at_most_three_requests(tenant, remote, wasi_server, python_wasm, tmp_path, engine):
    """CPython writing small files over HTTP: the server counts, per file, one open and one
    close (the write is held until the close and sent with it, which also stores the file as
    text, as a FUSE release does; fstat after the open is answered from it); reading
    one back is one open (which brings the file's first 64 KiB along). The client's own count
    agrees with the server's."""
    put(tenant, "/count.py", COUNT_SCRIPT)
    tenant.conn.execute("SELECT tarbox.mkdir('/small')")  # so that makedirs does the same in every run
    n = 40
    runs = {}
    for phase, files in (("write", 0), ("write", n), ("read", 0), ("read", n)):
        before = server_requests(wasi_server.url)
        outcome, r = run_inproc(tenant, python_wasm, ["/t/count.py", phase, str(files)], [("/t", "/")],
                                tmp_path, engine, remote=remote)
        assert r.status == 0, r.stderr
        runs[phase, files] = (_delta(before, server_requests(wasi_server.url)), outcome.calls)
    for phase in ("write", "read"):
        (base, base_calls), (full, full_calls) = runs[phase, 0], runs[phase, n]
        assert sum(full.values()) - sum(base.values()) == full_calls - base_calls, (base, full)
        per_file = {k: (v - base.get(k, 0)) / n for k, v in full.items() if v != base.get(k, 0)}
        if phase == "write":
            assert per_file == {("POST", "/inodes/{dir}/open"): 1.0, ("POST", "/inodes/{ino}/close"): 1.0}, per_file
        else:
            assert per_file == {("POST", "/inodes/{dir}/open"): 1.0}, per_file
        assert sum(per_file.values()) <= 3
    assert tenant.conn.execute("SELECT count(*), sum(size) FROM tarbox.ls('/small')").fetchone() == (n, n * 4096)


def test_server_unreachable_or_token_refused_before_the_start(work, remote, admin, python_wasm):
    from tests.server.support import free_port
    r = run_cli(work, python_wasm, ["-c", "print(1)"], remote=Remote(f"http://127.0.0.1:{free_port()}", "t"))
    assert r.status == 1 and r.stderr.startswith("tarbox: cannot reach the Tarbox server"), r.stderr
    assert r.stderr.count("\n") == 1
    r = run_cli(work, python_wasm, ["-c", "print(1)"], remote=Remote(remote.url, "tbx_1_" + "0" * 64))
    assert r.status == 1 and "refused the token" in r.stderr, r.stderr
    name = unique_tenant_name()
    admin.execute("SELECT tarbox.tenant_create(%s)", (name,))
    try:
        r = run_cli(work, python_wasm, ["-c", "print(1)"], remote=Remote(remote.url, make_token(admin, name)))
        assert r.status == 1 and f"acts as tenant '{name}', not '{work.name}'" in r.stderr, r.stderr
    finally:
        admin.execute("SELECT tarbox.tenant_delete(%s)", (name,))
    r = run_cli(work, python_wasm, ["-c", "print(1)"], remote=Remote(remote.url, ""))
    assert r.status == 2 and "needs a bearer token" in r.stderr
    r = run_cli(work, python_wasm, ["-c", "print(1)"], extra=["--url", remote.url, "--token", remote.token])
    assert r.status == 2 and "--dsn is for direct mode" in r.stderr


def test_the_url_and_token_of_tarbox_and_of_the_environment(work, remote, python_wasm):
    """`tarbox --url U --token T wasi run` and $TARBOX_URL/$TARBOX_TOKEN select HTTP mode as
    they do for the file commands; an explicit --dsn still means direct mode."""
    script = "open('/work/via.txt', 'w').write('http')"
    base = [sys.executable, "-m", "tarbox_shell"]
    tail = ["wasi", "run", work.name, python_wasm, "--dir", "/work=/work", "--stats", "--", "-c", script]
    r = subprocess.run(base + ["--url", remote.url, "--token", remote.token] + tail, capture_output=True,
                       text=True, cwd=REPO, timeout=300)
    assert r.returncode == 0 and "HTTP requests" in r.stderr, r.stderr
    env = dict(os.environ, TARBOX_URL=remote.url, TARBOX_TOKEN=remote.token)
    r = subprocess.run(base + tail, capture_output=True, text=True, cwd=REPO, timeout=300, env=env)
    assert r.returncode == 0 and "HTTP requests" in r.stderr, r.stderr
    r = subprocess.run(base + tail[:4] + ["--dsn", work.dsn] + tail[4:], capture_output=True, text=True,
                       cwd=REPO, timeout=300, env=env)
    assert r.returncode == 0 and "(SQL)" in r.stderr, r.stderr
    assert work.conn.execute("SELECT tarbox.read_text('/work/via.txt')").fetchone()[0] == "http"


WAIT_SCRIPT = ("import sys; open('/work/before.txt', 'w').write('kept'); print('ready', flush=True); "
               "sys.stdin.readline(); open('/work/after.txt', 'w').write('lost')")


def _run_waiting(name: str, module: str, url: str, token: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tarbox_shell", "wasi", "run", name, module,
                             "--url", url, "--token", token, "--dir", "/work=/work", "--", "-c", WAIT_SCRIPT],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=REPO)


def _finish(proc: subprocess.Popen) -> str:
    try:
        _out, err = proc.communicate("go\n", timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return err


def test_server_gone_during_the_run(work, dsn, admin, python_wasm):
    """The server stops while the guest waits on stdin; the guest's next filesystem call ends
    the run with one line and status 1; what it wrote (and closed) before stays written."""
    server = Server(dsn).start()
    try:
        proc = _run_waiting(work.name, python_wasm, server.url, make_token(admin, work.name))
        assert proc.stdout.readline() == "ready\n", proc.stderr.read()
    finally:
        server.stop()
    err = _finish(proc)
    assert proc.returncode == 1, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert "stopped: lost the Tarbox server: cannot reach" in err
    assert work.conn.execute("SELECT tarbox.read_text('/work/before.txt')").fetchone()[0] == "kept"
    assert [n for (n,) in work.conn.execute("SELECT name FROM tarbox.ls('/work')")] == ["before.txt"]


def test_database_gone_during_the_run(own_cluster, python_wasm):
    """The database stops while the server keeps running: the server answers 503 and the run
    ends with one line and status 1; what the guest wrote before is there once the database
    is back."""
    from tarbox_shell.db import cluster
    import psycopg
    import time
    home, target = own_cluster
    name = f"t-{uuid.uuid4().hex[:10]}"
    with psycopg.connect(target, autocommit=True) as admin:
        role = admin.execute("SELECT role_name FROM tarbox.tenant_create(%s)", (name,)).fetchone()[0]
        token = make_token(admin, name)
        admin.execute(f'SET ROLE "{role}"')
        admin.execute("SELECT tarbox.mkdir('/work')")
    server = Server(target, extra=["--db-timeout", "2"]).start()
    try:
        proc = _run_waiting(name, python_wasm, server.url, token)
        assert proc.stdout.readline() == "ready\n", proc.stderr.read()
        cluster.stop(home)
        err = _finish(proc)
    finally:
        server.stop()
    assert proc.returncode == 1, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert "the database is unavailable" in err and "(the Tarbox server answered 503)" in err, err
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


def test_a_trap_over_http_keeps_what_was_written(work, remote, tmp_path):
    """A guest that writes (the write is held by the client) and then traps: the run ends
    with status 134 and the write is in the tenant, as on a disk."""
    from tests.wasi.test_errors import WRITE_THEN_TRAP, module_file
    r = run_cli(work, module_file(tmp_path, "trap.wat", WRITE_THEN_TRAP), remote=remote)
    assert r.status == 134 and r.stderr.count("\n") == 1, r.stderr
    assert work.conn.execute("SELECT tarbox.read_text('/work/partial.txt')").fetchone()[0] == \
        "written before the trap"


def test_checkpoint_over_http_freezes_the_held_writes_too(work, remote, tmp_path):
    """A guest that writes and exits without closing the file (the client still holds the
    write): --checkpoint freezes a layer that has the write in it."""
    from tests.wasi.test_errors import module_file
    from tests.wasi.watgen import ALL_RIGHTS_ARG, Iov, Out, Str, wat
    src = wat([
        ("create", "path_open", [3, 0, Str(b"unclosed.txt"), 1, ALL_RIGHTS_ARG, ALL_RIGHTS_ARG, 0, Out("f")]),
        ("write", "fd_write", [4, Iov(b"held until the run ends"), Out("n")]),
    ])
    r = run_cli(work, module_file(tmp_path, "w.wat", src), remote=remote, extra=["--checkpoint", "after"])
    assert r.status == 0 and "checkpoint after" in r.stderr, r.stderr
    frozen = work.conn.execute("SELECT layer_id FROM tarbox.layer_list() WHERE NOT is_current "
                               "ORDER BY layer_id DESC LIMIT 1").fetchone()[0]
    assert work.conn.execute("SELECT tarbox.read_text('/work/unclosed.txt', %s)", (str(frozen),)).fetchone()[0] == \
        "held until the run ends"
