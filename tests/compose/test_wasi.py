"""The WASI client does not serve compositions (issue 15) and says so: in direct mode and over
a real ``tarbox serve``, a guest path at or below a composition's mount point is EREMOTE for
reads and changes, whether the consumer's tree holds a directory there or nothing, a preopen
of a directory in a composition is EREMOTE, nothing lands in the consumer's own tree where the
mount would hide it, and the rest of the tree works as before."""

from __future__ import annotations

import errno

import pytest

from tarbox_shell import db
from tarbox_shell.wasi import DirectBackend, OpenFlags, WasiClient, WasiError
from tarbox_shell.wasi.types import ClientConfig
from tests.compose.support import check
from tests.fuse.support import run_tarbox
from tests.server.conftest import server  # noqa: F401  (the HTTP tests' tarbox serve fixture)
from tests.server.support import make_token


def _setup(tenants, dsn):
    a, b = tenants("wpub"), tenants("wuse")
    for q in ("SELECT tarbox.mkdir('/pkg')", "SELECT tarbox.write('/pkg/README', 'hello')",
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


def _eremote(fn, *args, **kw):
    with pytest.raises(WasiError) as exc:
        fn(*args, **kw)
    assert exc.value.errno == errno.EREMOTE, exc.value
    return exc.value


@pytest.mark.parametrize("mode", ["direct", "http"])
def test_wasi_answers_eremote_in_compositions(tenants, dsn, admin, server, mode):  # noqa: F811
    a, b = _setup(tenants, dsn)
    inodes = b.conn.execute("SELECT count(*) FROM tarbox.inode").fetchone()[0]
    c = _client(b, mode, server, admin)
    try:
        c.preopen("/", "/")
        assert c.fd_read(c.fd_open("/own.txt"), 10) == b"mine", "the consumer's own files are served"
        _eremote(c.path_filestat_get, "/mnt/ro")
        _eremote(c.path_filestat_get, "/mnt/ro/pkg/README")
        _eremote(c.fd_open, "/mnt/cow/pkg/README")
        _eremote(c.fd_open, "/mnt/cow/new.txt", OpenFlags.WRITE | OpenFlags.CREATE)
        _eremote(c.fd_open, "/img", OpenFlags.WRITE | OpenFlags.CREATE)
        _eremote(c.path_create_directory, "/img")
        _eremote(c.path_create_directory, "/mnt/cow/d")
        _eremote(c.path_rename, "/own.txt", "/mnt/cow/own.txt")
        _eremote(c.path_unlink_file, "/mnt/cow/pkg/README")
        _eremote(c.path_symlink, "x", "/mnt/ro/l")
        mnt = c.fd_open("/mnt", OpenFlags.DIRECTORY)
        _eremote(c.path_filestat_get, "ro/pkg", dirfd=mnt)
        _eremote(c.preopen, "/data", "/mnt/ro/pkg")
        _eremote(c.preopen, "/data", "/img")
        c.flush()
    finally:
        c.close()
    assert b.conn.execute("SELECT count(*) FROM tarbox.inode").fetchone()[0] == inodes, \
        "nothing was created in the consumer's tree"
    assert b.conn.execute("SELECT tarbox.read_text('/mnt/cow/pkg/README')").fetchone()[0] == "hello", \
        "the copy-on-write composition is unchanged"
    assert b.conn.execute("SELECT count(*) FROM tarbox.ls('/mnt/cow')").fetchone()[0] == 1
