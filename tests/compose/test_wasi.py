"""The WASI client serves compositions as the mount shows them (issue 15): in direct mode and
over a real ``tarbox serve``, a guest path at or below a composition's mount point reads the
published layer (with the numbers the mount shows), a read-only composition answers EROFS to
every change, a copy-on-write one changes the consumer's copy (never the publisher's rows) and
answers EXDEV across its boundary, and a directory in a composition can be preopened. A real
program (CPython for WASI) then works in a copy-on-write composition as in any directory."""

from __future__ import annotations

import errno
import json

import pytest

from tarbox_shell import db
from tarbox_shell.wasi import DirectBackend, OpenFlags, WasiClient, WasiError
from tarbox_shell.wasi.types import ClientConfig
from tests.compose.support import check
from tests.fuse.support import run_tarbox
from tests.server.conftest import server  # noqa: F401  (the HTTP tests' tarbox serve fixture)
from tests.server.support import make_token
from tests.wasi.conftest import Remote, python_wasm, run_cli, wasm_cache  # noqa: F401  (fixtures)


def _setup(tenants, dsn):
    a, b = tenants("wpub"), tenants("wuse")
    for q in ("SELECT tarbox.mkdir('/pkg')", "SELECT tarbox.write('/pkg/README', 'hello')",
              "SELECT tarbox.mkdir('/pkg/lib')", "SELECT tarbox.write('/pkg/lib/x.py', 'x = 1\n')",
              "SELECT tarbox.layer_new('v1')"):
        a.conn.execute(q)
    name = f"wasicompose-{a.name[-6:]}"
    check(run_tarbox("--dsn", dsn, "publish", a.name, "1", name, "--to", b.name))
    check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/mnt/ro", f"published:{name}"))
    check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/mnt/cow", f"published:{name}", "--mode", "cow"))
    b.conn.execute("SELECT count(*) FROM tarbox.compose_prepare()")
    # added after compose_prepare: the consumer's tree holds nothing at this mount point
    check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/img", f"published:{name}"))
    b.conn.execute("SELECT tarbox.write('/own.txt', 'mine')")
    return a, b


def _client(b, mode, server, admin):
    if mode == "direct":
        return WasiClient(DirectBackend(db.tenant_connection(b.name, b.dsn)))
    token = make_token(admin, b.name, "wasi-compose")
    return WasiClient.connect(ClientConfig(tenant=b.name, mode="http", url=server.url, token=token))


def _fails(code, fn, *args, **kw):
    with pytest.raises(WasiError) as exc:
        fn(*args, **kw)
    assert exc.value.errno == code, exc.value


def _text(t, path):
    return t.conn.execute("SELECT tarbox.read_text(%s)", (path,)).fetchone()[0]


def _read_all(c, path, **kw):
    fd = c.fd_open(path, **kw)
    try:
        return c.fd_read(fd, 1 << 20)
    finally:
        c.fd_close(fd)


