"""The path API reads compositions as the mount shows them (issue 15 item 7): tenant A publishes
a small tree (files, a directory, relative and absolute symbolic links, an xattr); B composes it
read-only at /ro and copy-on-write at /cow, and changes /cow through its mount (a write, a new
file, a deletion: a whiteout); then for every path below both mount points (and the mount
points themselves, and '..' out of them) ``tarbox.stat`` and ``tarbox.ls`` give the names,
types, sizes, modes and inode numbers ``os.lstat`` and ``os.listdir`` give on the mount, and
``tarbox.read`` / ``readlink`` / ``getxattr`` the same bytes. A change made through the path API
in /cow is what the mount then shows."""

from __future__ import annotations

import os
import stat
import time

from tests.fuse.support import Mount, run_tarbox
from tests.compose.support import check



def _sql_stat(conn, path: str) -> dict:
    row = conn.execute("SELECT ino, mode, size, nlink, uid, gid FROM tarbox.stat(%s::text, false)", (path,)).fetchone()
    return {"ino": row[0], "mode": row[1], "size": row[2], "nlink": row[3], "uid": row[4], "gid": row[5]}


def _os_stat(path) -> dict:
    st = os.lstat(path)
    return {"ino": st.st_ino, "mode": st.st_mode, "size": st.st_size, "nlink": st.st_nlink,
            "uid": st.st_uid, "gid": st.st_gid}


def _compare_tree(conn, mnt, top: str) -> int:
    """Compare every path below ``top`` (a path of the tenant's tree) on the mount and through
    the path API; returns the number of paths compared."""
    n = 0
    todo = [top]
    while todo:
        path = todo.pop()
        local = mnt / path.lstrip("/")
        assert _sql_stat(conn, path) == _os_stat(local), path
        n += 1
        mode = os.lstat(local).st_mode
        if stat.S_ISDIR(mode):
            names = sorted(os.listdir(local))
            rows = conn.execute("SELECT name, ino, size, type FROM tarbox.ls(%s::text)", (path,)).fetchall()
            assert sorted(r[0] for r in rows) == names, path
            for name, ino, size, _type in rows:
                st = os.lstat(local / name)
                assert (ino, size) == (st.st_ino, st.st_size), f"{path}/{name}"
            todo.extend(f"{path}/{name}" for name in names)
        elif stat.S_ISLNK(mode):
            assert conn.execute("SELECT tarbox.readlink(%s::text)", (path,)).fetchone()[0] == os.readlink(local), path
        elif stat.S_ISREG(mode):
            data = bytes(conn.execute("SELECT tarbox.read(%s::text)", (path,)).fetchone()[0])
            assert data == local.read_bytes(), path
            names = sorted(os.listxattr(local))
            assert sorted(r[0] for r in conn.execute("SELECT * FROM tarbox.listxattr(%s::text)", (path,))) == names, path
            for x in names:
                got = bytes(conn.execute("SELECT tarbox.getxattr(%s::text, %s)", (path, x)).fetchone()[0])
                assert got == os.getxattr(local, x), f"{path} {x}"
    return n


def test_path_api_reads_compositions_as_the_mount_shows_them(tenants, admin, dsn, tmp_path):
    a, b = tenants("pub"), tenants("use")
    for q in ("SELECT tarbox.mkdir('/pkg/sub', 493, true)",
              "SELECT tarbox.write('/pkg/README', 'hello')",
              "SELECT tarbox.write('/pkg/sub/mod.py', 'x = 1\n')",
              "SELECT tarbox.write('/pkg/sub/old.py', 'old\n')",
              "SELECT tarbox.write('/pkg/data.bin', decode(repeat('00ff', 40000), 'hex'))",
              "SELECT tarbox.setxattr('/pkg/README', 'user.origin', 'alice'::bytea)",
              "SELECT tarbox.ln('sub/mod.py', '/pkg/rel', true)",
              "SELECT tarbox.ln('/home/note.txt', '/pkg/abs', true)",
              "SELECT tarbox.layer_new('v1')"):
        a.conn.execute(q)
    name = f"pathapi-{a.name[-6:]}"
    check(run_tarbox("--dsn", dsn, "publish", a.name, "1", name, "--to", b.name))
    check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/mnt/ro", f"published:{name}"))
    check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/mnt/cow", f"published:{name}", "--mode", "cow"))
    b.conn.execute("SELECT tarbox.mkdir('/home')")
    b.conn.execute("SELECT tarbox.write('/home/note.txt', 'bob''s note')")
    m = Mount(b, tmp_path / "b").start()
    try:
        cow = m.path / "mnt/cow/pkg"
        with open(cow / "README", "a") as fh:   # copy-up
            fh.write(" world")
        (cow / "sub/new.py").write_bytes(b"y = 2\n")
        os.unlink(cow / "sub/old.py")           # a whiteout
        n = _compare_tree(b.conn, m.path, "/mnt/ro") + _compare_tree(b.conn, m.path, "/mnt/cow")
        assert n == 2 * 9, n
        assert sorted(r[0] for r in b.conn.execute("SELECT name FROM tarbox.ls('/mnt/cow/pkg/sub')")) == ["mod.py", "new.py"]
        # the mount points in their parent, '..' out of a composition, links through it
        assert _sql_stat(b.conn, "/mnt") == _os_stat(m.path / "mnt")
        rows = b.conn.execute("SELECT name, ino FROM tarbox.ls('/mnt')").fetchall()
        assert sorted(rows) == sorted((x, os.lstat(m.path / "mnt" / x).st_ino) for x in os.listdir(m.path / "mnt"))
        assert _sql_stat(b.conn, "/mnt/ro/pkg/../..") == _os_stat(m.path / "mnt")
        assert bytes(b.conn.execute("SELECT tarbox.read('/mnt/ro/pkg/rel')").fetchone()[0]) == b"x = 1\n"
        # an absolute target: from the tenant's root (the kernel resolves it from the caller's
        # root, so on the mount it is the mount's /home/note.txt that it names)
        assert os.readlink(m.path / "mnt/cow/pkg/abs") == "/home/note.txt"
        for path in ("/mnt/ro/pkg/abs", "/mnt/cow/pkg/abs"):
            got = bytes(b.conn.execute("SELECT tarbox.read(%s::text)", (path,)).fetchone()[0])
            assert got == (m.path / "home/note.txt").read_bytes() == b"bob's note", path
        # a change through the path API is what the mount shows (entries are cached 1 s)
        b.conn.execute("SELECT tarbox.write('/mnt/cow/pkg/sub/mod.py', 'x = 3\n')")
        b.conn.execute("SELECT tarbox.rm('/mnt/cow/pkg/data.bin')")
        time.sleep(1.5)
        assert (cow / "sub/mod.py").read_bytes() == b"x = 3\n"
        assert sorted(os.listdir(cow)) == ["README", "abs", "rel", "sub"]
        assert _compare_tree(b.conn, m.path, "/mnt/cow") == 8
        assert (m.path / "mnt/ro/pkg/sub/mod.py").read_bytes() == b"x = 1\n"
        # a composition added while mounted, at a path sorted before the others, changes
        # neither's numbers: the running mount and the path API still agree
        check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/aaa", f"published:{name}"))
        assert _compare_tree(b.conn, m.path, "/mnt/ro") == 9
        assert _compare_tree(b.conn, m.path, "/mnt/cow") == 8
    finally:
        m.stop()
    assert bytes(a.conn.execute("SELECT tarbox.read('/pkg/sub/mod.py')").fetchone()[0]) == b"x = 1\n"
