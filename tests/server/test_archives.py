"""Tar over HTTP: ``GET /api/v1/layers/{ref}/export`` (a layer or a subtree as a pax tar
stream) and ``POST /api/v1/layers/import`` (a tar upload as a new layer, one transaction, the
hostile-archive protections of tarbox_shell.transfer), on the session's real server and on
servers of their own where a setting or the memory is measured."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
import threading
import time

import httpx
import pytest

from tarbox_shell.errors import TarboxError
from tarbox_shell.transfer import tarstream
from tests.server.support import Server, make_token


def seed(ht) -> None:
    """A small tree with every kind of entry, then a checkpoint 'one' and a change after it."""
    c = ht.tenant.conn
    c.execute("SELECT tarbox.mkdir('/d/sub', 493, true)")
    c.execute("SELECT tarbox.write('/d/a.txt', 'alpha\n')")
    c.execute("SELECT tarbox.write('/d/sub/bin', %s::bytea)", (bytes(range(256)) * 1000,))
    c.execute("SELECT tarbox.ln('/d/a.txt', '/d/hard')")
    c.execute("SELECT tarbox.ln('a.txt', '/d/soft', true)")
    c.execute("SELECT tarbox.mknod('/d/fifo', %s)", (0o10644,))
    assert ht.http.put(ht.api + "/xattrs/d/a.txt", params={"name": "user.k"}, content=b"v").status_code == 200
    assert ht.http.put(ht.api + "/files/top", content=b"top").status_code == 200
    assert ht.http.post(ht.api + "/layers", json={"name": "one"}).status_code == 201
    assert ht.http.put(ht.api + "/files/d/a.txt", content=b"changed after one\n").status_code == 200


class Member:
    """A tar member (``.info``, its attributes reachable directly) and its file data ``.data``."""

    def __init__(self, info: tarfile.TarInfo, data: bytes | None):
        self.info, self.data = info, data

    def __getattr__(self, name):
        return getattr(self.info, name)


def read_tar(data: bytes) -> dict:
    """name -> :class:`Member`."""
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for m in tar:
            out[m.name] = Member(m, tar.extractfile(m).read() if m.isreg() else None)
    return out


def layer_names(ht) -> list[str]:
    return [layer["name"] for layer in ht.http.get(ht.api + "/layers").json()]


def test_export_a_layer_and_a_subtree(ht):
    seed(ht)
    r = ht.http.get(ht.api + "/layers/base/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-tar"
    assert r.headers["content-disposition"] == 'attachment; filename="base-root.tar"'
    m = read_tar(r.content)
    # as of layer base: the content before the change made after checkpoint 'one'
    first, second = sorted(("./d/a.txt", "./d/hard"), key=lambda n: m[n].islnk())
    assert m[first].data == b"alpha\n" and m["./top"].data == b"top"
    assert m[second].islnk() and m[second].linkname == first  # one inode, two names
    assert m["./d/sub/bin"].data == bytes(range(256)) * 1000
    assert m["./d/soft"].issym() and m["./d/soft"].linkname == "a.txt"
    assert m["./d/fifo"].isfifo() and m["./d"].isdir() and m["."].isdir()
    assert m["./d/a.txt"].pax_headers["SCHILY.xattr.user.k"] == "v"
    now = read_tar(ht.http.get(ht.api + "/layers/current/export").content)
    assert b"changed after one\n" in (now["./d/a.txt"].data, now["./d/hard"].data)
    # a subtree as of a layer: names relative to it
    sub = read_tar(ht.http.get(ht.api + "/layers/one/export", params={"path": "/d/sub"}).content)
    assert set(sub) == {".", "./bin"}
    # a relative path is taken from the root, as everywhere
    assert set(read_tar(ht.http.get(ht.api + "/layers/1/export", params={"path": "d/sub"}).content)) == {".", "./bin"}


def test_export_errors_are_json_before_any_byte(ht):
    seed(ht)
    for params, ref, status, err in (({}, "nope", 404, "ENOENT"), ({"path": "/missing"}, "current", 404, "ENOENT"),
                                     ({"path": "/top/x"}, "current", 400, "ENOTDIR")):
        r = ht.http.get(ht.api + f"/layers/{ref}/export", params=params)
        assert r.status_code == status and r.json()["error"] == err, (ref, params, r.text)
    r = httpx.get(ht.api + "/layers/current/export")
    assert r.status_code == 401 and "unauthorized" in r.json()["message"]


def make_tar(members: list[tuple], fmt=tarfile.PAX_FORMAT) -> bytes:
    """A tar archive of (name, kind, payload) members: kind 'f' file (payload bytes), 'd' dir,
    's' symlink (payload target), 'h' hard link (payload target member)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            if kind == "f":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
                continue
            info.type = {"d": tarfile.DIRTYPE, "s": tarfile.SYMTYPE, "h": tarfile.LNKTYPE}[kind]
            if kind == "d":
                info.mode = 0o755
            else:
                info.linkname = payload
            tar.addfile(info)
    return buf.getvalue()