@pytest.mark.parametrize("mode", ["direct", "http"])
def test_wasi_serves_compositions(tenants, dsn, admin, server, mode):  # noqa: F811
    a, b = _setup(tenants, dsn)
    c = _client(b, mode, server, admin)
    try:
        c.preopen("/", "/")
        # reads: what the mount shows, with its numbers
        assert _read_all(c, "/own.txt") == b"mine", "the consumer's own files are served"
        assert _read_all(c, "/mnt/ro/pkg/README") == b"hello"
        shown = b.conn.execute("SELECT ino FROM tarbox.stat('/mnt/ro/pkg/README')").fetchone()[0]
        assert shown >= 1 << 56 and c.path_filestat_get("/mnt/ro/pkg/README").ino == shown
        d = c.fd_open("/mnt/ro/pkg", OpenFlags.DIRECTORY)
        assert sorted(e.name for e in c.fd_readdir(d)) == [b".", b"..", b"README", b"lib"]
        c.fd_close(d)
        d = c.fd_open("/mnt", OpenFlags.DIRECTORY)
        listed = {e.name: e.ino for e in c.fd_readdir(d)}
        c.fd_close(d)
        assert listed[b"ro"] == c.path_filestat_get("/mnt/ro").ino == (
            b.conn.execute("SELECT ino FROM tarbox.stat('/mnt/ro')").fetchone()[0]), \
            "a mount point is listed with the composition root's number, as stat and the mount show it"
        assert listed[b"cow"] == c.path_filestat_get("/mnt/cow").ino != listed[b"ro"]
        assert _read_all(c, "/img/pkg/lib/x.py") == b"x = 1\n", \
            "a mount point the consumer's tree does not hold"
        # a read-only composition: EROFS
        _fails(errno.EROFS, c.fd_open, "/mnt/ro/new.txt", OpenFlags.WRITE | OpenFlags.CREATE)
        _fails(errno.EROFS, c.fd_open, "/mnt/ro/pkg/README", OpenFlags.WRITE)
        _fails(errno.EROFS, c.path_create_directory, "/mnt/ro/d")
        _fails(errno.EROFS, c.path_unlink_file, "/mnt/ro/pkg/README")
        _fails(errno.EBUSY, c.path_remove_directory, "/mnt/ro")
        # a copy-on-write composition: the consumer's copy
        fd = c.fd_open("/mnt/cow/new.txt", OpenFlags.WRITE | OpenFlags.CREATE)
        c.fd_write(fd, b"made here")
        c.fd_close(fd)
        fd = c.fd_open("/mnt/cow/pkg/README", OpenFlags.WRITE | OpenFlags.TRUNCATE)
        c.fd_write(fd, b"changed")
        c.fd_close(fd)
        c.path_create_directory("/mnt/cow/pkg/new-dir")
        c.path_unlink_file("/mnt/cow/pkg/lib/x.py")
        c.path_rename("/mnt/cow/new.txt", "/mnt/cow/pkg/new-dir/moved.txt")
        _fails(errno.EXDEV, c.path_rename, "/own.txt", "/mnt/cow/own.txt")
        assert _read_all(c, "/mnt/cow/pkg/new-dir/moved.txt") == b"made here"
        assert _read_all(c, "/mnt/cow/pkg/README") == b"changed"
        _fails(errno.ENOENT, c.path_filestat_get, "/mnt/cow/pkg/lib/x.py")
        # a directory in a composition as a preopen
        data = c.preopen("/data", "/mnt/ro/pkg")
        assert _read_all(c, "README", dirfd=data) == b"hello"
        _fails(errno.EPERM, c.path_filestat_get, "../own.txt", dirfd=data)
        c.flush()
    finally:
        c.close()
    assert _text(b, "/mnt/cow/pkg/README") == "changed"
    assert _text(b, "/mnt/cow/pkg/new-dir/moved.txt") == "made here"
    assert _text(b, "/mnt/ro/pkg/README") == "hello", "the read-only composition is unchanged"
    assert _text(a, "/pkg/README") == "hello", "the publisher's file is unchanged"
    assert sorted(r[0] for r in a.conn.execute("SELECT name FROM tarbox.ls('/pkg/lib')")) == ["x.py"]
    assert sorted(r[0] for r in b.conn.execute("SELECT name FROM tarbox.ls('/mnt/cow/pkg')")) == \
        ["README", "lib", "new-dir"]


PROGRAM = r"""
import json, os
root = "/w"
with open(f"{root}/pkg/README") as f:
    before = f.read()
with open(f"{root}/pkg/README", "a") as f:
    f.write(" and more")
os.makedirs(f"{root}/out/deep", exist_ok=True)
with open(f"{root}/out/deep/result.txt", "w") as f:
    f.write("from wasi\n")
os.remove(f"{root}/pkg/lib/x.py")
os.rename(f"{root}/out/deep/result.txt", f"{root}/out/result.txt")
walk = sorted((d[len(root):] or "/", sorted(ds), sorted(fs)) for d, ds, fs in os.walk(root))
print(json.dumps({"before": before, "walk": walk, "size": os.stat(f"{root}/pkg/README").st_size}))
"""


@pytest.mark.parametrize("mode", ["direct", "http"])
def test_a_real_program_in_a_cow_composition(tenants, dsn, admin, server, python_wasm, mode):  # noqa: F811
    """CPython for WASI with a copy-on-write composition preopened as /w: it reads the
    publication, appends to a publisher's file, makes, renames and removes; the results are
    the consumer's rows, read through SQL; the publisher is unchanged."""
    a, b = _setup(tenants, dsn)
    b.conn.execute("SELECT tarbox.mkdir('/work')")
    b.conn.execute("SELECT tarbox.write('/work/prog.py', %s::text)", (PROGRAM,))
    remote = None if mode == "direct" else Remote(server.url, make_token(admin, b.name, "wasi-prog"))
    r = run_cli(b, python_wasm, ["/work/prog.py"], dirs=["/work=/work", "/w=/mnt/cow"], remote=remote)
    assert r.status == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["before"] == "hello"
    assert out["size"] == len("hello and more")
    assert out["walk"] == [["/", ["out", "pkg"], []], ["/out", ["deep"], ["result.txt"]], ["/out/deep", [], []],
                           ["/pkg", ["lib"], ["README"]], ["/pkg/lib", [], []]]
    assert _text(b, "/mnt/cow/pkg/README") == "hello and more"
    assert _text(b, "/mnt/cow/out/result.txt") == "from wasi\n"
    assert _text(b, "/mnt/ro/pkg/README") == "hello"
    assert _text(a, "/pkg/README") == "hello", "the publisher's file is unchanged"
    assert b.conn.execute("SELECT count(*) FROM tarbox.ls('/mnt/cow/pkg/lib')").fetchone()[0] == 0
