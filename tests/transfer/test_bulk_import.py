"""The bulk import (``tarbox.fs_import``, what ``tarbox import`` of a host tree uses) against
the per-entry inode API calls: the same tree, row for row (modes, owners, times, link counts,
symlink targets, xattrs, and the storage layout: text chunks, blocks, content addresses);
batches split anywhere; the checks of the per-entry calls (names, types, parents, quotas)
with nothing created on any error."""

from __future__ import annotations

import errno
import io
import tarfile
import os
import shutil
import time
from pathlib import Path

import psycopg
import pytest

from tarbox_shell.errors import TarboxError, errno_of
from tarbox_shell.transfer import tarstream
from tarbox_shell.transfer import tree as transfer

from .test_import_export import decorate, django_tree, snapshot  # noqa: F401 (fixture)

#: One line per live path under a root: every column a user or the storage layer sees, except
#: inode numbers and ctime/btime (made "now"). Its md5 and count compare two trees.
TREE_DUMP = r"""
WITH RECURSIVE t(ino, path) AS (
    SELECT s.ino, ''::bytea FROM tarbox.stat(%s::bytea, true) s
    UNION ALL
    SELECT d.ino, t.path || '\x2f'::bytea || d.name
      FROM t JOIN tarbox.dentry d ON d.parent_ino = t.ino AND d.died = 2147483647
)
SELECT encode(t.path, 'hex') || ' ' || concat_ws(' ', i.mode, i.nlink, i.uid, i.gid, i.rdev, i.size, i.stored,
       i.text_bytes, i.text_lines, i.atime_ns, i.mtime_ns, encode(i.target, 'hex'),
       (SELECT string_agg(k.pos || ':' || encode(k.hash, 'hex') || ':' || k.nbytes || ':' || k.nlines, ','
                          ORDER BY k.pos)
          FROM tarbox.chunkmap k WHERE k.ino = i.ino AND k.died = 2147483647),
       (SELECT string_agg(m.blkno || ':' || encode(m.hash, 'hex'), ',' ORDER BY m.blkno)
          FROM tarbox.blockmap m WHERE m.ino = i.ino AND m.died = 2147483647),
       (SELECT string_agg(encode(x.name, 'hex') || '=' || encode(x.value, 'hex'), ',' ORDER BY x.name)
          FROM tarbox.xattr x WHERE x.ino = i.ino AND x.died = 2147483647))
  FROM t JOIN tarbox.inode i ON i.ino = t.ino AND i.died = 2147483647
 ORDER BY 1
"""


def dump(conn: psycopg.Connection, root: str) -> list[str]:
    """The tree under tenant path ``root`` as comparable lines (paths relative to it)."""
    return [r[0] for r in conn.execute(TREE_DUMP, (os.fsencode(root),)).fetchall()]