def test_import_round_trip_and_compressed(ht):
    seed(ht)
    exported = ht.http.get(ht.api + "/layers/current/export").content
    r = ht.http.post(ht.api + "/layers/import", params={"name": "copy", "path": "/copy", "description": "restored"},
                     content=exported)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["name"] == "copy" and body["entries"] == len(read_tar(exported))
    assert body["bytes"] == len(b"changed after one\n") + 256000 + 3
    assert layer_names(ht) == ["base", "one", "copy"]
    assert ht.http.get(ht.api + "/files/copy/d/a.txt").content == b"changed after one\n"
    assert ht.http.get(ht.api + "/files/copy/d/sub/bin").content == bytes(range(256)) * 1000
    assert ht.http.get(ht.api + "/readlink/copy/d/soft").json()["target"] == "a.txt"
    st_a, st_h = (ht.http.get(ht.api + f"/stat/copy/d/{n}").json() for n in ("a.txt", "hard"))
    assert st_a["ino"] == st_h["ino"] and st_a["nlink"] == 2
    assert ht.http.get(ht.api + "/xattrs/copy/d/a.txt").json()["xattrs"][0]["name"] == "user.k"
    # the original tree is untouched and the export of the new layer has both
    again = read_tar(ht.http.get(ht.api + "/layers/copy/export").content)
    assert again["./copy/d/sub/bin"].data == again["./d/sub/bin"].data
    # gzip: detected from the stream
    gz = gzip.compress(make_tar([("g", "d", None), ("g/x.txt", "f", b"zipped")]))
    r = ht.http.post(ht.api + "/layers/import", params={"name": "gz"}, content=gz,
                     headers={"Content-Type": "application/gzip"})
    assert r.status_code == 201 and r.json()["entries"] == 2
    assert ht.http.get(ht.api + "/files/g/x.txt").content == b"zipped"
    # a name taken, a historical current layer
    assert ht.http.post(ht.api + "/layers/import", params={"name": "gz"}, content=gz).status_code == 409
    assert ht.http.post(ht.api + "/layers/one/switch").status_code == 200
    r = ht.http.post(ht.api + "/layers/import", params={"name": "fork"}, content=gz)
    assert r.status_code == 409 and r.json()["error"] == "EBUSY"
    assert ht.http.post(ht.api + "/layers/head/switch").status_code == 200


def big_pax_header() -> bytes:
    """A pax extended header claiming 1 GiB, followed by almost nothing."""
    info = tarfile.TarInfo("././@PaxHeader")
    info.type = tarfile.XHDTYPE
    info.size = 1 << 30
    return info.tobuf(tarfile.USTAR_FORMAT) + b"\0" * 4096


