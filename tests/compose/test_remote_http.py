"""The HTTP API of a real ``tarbox serve`` reads compositions as the mount shows them (issue 15):
tenant A publishes a small tree; B composes it read-only at /mnt/ro and copy-on-write at
/mnt/cow and changes /mnt/cow through the path API (a copy-up, a whiteout). Over HTTP,
``/stat``, ``/dir``, ``/files`` (GET with Range and If-Match), ``/readlink``, ``/xattrs`` and
``/canonical`` give what the path API gives there (which tests/compose/test_path_api.py compares
with the mount): names, types, sizes and the mount's inode numbers, the same bytes. Changes in
the read-only composition are 403 EROFS; in the copy-on-write one they change B's copy, as
B's mount does, and the publisher's file stays as it was."""

from __future__ import annotations

import base64
import random

import httpx
import pytest

from tests.compose.support import check
from tests.fuse.support import run_tarbox
from tests.server.conftest import server  # noqa: F401  (the HTTP tests' tarbox serve fixture)
from tests.server.support import HttpTenant, make_token
from tests.server.test_large_files import MIB, rust_download, rust_upload, sha




def _setup(tenants, dsn, admin, server):
    a, b = tenants("rhpub"), tenants("rhuse")
    for q in ("SELECT tarbox.mkdir('/pkg/sub', 493, true)",
              "SELECT tarbox.write('/pkg/README', 'hello')",
              "SELECT tarbox.write('/pkg/sub/mod.py', 'x = 1\n')",
              "SELECT tarbox.write('/pkg/sub/old.py', 'old\n')",
              "SELECT tarbox.setxattr('/pkg/README', 'user.origin', 'alice'::bytea)",
              "SELECT tarbox.ln('sub/mod.py', '/pkg/rel', true)",
              "SELECT tarbox.layer_new('v1')"):
        a.conn.execute(q)
    name = f"remotehttp-{a.name[-6:]}"
    check(run_tarbox("--dsn", dsn, "publish", a.name, "1", name, "--to", b.name))
    check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/mnt/ro", f"published:{name}"))
    check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/mnt/cow", f"published:{name}", "--mode", "cow"))
    b.conn.execute("SELECT count(*) FROM tarbox.compose_prepare()")
    b.conn.execute("SELECT tarbox.write('/mnt/cow/pkg/README', 'changed by B')")
    b.conn.execute("SELECT tarbox.rm('/mnt/cow/pkg/sub/old.py')")
    token = make_token(admin, b.name, "compose")
    http = httpx.Client(base_url=server.url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return a, b, http


def _walk(b, http, top: str) -> int:
    """Compare every path below ``top`` over HTTP with the path API; returns how many."""
    n = 0
    todo = [top]
    while todo:
        path = todo.pop()
        ino, typ, size = b.conn.execute("SELECT ino, type, size FROM tarbox.stat(%s::text, false)", (path,)).fetchone()
        r = http.get("/stat" + path, params={"follow": "false"})
        assert r.status_code == 200, (path, r.text)
        e = r.json()
        assert (e["ino"], e["type"], e["size"]) == (ino, typ, size), path
        n += 1
        if typ == "dir":
            rows = b.conn.execute("SELECT name, ino, type, size FROM tarbox.ls(%s::text)", (path,)).fetchall()
            page = http.get("/dir" + path).json()
            got = [(x["name"], x["ino"], x["type"], x["size"]) for x in page["entries"]]
            assert got == sorted(rows, key=lambda row: row[0].encode()), path
            todo.extend(f"{path}/{row[0]}" for row in rows)
        elif typ == "symlink":
            want = b.conn.execute("SELECT tarbox.readlink(%s::text)", (path,)).fetchone()[0]
            r = http.get("/readlink" + path)
            assert r.status_code == 200 and want in r.text, (path, r.text)
        elif typ == "file":
            want = bytes(b.conn.execute("SELECT tarbox.read(%s::text)", (path,)).fetchone()[0])
            r = http.get("/files" + path)
            assert r.status_code == 200 and r.content == want, path
            assert r.headers["etag"] == f'"{e["etag"]}"', path
            want_x = sorted(x for (x,) in b.conn.execute("SELECT * FROM tarbox.listxattr(%s::text)", (path,)))
            r = http.get("/xattrs" + path)
            assert r.status_code == 200, (path, r.text)
            got_x = {x["name"]: base64.b64decode(x["value_base64"]) for x in r.json()["xattrs"]}
            assert sorted(got_x) == want_x, (path, r.text)
            for x in want_x:
                want_v = bytes(b.conn.execute("SELECT tarbox.getxattr(%s::text, %s)", (path, x)).fetchone()[0])
                assert got_x[x] == want_v, (path, x)
    return n


def test_http_reads_compositions_as_the_path_api(tenants, dsn, admin, server):
    a, b, http = _setup(tenants, dsn, admin, server)
    try:
        assert _walk(b, http, "/mnt/ro") == 7
        assert _walk(b, http, "/mnt/cow") == 6  # old.py is whited out
        base_ro = 2**56 | 0 << 40  # slot = compose_id - 1: /mnt/ro was added first (id 1)
        assert http.get("/stat/mnt/ro").json()["ino"] == base_ro | 1
        assert http.get("/files/mnt/ro/pkg/README").content == b"hello"
        assert http.get("/files/mnt/cow/pkg/README").content == b"changed by B"
        r = http.get("/files/mnt/ro/pkg/README", headers={"Range": "bytes=1-3"})
        assert r.status_code == 206 and r.content == b"ell"
        tag = r.headers["etag"]
        assert http.get("/files/mnt/ro/pkg/README", headers={"If-None-Match": tag}).status_code == 304
        assert http.get("/files/mnt/ro/pkg/rel").content == b"x = 1\n"
        r = http.get("/canonical/mnt/ro/pkg/./sub/../rel")
        assert r.status_code == 200 and "/mnt/ro/pkg/sub/mod.py" in r.text, r.text
        r = http.get("/stat/mnt/ro/pkg/nope")
        assert r.status_code == 404 and r.json()["error"] == "ENOENT"
        # changes: EROFS in the read-only composition
        for r in (http.put("/files/mnt/ro/pkg/README", content=b"x"),
                  http.put("/files/mnt/ro/pkg/new.txt", content=b"x"),
                  http.post("/dir/mnt/ro/pkg/d"),
                  http.delete("/files/mnt/ro/pkg/README"),
                  http.post("/move/mnt/ro/pkg/README", params={"to": "/README"}),
                  http.post("/attrs/mnt/ro/pkg/README", json={"mode": 0o600}),
                  http.put("/xattrs/mnt/ro/pkg/README", params={"name": "user.x"}, content=b"y")):
            assert (r.status_code, r.json()["error"]) == (403, "EROFS"), r.text
        # an existing directory there: EEXIST before EROFS (as mkdir(2)), fine with parents=true
        r = http.post("/dir/mnt/ro/pkg")
        assert (r.status_code, r.json()["error"]) == (409, "EEXIST"), r.text
        r = http.post("/dir/mnt/ro/pkg", params={"parents": "true"})
        assert r.status_code == 201 and r.json()["ino"] == http.get("/stat/mnt/ro/pkg").json()["ino"], r.text
        r = http.post("/dir/mnt/ro/pkg/sub/new", params={"parents": "true"})
        assert (r.status_code, r.json()["error"]) == (403, "EROFS"), r.text
        # the copy-on-write one changes B's copy, as B's mount does
        r = http.put("/files/mnt/cow/pkg/README", content=b"x")
        assert r.status_code in (200, 201), r.text
        assert http.get("/files/mnt/cow/pkg/README").content == b"x"
        r = http.post("/dir/mnt/cow/pkg/newdir")
        assert r.status_code == 201 and r.json()["type"] == "dir", r.text
        r = http.delete("/files/mnt/cow/pkg/newdir")
        assert r.status_code in (200, 204), r.text
        assert http.get("/stat/mnt/cow/pkg/newdir").status_code == 404
        # and nothing changed
        assert http.get("/files/mnt/ro/pkg/README").content == b"hello"
        assert bytes(a.conn.execute("SELECT tarbox.read('/pkg/README')").fetchone()[0]) == b"hello"
    finally:
        http.close()


def test_large_file_transfers_in_compositions(tenants, dsn, admin, server):
    """The large-file routes as the Rust client drives them (download-url, upload-session):
    a download URL of a file in a composition reads what the mount shows; an upload session
    into the read-only composition is refused at its start (403 EROFS); one of 20 MiB (two
    chunks) into the copy-on-write one lands in B's copy, byte for byte, and A has no such
    file."""
    a, b, http = _setup(tenants, dsn, admin, server)
    ht = HttpTenant(b, "", server.url, httpx.Client(headers=dict(http.headers), timeout=120))
    anon = httpx.Client(timeout=120)
    try:
        assert rust_download(ht, "/mnt/ro/pkg/README", anon) == b"hello"
        data = random.Random(15).randbytes(20 * MIB + 7)
        r = ht.http.post(ht.api + "/fs/upload-session/start", json={
            "path": "/mnt/ro/pkg/big.bin", "sizeBytes": len(data), "contentType": None,
            "contentSha256": sha(data)})
        assert (r.status_code, r.json()["error"]) == (403, "EROFS"), r.text
        rust_upload(ht, "/mnt/cow/pkg/big.bin", data, anon)
        assert rust_download(ht, "/mnt/cow/pkg/big.bin", anon) == data
        got = b.conn.execute("SELECT tarbox.read('/mnt/cow/pkg/big.bin', 0, %s) || tarbox.read('/mnt/cow/pkg/big.bin', %s)",
                             (16 * MIB, 16 * MIB)).fetchone()[0]
        assert bytes(got) == data, "the path API reads the same bytes" 
        assert a.conn.execute("SELECT count(*) FROM tarbox.ls('/pkg') WHERE name = 'big.bin'").fetchone()[0] == 0
        assert http.get("/stat/mnt/ro/pkg/big.bin").status_code == 404
    finally:
        anon.close()
        ht.http.close()
        http.close()
