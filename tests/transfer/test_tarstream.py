"""Tar export of any layer and tar import as a new layer (tarbox_shell.tarstream), on a real
third-party archive (the Django sdist) and on a small tree with every file type."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from tarbox_shell.transfer import tarstream
from tests.conftest import django_sdist_path

REPO = Path(__file__).resolve().parents[2]
def members(tar: tarfile.TarFile) -> dict:
    """name -> (type, mode, uid, gid, size, mtime, linkname, sha256) for every member."""
    out = {}
    for m in tar:
        name = m.name.rstrip("/")
        while name.startswith("./"):
            name = name[2:]
        digest = hashlib.sha256(tar.extractfile(m).read()).hexdigest() if m.isreg() else None
        out[name] = (m.type if m.type != tarfile.AREGTYPE else tarfile.REGTYPE, m.mode, m.uid, m.gid,
                     m.size if m.isreg() else 0, int(m.mtime), m.linkname, digest)
    return out


def test_real_sdist_round_trip(tenant):
    """Import the Django sdist as a layer, export that layer: every member comes back equal."""
    with open(django_sdist_path(), "rb") as fh:
        counts = tarstream.import_tar(tenant.conn, fh, "django")
    with tarfile.open(django_sdist_path()) as tar:
        original = members(tar)
    assert counts["entries"] == len(original)
    out = io.BytesIO()
    tarstream.export_tar(tenant.conn, out, layer="django")
    out.seek(0)
    with tarfile.open(fileobj=out) as tar:
        exported = members(tar)
    exported.pop("", None)  # the root directory itself ('.')
    # The sdist lists no directory entries; Tarbox creates them (mode 0755), so compare files.
    files = {k: v for k, v in original.items() if v[0] != tarfile.DIRTYPE}
    assert {k: v for k, v in exported.items() if k in files} == files
    assert set(exported) >= set(original)


def test_every_type_and_layer_choice(tenant, tmp_path):
    """Export of an older layer shows that layer's tree; import keeps types, links, xattrs."""
    c = tenant.conn
    c.execute("SELECT tarbox.mkdir('/d')")
    c.execute("SELECT tarbox.write('/d/a.txt', 'v1')")
    c.execute("SELECT tarbox.layer_new('one')")
    c.execute("SELECT tarbox.write('/d/a.txt', 'v2 longer')")
    c.execute("SELECT tarbox.ln('/d/a.txt', '/d/hard')")
    c.execute("SELECT tarbox.ln('a.txt', '/d/soft', true)")
    c.execute("SELECT tarbox.mknod('/d/fifo', %s)", (0o10644,))
    c.execute("SELECT tarbox.mknod('/d/null', %s, %s)", (0o20666, os.makedev(1, 3)))
    c.execute("SELECT tarbox.setxattr('/d/a.txt', 'user.k', 'val')")
    c.execute("SELECT tarbox.touch('/d/a.txt', 1, 1234567890123456789)")
    c.execute("SELECT tarbox.write(%s, 'odd')", ("/d/caf\u00e9",))

    old = io.BytesIO()
    tarstream.export_tar(c, old, layer="base")
    old.seek(0)
    with tarfile.open(fileobj=old) as tar:
        assert sorted(m.name for m in tar) == [".", "./d", "./d/a.txt"]
    old.seek(0)
    with tarfile.open(fileobj=old) as tar:
        assert tar.extractfile("./d/a.txt").read() == b"v1"

    new = io.BytesIO()
    tarstream.export_tar(c, new)
    new.seek(0)
    c.execute("SELECT tarbox.layer_new('two')")
    c.execute("SELECT tarbox.rm('/d', true)")
    tarstream.import_tar(c, new, "restored")
    assert bytes(c.execute("SELECT tarbox.read('/d/a.txt')").fetchone()[0]) == b"v2 longer"
    st = c.execute("SELECT ino, nlink, mtime_ns FROM tarbox.stat('/d/a.txt')").fetchone()
    assert st[1] == 2 and st[2] == 1234567890123456789
    assert c.execute("SELECT ino FROM tarbox.stat('/d/hard')").fetchone()[0] == st[0]
    assert c.execute("SELECT tarbox.readlink('/d/soft')").fetchone()[0] == "a.txt"
    assert c.execute("SELECT type FROM tarbox.stat('/d/fifo')").fetchone()[0] == "fifo"
    assert c.execute("SELECT type, rdev FROM tarbox.stat('/d/null')").fetchone() == ("chardev", os.makedev(1, 3))
    assert bytes(c.execute("SELECT tarbox.getxattr('/d/a.txt', 'user.k')").fetchone()[0]) == b"val"
    assert bytes(c.execute("SELECT tarbox.read(%s)", ("/d/caf\u00e9",)).fetchone()[0]) == b"odd"


def test_import_refuses_escaping_members(tenant):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("../evil")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    buf.seek(0)
    with pytest.raises(tarstream.TarboxError) as exc:
        tarstream.import_tar(tenant.conn, buf, "bad")
    assert exc.value.errno == 22


def _archive(*members_: tuple[str, bytes | None, str | None], truncate: int | None = None) -> io.BytesIO:
    """A tar stream of (name, data, hard link target) members; cut after ``truncate`` bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, link in members_:
            info = tarfile.TarInfo(name)
            if link is not None:
                info.type, info.linkname = tarfile.LNKTYPE, link
                tar.addfile(info)
            elif data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    return io.BytesIO(raw[:truncate] if truncate is not None else raw)


def _state(conn) -> tuple:
    return (conn.execute("SELECT array_agg(name ORDER BY layer_id) FROM tarbox.layer_list()").fetchone()[0],
            conn.execute("SELECT name FROM tarbox.layer_current()").fetchone()[0],
            sorted(r[0] for r in conn.execute("SELECT name FROM tarbox.ls('/')").fetchall()),
            conn.execute("SELECT count(*) FROM tarbox.inode").fetchone()[0])


@pytest.mark.parametrize("case", ["bad hard link", "escaping member", "truncated stream", "interrupted"])
def test_a_failed_import_creates_no_layer_and_changes_nothing(tenant, case):
    """All or nothing (issue 16, item 2): whatever fails mid-archive, no layer is created, the
    current layer stays, and nothing of the members before the failure remains."""
    conn = tenant.conn
    conn.execute("SELECT tarbox.write('/kept', 'before the import')")
    before = _state(conn)
    good = [("d", None, None), ("d/a.txt", b"a" * 5000, None), ("d/b.txt", b"b" * 70000, None)]
    progress = None
    if case == "bad hard link":
        src = _archive(*good, ("d/link", None, "d/missing"))
    elif case == "escaping member":
        src = _archive(*good, ("d/../../evil", b"x", None))
    elif case == "truncated stream":
        src = _archive(*good, ("d/c.txt", b"c" * 200000, None), truncate=100000)
    else:
        seen = []

        def progress(entries, nbytes):  # noqa: F811 - Ctrl-C after two members
            seen.append(entries)
            if sum(seen) >= 2:
                raise KeyboardInterrupt

        src = _archive(*good)
    with pytest.raises((tarstream.TarboxError, KeyboardInterrupt)):
        tarstream.import_tar(conn, src, "imported", progress=progress)
    assert _state(conn) == before
    assert conn.execute("SELECT count(*) FROM tarbox.layer WHERE name = 'imported'").fetchone()[0] == 0
    # and the tenant can import again
    counts = tarstream.import_tar(conn, _archive(*good), "imported")
    assert counts["entries"] == 3
    assert bytes(conn.execute("SELECT tarbox.read('/d/b.txt')").fetchone()[0]) == b"b" * 70000