def storage_tree(root: Path, django: Path) -> None:
    """A tree with every storage case: part of Django, text over 64 KiB (several chunks), CRLF
    and lone-CR endings, no final newline, invalid UTF-8, a NUL in the first block and one
    after it, zeros (holes and trailing zeros), a long line, a set-group-ID directory with
    a subdirectory, user xattrs, non-UTF-8 names, and decorate()'s links, FIFO and modes."""
    shutil.copytree(django / "django" / "utils", root / "utils", symlinks=True)
    shutil.copy2(django / "pyproject.toml", root / "pyproject.toml")
    decorate(root)
    s = root / "storage"
    s.mkdir()
    lines = "".join(f"line {i}: {'x' * (i % 50)}\n" for i in range(6000))
    (s / "long.py").write_text(lines)                               # ~200 KiB: chunks
    (s / "crlf.txt").write_bytes(b"a\r\nb\rc\n" * 3000 + b"tail")   # endings, no final newline
    (s / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1") * 100)   # invalid UTF-8
    (s / "nul-first.bin").write_bytes(b"abc\x00def\n" * 10)
    (s / "nul-later.txt").write_bytes(b"text\n" * 20000 + b"\x00")   # NUL past the first block
    (s / "zeros.bin").write_bytes(b"\x00" * 200000 + b"end" + b"\x00" * 70000)
    (s / "one-line.txt").write_bytes(b"y" * 40000 + b"\n")         # a line longer than a chunk
    (s / "same-as-long.py").write_text(lines)                       # duplicate content
    g = s / "setgid"
    g.mkdir()
    os.chmod(g, 0o2775)
    (g / "inner").mkdir()
    (g / "inner" / "f.txt").write_text("f\n")
    (s / os.fsdecode(b"name-\xff\xfe.txt")).write_bytes(b"bytes name\n")
    os.setxattr(s / "long.py", "user.origin", b"test")
    os.setxattr(g, "user.dir", b"\x00\x01binary")
    # atimes a day ahead: reading the tree (the first import) then does not change them
    # (relatime), so that both imports see the same host tree
    ahead = (int(time.time()) + 86400) * 1_000_000_000
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames + ([] if dirpath != str(root) else ["."]):
            p = os.path.join(dirpath, name)
            s = os.lstat(p)
            os.utime(p, ns=(ahead, s.st_mtime_ns), follow_symlinks=False)


@pytest.mark.parametrize("batch", ["default", "tiny"])
def test_bulk_import_gives_the_per_entry_tree(tenant, tmp_path, django_tree, monkeypatch, batch):  # noqa: F811
    """The same host tree imported per entry and in bulk gives identical rows (fsck clean:
    the tenant fixture), also with batches of 7 entries and 100 KiB (parents, links and
    set-group-ID parents in earlier batches)."""
    src = tmp_path / "src"
    src.mkdir()
    storage_tree(src, django_tree)
    per = transfer.import_tree(tenant.conn, src, "/per", bulk=False)
    if batch == "tiny":
        monkeypatch.setattr(transfer, "BULK_ENTRIES", 7)
        monkeypatch.setattr(transfer, "BULK_BYTES", 100_000)
    bulk = transfer.import_tree(tenant.conn, src, "/bulk")
    assert bulk.as_dict() | {"seconds": 0} == per.as_dict() | {"seconds": 0}
    a, b = dump(tenant.conn, "/per"), dump(tenant.conn, "/bulk")
    assert len(a) == bulk.entries + 1 > 80
    assert a == b
    # the storage cases did take their paths: chunked text, blocks, holes
    rows = dict(tenant.conn.execute(
        "SELECT d.name, i.text_bytes > 0 FROM tarbox.ls('/bulk/storage') d"
        " JOIN tarbox.inode i ON i.ino = d.ino AND i.died = 2147483647 WHERE d.type = 'file'").fetchall())
    assert rows["long.py"] and rows["crlf.txt"] and rows["one-line.txt"]
    assert not rows["latin1.txt"] and not rows["nul-first.bin"] and not rows["nul-later.txt"]
    # and the content is what the host has
    out = tmp_path / "out"
    transfer.export_tree(tenant.conn, "/bulk", out)
    for rel in ("storage/long.py", "storage/crlf.txt", "storage/zeros.bin", "tarbox-extra/big.bin",
                "utils/functional.py"):
        assert (out / rel).read_bytes() == (src / rel).read_bytes()


def call(conn: psycopg.Connection, entries: list[tuple], xattrs: list[tuple] = ()) -> list[int]:
    """tarbox.fs_import of entries (parent, name, mode, uid, gid, rdev, atime, mtime, target,
    link, data) and xattrs (entry, name, value)."""
    cols = [list(c) for c in zip(*entries)] if entries else [[] for _ in range(11)]
    xcols = [list(c) for c in zip(*xattrs)] if xattrs else [[], [], []]
    return conn.execute(transfer.Q_IMPORT, (*cols, *xcols)).fetchone()[0]


def e(parent, name: bytes, mode=0o100644, data=None, target=None, link=None, uid=0, gid=0):
    """One entry of a batch."""
    return (parent, name, mode, uid, gid, 0, None, None, target, link, data)


DIR = 0o040755
REFUSED = [
    ("slash in a name", [e(1, b"a/b")], errno.EINVAL),
    ("empty name", [e(1, b"")], errno.EINVAL),
    ("dot-dot", [e(1, b"..")], errno.EEXIST),
    ("name over 255 bytes", [e(1, b"n" * 256)], errno.ENAMETOOLONG),
    ("NUL in a name", [e(1, b"a\x00")], errno.EINVAL),
    ("twice in one directory", [e(1, b"x"), e(1, b"x")], errno.EEXIST),
    ("name that exists", [e(1, b"taken")], errno.EEXIST),
    ("parent later in the batch", [e(-2, b"a"), e(1, b"d", DIR)], errno.EINVAL),
    ("parent is a file of the batch", [e(1, b"f"), e(-1, b"a")], errno.EINVAL),
    ("parent is a file inode", [e("taken", b"a")], errno.ENOTDIR),
    ("parent does not exist", [e(999999, b"a")], errno.ENOENT),
    ("hard link to a directory", [e(1, b"d", DIR), e(1, b"l", link=-1)], errno.EPERM),
    ("hard link to a later entry", [e(1, b"l", link=-2), e(1, b"f")], errno.EINVAL),
    ("symbolic link without a target", [e(1, b"s", 0o120777)], errno.EINVAL),
    ("target on a file", [e(1, b"s", target=b"x")], errno.EINVAL),
    ("content on a directory", [e(1, b"d", DIR, data=b"x")], errno.EINVAL),
    ("bad file type", [e(1, b"f", 0o170644)], errno.EINVAL),
    ("owner (uid_t) -1", [e(1, b"f", uid=4294967295)], errno.EINVAL),
    ("over 16 MiB of content", [e(1, b"f", data=b"x" * (8 << 20) + b"y"), e(1, b"g", data=b"x" * (8 << 20))],
     errno.EFBIG),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_bulk_import_refuses_what_the_per_entry_calls_refuse(tenant, case):
    """Each bad batch fails with the errno of the per-entry call, and creates nothing."""
    _, entries, want = case
    conn = tenant.conn
    conn.execute("SELECT tarbox.write('/taken', 'x'::bytea)")
    taken = conn.execute("SELECT ino FROM tarbox.stat('/taken')").fetchone()[0]
    before = conn.execute("SELECT count(*) FROM tarbox.inode").fetchone()[0]
    entries = [(taken if p == "taken" else p, *rest) for p, *rest in entries]
    with pytest.raises(psycopg.Error) as info:
        call(conn, entries)
    assert errno_of(info.value) == want, info.value
    assert conn.execute("SELECT count(*) FROM tarbox.inode").fetchone()[0] == before
    assert [r[0] for r in conn.execute("SELECT name FROM tarbox.ls('/')").fetchall()] == ["taken"]


def test_bulk_import_xattrs_and_links_across_batches(tenant):
    """A hard link and an xattr to an inode of an earlier batch; a bad xattr name refuses the
    batch (EOPNOTSUPP, as setxattr)."""
    conn = tenant.conn
    d, f = call(conn, [e(1, b"d", DIR), e(-1, b"f", data=b"hello\n")])
    (l,) = call(conn, [e(d, b"l", link=f)], [(1, b"user.k", b"v")])
    assert l == f
    assert conn.execute("SELECT nlink FROM tarbox.stat('/d/f')").fetchone()[0] == 2
    assert bytes(conn.execute("SELECT tarbox.fs_getxattr(%s, 'user.k'::bytea)", (f,)).fetchone()[0]) == b"v"
    with pytest.raises(psycopg.Error) as info:
        call(conn, [e(d, b"g")], [(1, b"system.posix_acl_access", b"")])
    assert errno_of(info.value) == errno.EOPNOTSUPP


@pytest.mark.parametrize("quota", ["inodes", "bytes"])
def test_bulk_import_respects_quotas(tenant, admin, tmp_path, quota):
    """EDQUOT from the inode or the byte quota, and the whole import is rolled back."""
    src = tmp_path / "src"
    src.mkdir()
    for i in range(30):
        (src / f"f{i}.txt").write_text(f"file {i}\n" * 2000)
    if quota == "inodes":
        admin.execute("SELECT * FROM tarbox.tenant_quota(%s, NULL, 20)", (tenant.name,))
    else:
        admin.execute("SELECT * FROM tarbox.tenant_quota(%s, 100000, NULL)", (tenant.name,))
    with pytest.raises(TarboxError) as info:
        transfer.import_tree(tenant.conn, src, "/q")
    assert info.value.errno == errno.EDQUOT
    assert tenant.conn.execute("SELECT count(*) FROM tarbox.inode").fetchone()[0] == 1
    assert tenant.conn.execute("SELECT inodes FROM tarbox.usage()").fetchone()[0] == 1


def test_a_failed_batch_is_named_by_its_first_entry(tenant, admin, tmp_path, monkeypatch):
    """Batches are sent while the next one is read (ImportBatch(overlap=True)): a batch that
    fails is reported with the first path of that batch, not of the one being read when the
    failure arrived, and nothing of the import is left."""
    monkeypatch.setattr(transfer, "BULK_ENTRIES", 5)
    src = tmp_path / "src"
    src.mkdir()
    for i in range(30):
        (src / f"f{i}").write_bytes(b"x")
    # the root and /q exist: 10 more inodes are allowed, so the third batch of 5 fails
    admin.execute("SELECT * FROM tarbox.tenant_quota(%s, NULL, 12)", (tenant.name,))
    with pytest.raises(TarboxError) as info:
        transfer.import_tree(tenant.conn, src, "/q")
    assert info.value.errno == errno.EDQUOT
    third = sorted(f"f{i}" for i in range(30))[10]
    assert f"{src}/{third} and the entries after it failed" in str(info.value), str(info.value)
    assert tenant.conn.execute("SELECT count(*) FROM tarbox.inode").fetchone()[0] == 1


def tar_of(src: Path) -> bytes:
    """A pax archive of host tree ``src`` as GNU tar would write it, plus an xattr record, a
    directory listed twice and a member that replaces an existing file."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(src, arcname=".")
        info = tarfile.TarInfo("storage")
        info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o750, 1_700_000_000
        tar.addfile(info)
        data = b"replaced\n"
        info = tarfile.TarInfo("existing.txt")
        info.size, info.mtime = len(data), 1_600_000_000
        info.pax_headers = {"SCHILY.xattr.user.note": "from the archive"}
        tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.parametrize("batch", ["default", "tiny"])
def test_bulk_tar_import_gives_the_per_member_layer(tenant, tmp_path, django_tree, monkeypatch, batch):  # noqa: F811
    """A tar archive imported per member and in bulk (under a directory that already has
    entries: replaced files, reused directories) gives identical rows."""
    src = tmp_path / "src"
    src.mkdir()
    storage_tree(src, django_tree)
    archive = tar_of(src)
    conn = tenant.conn
    for root in ("/per", "/bulk"):
        conn.execute("SELECT tarbox.mkdir(%s::bytea, 493, true)", (os.fsencode(root + "/storage"),))
        conn.execute("SELECT tarbox.write(%s::bytea, 'old'::bytea)", (os.fsencode(root + "/existing.txt"),))
        conn.execute("SELECT tarbox.fs_setattr((tarbox.stat(%s::bytea)).ino, NULL, NULL, NULL, NULL, 1, 1)",
                     (os.fsencode(root),))
    per = tarstream.import_tar(conn, io.BytesIO(archive), "per", path="/per", bulk=False)
    if batch == "tiny":
        monkeypatch.setattr(transfer, "BULK_ENTRIES", 7)
        monkeypatch.setattr(transfer, "BULK_BYTES", 100_000)
    bulk = tarstream.import_tar(conn, io.BytesIO(archive), "bulk", path="/bulk")
    assert (per["entries"], per["bytes"]) == (bulk["entries"], bulk["bytes"])
    def timeless_links(lines: list[str]) -> list[str]:
        """Symbolic links get "now" as their times (tar does not set them): drop those."""
        out = []
        for line in lines:
            f = line.split(" ")
            if f[1] == str(0o120777):
                f[10:12] = ["-", "-"]
            out.append(" ".join(f))
        return out

    a, b = timeless_links(dump(conn, "/per")), timeless_links(dump(conn, "/bulk"))
    assert len(a) > 80
    assert a == b
    assert bytes(conn.execute("SELECT tarbox.read('/bulk/existing.txt')").fetchone()[0]) == b"replaced\n"


def test_bulk_export_gives_the_per_entry_host_tree(tenant, tmp_path, django_tree, monkeypatch):  # noqa: F811
    """Export with set-based reads (a directory level, many small files per call) and with
    calls per entry give the same host tree (content, modes, times, links, xattrs), also with
    small batches; both equal the tree imported."""
    src = tmp_path / "src"
    src.mkdir()
    storage_tree(src, django_tree)
    transfer.import_tree(tenant.conn, src, "/t")
    per, bulk = tmp_path / "per", tmp_path / "bulk"
    keep = transfer.Faithful(setid=True)
    transfer.export_tree(tenant.conn, "/t", per, faithful=keep, bulk=False)
    monkeypatch.setattr(transfer, "EXPORT_DIRS", 2)
    monkeypatch.setattr(transfer, "EXPORT_BYTES", 50_000)
    stats = transfer.export_tree(tenant.conn, "/t", bulk, faithful=keep)
    assert stats.hardlinks == 2 and stats.symlinks == 4 and stats.specials == 1

    def xattrs(root: Path) -> dict:
        return {str(p.relative_to(root)): sorted((n, os.getxattr(p, n, follow_symlinks=False))
                                                 for n in os.listxattr(p, follow_symlinks=False))
                for p in [root, *root.rglob("*")] if not p.is_symlink()}

    assert snapshot(bulk) == snapshot(per) == snapshot(src)
    assert xattrs(bulk) == xattrs(per) == xattrs(src)
    assert xattrs(bulk)["storage/long.py"] == [("user.origin", b"test")]