HOSTILE = {
    "absolute name": (make_tar([("/etc/passwd", "f", b"x")], tarfile.GNU_FORMAT), 400, "EINVAL"),
    "dot-dot": (make_tar([("a/../../escape", "f", b"x")]), 400, "EINVAL"),
    "hard link outside": (make_tar([("h", "h", "/etc/shadow")]), 400, "EINVAL"),
    "hard link to a later member": (make_tar([("h", "h", "later"), ("later", "f", b"x")]), 400, "EINVAL"),
    "through a symlink": (make_tar([("ln", "s", "/"), ("ln/x", "f", b"x")]), 400, "ENOTDIR"),
    "file over a dir": (make_tar([("top", "f", b"x"), ("top/x", "f", b"y")]), 400, "ENOTDIR"),
    "huge pax header": (big_pax_header(), 400, "EINVAL"),
    "truncated member": (make_tar([("ok", "f", b"fine"), ("big", "f", b"z" * 100000)])[:20000], 400, "EINVAL"),
    "not a tar": (b"this is not an archive at all" * 100, 400, "EINVAL"),
    "empty body": (b"", 400, "EINVAL"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_archives_are_refused_and_change_nothing(ht, case):
    data, status, err = HOSTILE[case]
    assert ht.http.put(ht.api + "/files/keep", content=b"keep").status_code == 200
    before = ht.http.get(ht.api + "/layers/current/export").content
    # a first good member, so that something would have been written before the refusal
    r = ht.http.post(ht.api + "/layers/import", params={"name": "evil"}, content=data)
    assert r.status_code == status, (case, r.status_code, r.text)
    assert r.json()["error"] == err and r.json()["message"]
    assert layer_names(ht) == ["base"]
    assert ht.http.get(ht.api + "/layers/current/export").content == before
    assert ht.tenant.conn.execute("SELECT count(*) FROM tarbox.ls('/')").fetchone()[0] == 1


def test_tokens_read_only_and_other_tenants(ht, server, admin):
    seed(ht)
    ro = make_token(admin, ht.tenant.name, "ro", read_only=True)
    h = {"Authorization": f"Bearer {ro}"}
    assert httpx.get(ht.api + "/layers/one/export", headers=h).status_code == 200
    r = httpx.post(ht.api + "/layers/import", params={"name": "x"}, content=make_tar([("f", "f", b"x")]), headers=h)
    assert r.status_code == 403 and r.json()["error"] == "EROFS"
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        r = httpx.post(ht.api + "/layers/import", params={"name": "x"}, content=make_tar([("f", "f", b"x")]),
                       headers=headers)
        assert r.status_code == 401 and "unauthorized" in r.json()["message"]
        r = httpx.get(ht.api + "/layers/one/export", headers=headers)
        assert r.status_code == 401 and "unauthorized" in r.json()["message"]
    assert layer_names(ht) == ["base", "one"]


def test_other_tenant_sees_only_its_own_tree(ht, server, admin):
    """An export with another tenant's token is that tenant's tree, never this one's."""
    seed(ht)
    name = "t-other-" + os.urandom(4).hex()
    admin.execute("SELECT tarbox.tenant_create(%s)", (name,))
    try:
        token = make_token(admin, name)
        h = {"Authorization": f"Bearer {token}"}
        assert set(read_tar(httpx.get(ht.api + "/layers/current/export", headers=h).content)) == {"."}
        assert httpx.get(ht.api + "/layers/one/export", headers=h).status_code == 404
        r = httpx.post(ht.api + "/layers/import", params={"name": "mine"}, headers=h,
                       content=make_tar([("theirs", "f", b"x")]))
        assert r.status_code == 201
        assert ht.http.get(ht.api + "/files/theirs").status_code == 404
    finally:
        admin.execute("SELECT tarbox.tenant_delete(%s)", (name,))


def test_member_bound_of_an_import(tenant):
    """The bound the server sets (MAX_MEMBERS) stops an import with E2BIG and nothing changed."""
    data = make_tar([(f"f{i}", "f", b"") for i in range(20)])
    with pytest.raises(TarboxError) as info:
        tarstream.import_tar(tenant.conn, io.BytesIO(data), "many", max_members=10)
    assert info.value.errno == 7  # E2BIG
    assert tenant.conn.execute("SELECT count(*) FROM tarbox.layer_list()").fetchone()[0] == 1
    assert tarstream.import_tar(tenant.conn, io.BytesIO(data), "fine", max_members=20)["entries"] == 20


class Pattern(io.RawIOBase):
    """``size`` pseudo-random bytes, generated while read (never held whole)."""

    def __init__(self, size: int):
        self.left = size
        self.h = hashlib.sha256()
        self.block = os.urandom(1 << 20)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self.left, len(self.block))
        b[:n] = self.block[:n]
        self.h.update(self.block[:n])
        self.block = self.block[7:] + self.block[:7]
        self.left -= n
        return n


def test_big_tar_both_ways_in_bounded_memory(dsn, tenant, admin, tmp_path):
    """A 160 MiB file imported from a streamed tar upload and exported as a tar stream: the
    server's peak RSS grows by far less than the archive (streamed in pieces), the data
    arrives intact, and a body over --max-body is 413 with no layer."""
    size = 160 << 20
    s = Server(dsn, ["--max-body", "200MiB"]).start()
    try:
        token = make_token(admin, tenant.name)
        h = {"Authorization": f"Bearer {token}"}
        base_rss = s.rss_peak_kib()
        # a tar stream generated on the fly into the request body
        r_fd, w_fd = os.pipe()
        src = Pattern(size)

        def writer():
            with os.fdopen(w_fd, "wb") as w, tarfile.open(fileobj=w, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                info = tarfile.TarInfo("big.bin")
                info.size = size
                tar.addfile(info, io.BufferedReader(src, 1 << 20))

        t = threading.Thread(target=writer)
        t0 = time.monotonic()
        t.start()
        with os.fdopen(r_fd, "rb") as body:
            def chunks():
                while piece := body.read(1 << 20):
                    yield piece
            r = httpx.post(s.url + "/api/v1/layers/import", params={"name": "big"}, content=chunks(), headers=h,
                           timeout=600)
        t.join()
        assert r.status_code == 201, r.text
        assert r.json()["bytes"] == size
        digest = src.h.hexdigest()
        after_import = s.rss_peak_kib()
        t_import = time.monotonic() - t0
        out = hashlib.sha256()
        t0 = time.monotonic()
        with httpx.stream("GET", s.url + "/api/v1/layers/big/export", headers=h, timeout=600) as resp:
            assert resp.status_code == 200
            r_fd, w_fd = os.pipe()
            got = {}

            def reader():
                with os.fdopen(r_fd, "rb") as rd, tarfile.open(fileobj=rd, mode="r|") as tar:
                    for m in tar:
                        if m.isreg():
                            f = tar.extractfile(m)
                            while piece := f.read(1 << 20):
                                out.update(piece)
                            got[m.name] = m.size

            rt = threading.Thread(target=reader)
            rt.start()
            with os.fdopen(w_fd, "wb") as w:
                for piece in resp.iter_bytes(1 << 20):
                    w.write(piece)
            rt.join()
        t_export = time.monotonic() - t0
        assert got == {"./big.bin": size} and out.hexdigest() == digest
        after_export = s.rss_peak_kib()
        grew_mib = (after_export - base_rss) / 1024
        print(f"\nserver peak RSS {base_rss // 1024} MiB at start, {after_import // 1024} MiB after the "
              f"{size >> 20} MiB tar import, {after_export // 1024} MiB after the export; import {size / t_import / 2**20:.0f} MiB/s, "
              f"export {size / t_export / 2**20:.0f} MiB/s (not asserted)")
        assert grew_mib < 100, f"peak RSS grew by {grew_mib:.0f} MiB for a {size >> 20} MiB archive"
        # over --max-body: 413, and the transaction rolled back (no layer)
        # (chunked: no Content-Length, so the server finds out while it imports)
        header = tarfile.TarInfo("x")
        header.size = 210 << 20

        def too_big():
            yield header.tobuf(tarfile.PAX_FORMAT)
            for _ in range(211):
                yield b"\0" * (1 << 20)

        r = httpx.post(s.url + "/api/v1/layers/import", params={"name": "too-big"}, content=too_big(), headers=h,
                       timeout=600)
        assert r.status_code == 413 and r.json()["error"] == "EFBIG"
        names = [row[0] for row in tenant.conn.execute("SELECT name FROM tarbox.layer_list()")]
        assert names == ["base", "big"]
    finally:
        s.stop()


def test_clients_that_go_away_free_their_connection_and_slot(ht, admin):
    """More aborted exports and imports than there are transfer slots (4): each ends its
    thread and gives back its connection; later transfers work and no transaction is left."""
    data = os.urandom(24 << 20)
    assert ht.http.put(ht.api + "/files/big", content=data).status_code == 200

    class Gone(Exception):
        pass

    for _ in range(6):
        with ht.http.stream("GET", ht.api + "/layers/current/export") as r:
            assert r.status_code == 200
            next(r.iter_bytes(65536))  # read a little, then close the connection

        def partial():
            yield make_tar([("big2", "f", data[:1 << 20])])[:600000]
            raise Gone()

        with pytest.raises((Gone, httpx.HTTPError)):
            ht.http.post(ht.api + "/layers/import", params={"name": "never"}, content=partial())
    assert layer_names(ht) == ["base"]
    r = ht.http.post(ht.api + "/layers/import", params={"name": "later"}, content=make_tar([("x", "f", b"x")]))
    assert r.status_code == 201
    m = read_tar(ht.http.get(ht.api + "/layers/later/export").content)
    assert m["./big"].data == data and m["./x"].data == b"x"
    role = ht.tenant.role
    assert admin.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = 'tarbox_gateway'").fetchone()[0] > 0
    deadline = time.monotonic() + 60
    left = None
    while time.monotonic() < deadline:
        # (as the superuser: a tenant does not see the state of other roles' sessions)
        left = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = 'tarbox_gateway' AND state LIKE 'idle in%%' "
            "AND now() - state_change > interval '2 seconds'").fetchone()[0]
        if left == 0:
            break
        time.sleep(0.2)
    assert left == 0, f"{left} gateway transactions left open ({role})"
