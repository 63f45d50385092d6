"""Copy-on-write composition through real FUSE mounts (issue 15 item 4, 88-compose-cow):
tenant A has a small tree and publishes a layer; B composes it copy-on-write and C read-only;
B changes, adds and deletes files under it; A's tree is unchanged; B's ``tarbox.diff`` shows
exactly B's changes (below the mount point); C sees none of them; fsck is clean for all three.
A small tree, not the Django sdist: the behaviour does not depend on the publication's size and
the import of the sdist costs minutes on the shared test machine (see test_mount.py)."""

from __future__ import annotations

import errno
import os

from tests.fuse.support import Mount, run_tarbox
from tests.compose.support import check, expect_errno




def test_cow_composition_scenario(tenants, admin, dsn, tmp_path):
    a, b, c = tenants("pub"), tenants("cow"), tenants("ro")
    a.conn.execute("SELECT tarbox.mkdir('/pkg')")
    a.conn.execute("SELECT tarbox.mkdir('/pkg/sub')")
    a.conn.execute("SELECT tarbox.write('/pkg/README', 'hello')")
    a.conn.execute("SELECT tarbox.write('/pkg/sub/mod.py', 'x = 1\n')")
    a.conn.execute("SELECT tarbox.write('/pkg/sub/old.py', 'old\n')")
    a.conn.execute("SELECT tarbox.mkdir('/pkg/empty')")
    a.conn.execute("SELECT tarbox.layer_new('v1')")
    name = f"cow-{a.name[-6:]}"
    check(run_tarbox("--dsn", dsn, "publish", a.name, "1", name, "--to", b.name, "--to", c.name))
    check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/base", f"published:{name}", "--mode", "cow"))
    check(run_tarbox("--dsn", dsn, "compose", "add", c.name, "/base", f"published:{name}"))
    b.conn.execute("SELECT tarbox.layer_new('start')")  # B's changes: the diff from layer 1
    mb = Mount(b, tmp_path / "b").start()
    mc = Mount(c, tmp_path / "c").start()
    try:
        base = mb.path / "base"
        readme = base / "pkg/README"
        assert readme.read_bytes() == b"hello"
        ino = os.stat(readme).st_ino
        with open(readme, "a") as fh:       # change: copy-up, then the append
            fh.write(" world")
        assert readme.read_bytes() == b"hello world"
        assert os.stat(readme).st_ino == ino, "the copy-up keeps the inode number"
        (base / "pkg/sub/new.py").write_bytes(b"y = 2\n")   # add
        os.mkdir(base / "pkg/added")
        os.unlink(base / "pkg/sub/old.py")                  # delete: a whiteout
        os.rmdir(base / "pkg/empty")
        os.chmod(base / "pkg/sub/mod.py", 0o600)
        expect_errno(errno.ENOTEMPTY, os.rmdir, base / "pkg/sub")
        expect_errno(errno.ENOENT, os.stat, base / "pkg/sub/old.py")
        assert sorted(os.listdir(base / "pkg")) == ["README", "added", "sub"]
        assert sorted(os.listdir(base / "pkg/sub")) == ["mod.py", "new.py"]
        assert os.stat(base / "pkg/sub/mod.py").st_mode & 0o777 == 0o600
        assert (base / "pkg/sub/mod.py").read_bytes() == b"x = 1\n"
        # C (read-only) sees the published layer, none of B's changes, and may not change it.
        cbase = mc.path / "base"
        assert (cbase / "pkg/README").read_bytes() == b"hello"
        assert sorted(os.listdir(cbase / "pkg/sub")) == ["mod.py", "old.py"]
        assert sorted(os.listdir(cbase / "pkg")) == ["README", "empty", "sub"]
        expect_errno(errno.EROFS, open, cbase / "pkg/x", "w")
        expect_errno(errno.EROFS, os.rename, cbase / "pkg/README", cbase / "pkg/R2")
        expect_errno(errno.EROFS, os.mkfifo, cbase / "pkg/fifo")
        expect_errno(errno.EROFS, os.setxattr, cbase / "pkg/README", "user.x", b"1")
        expect_errno(errno.EROFS, os.link, cbase / "pkg/README", cbase / "pkg/R2")
    finally:
        mb.stop()
        mc.stop()
    # A is unchanged.
    assert bytes(a.conn.execute("SELECT tarbox.read('/pkg/README')").fetchone()[0]) == b"hello"
    assert bytes(a.conn.execute("SELECT tarbox.read('/pkg/sub/old.py')").fetchone()[0]) == b"old\n"
    assert a.conn.execute("SELECT count(*) FROM tarbox.diff('1')").fetchone()[0] == 0
    # B's diff: exactly its changes, below its mount point.
    diff = sorted(tuple(r) for r in b.conn.execute("SELECT path, change FROM tarbox.diff('1')").fetchall())
    # /base: the mount point, made by the first mount (tarbox.compose_prepare); the whiteouts
    # (old.py, empty) are character devices 0/0 of B.
    assert diff == [("/base", "A"), ("/base/pkg", "A"), ("/base/pkg/README", "A"), ("/base/pkg/added", "A"),
                    ("/base/pkg/empty", "A"), ("/base/pkg/sub", "A"), ("/base/pkg/sub/mod.py", "A"),
                    ("/base/pkg/sub/new.py", "A"), ("/base/pkg/sub/old.py", "A")], diff
    assert c.conn.execute("SELECT count(*) FROM tarbox.diff('1')").fetchone()[0] == 0
    for t in (a, b, c):
        admin.execute("SELECT count(*) FROM tarbox.gc(%s)", (t.name,))
        assert t.conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == [], t.name


def _renameat2(old, new, flags: int) -> None:
    """renameat2(2) through libc (Python has no binding): raises OSError."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd = -100
    if libc.renameat2(at_fdcwd, os.fsencode(old), at_fdcwd, os.fsencode(new), flags) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def test_cow_rename_link_mknod_xattr(tenants, admin, dsn, tmp_path):
    """rename (an editor's save: write a temporary file, rename it over the original), xattrs,
    mkfifo and hard links on a cow composition; EXDEV across its boundary and for a publisher's
    directory, which shutil.move then copies; the publisher is unchanged, fsck clean."""
    import shutil
    import stat

    a, b = tenants("pub"), tenants("cow")
    a.conn.execute("SELECT tarbox.mkdir('/pkg')")
    a.conn.execute("SELECT tarbox.mkdir('/pkg/sub')")
    a.conn.execute("SELECT tarbox.mkdir('/pkg/tmpd')")
    a.conn.execute("SELECT tarbox.write('/pkg/README', 'hello')")
    a.conn.execute("SELECT tarbox.write('/pkg/conf.txt', 'v=1\n')")
    a.conn.execute("SELECT tarbox.write('/pkg/sub/mod.py', 'x = 1\n')")
    a.conn.execute("SELECT tarbox.setxattr('/pkg/sub/mod.py', 'user.origin', 'a')")
    a.conn.execute("SELECT tarbox.write('/pkg/tmpd/t', 't')")
    a.conn.execute("SELECT tarbox.layer_new('v1')")
    name = f"cowr-{a.name[-6:]}"
    check(run_tarbox("--dsn", dsn, "publish", a.name, "1", name, "--to", b.name))
    check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/base", f"published:{name}", "--mode", "cow"))
    mb = Mount(b, tmp_path / "b").start()
    try:
        base = mb.path / "base"
        pkg = base / "pkg"
        ino = os.stat(pkg / "README").st_ino
        os.rename(pkg / "README", pkg / "README.md")          # a publisher's file
        assert (pkg / "README.md").read_bytes() == b"hello"
        assert os.stat(pkg / "README.md").st_ino == ino
        expect_errno(errno.ENOENT, os.stat, pkg / "README")
        # an editor's save
        (pkg / "conf.txt.tmp").write_bytes(b"v=2\n")
        os.rename(pkg / "conf.txt.tmp", pkg / "conf.txt")
        assert (pkg / "conf.txt").read_bytes() == b"v=2\n"
        assert sorted(os.listdir(pkg)) == ["README.md", "conf.txt", "sub", "tmpd"]
        expect_errno(errno.EEXIST, _renameat2, pkg / "conf.txt", pkg / "README.md", 1)   # RENAME_NOREPLACE
        # xattrs: the publisher's come along with the copy-up
        mod = pkg / "sub/mod.py"
        assert os.getxattr(mod, "user.origin") == b"a"
        os.setxattr(mod, "user.x", b"1")
        assert sorted(os.listxattr(mod)) == ["user.origin", "user.x"]
        os.removexattr(mod, "user.origin")
        assert os.listxattr(mod) == ["user.x"] and os.getxattr(mod, "user.x") == b"1"
        # mkfifo, hard link
        os.mkfifo(pkg / "fifo")
        assert stat.S_ISFIFO(os.stat(pkg / "fifo").st_mode)
        os.link(mod, pkg / "mod.link")
        assert os.stat(pkg / "mod.link").st_ino == os.stat(mod).st_ino
        assert os.stat(mod).st_nlink == 2
        assert (pkg / "mod.link").read_bytes() == b"x = 1\n"
        # directories: the consumer's own renames, the publisher's is EXDEV (shutil.move copies)
        os.mkdir(base / "mine")
        os.rename(base / "mine", base / "mine2")
        assert (base / "mine2").is_dir()
        expect_errno(errno.EXDEV, os.rename, pkg / "sub", pkg / "sub2")
        # the consumer's directory replaces a publisher's emptied one (its whiteouts go)
        os.unlink(pkg / "tmpd/t")
        os.mkdir(base / "newd")
        (base / "newd/f").write_bytes(b"f")
        os.rename(base / "newd", pkg / "tmpd")
        assert os.listdir(pkg / "tmpd") == ["f"] and (pkg / "tmpd/f").read_bytes() == b"f"
        shutil.move(str(pkg / "sub"), str(pkg / "sub2"))
        assert sorted(os.listdir(pkg / "sub2")) == ["mod.py"] and not (pkg / "sub").exists()
        # across the boundary: EXDEV both ways, for rename and link
        (mb.path / "own.txt").write_bytes(b"own")
        expect_errno(errno.EXDEV, os.rename, pkg / "conf.txt", mb.path / "conf.txt")
        expect_errno(errno.EXDEV, os.rename, mb.path / "own.txt", pkg / "own.txt")
        expect_errno(errno.EXDEV, os.link, mb.path / "own.txt", pkg / "own.txt")
    finally:
        mb.stop()
    assert bytes(a.conn.execute("SELECT tarbox.read('/pkg/README')").fetchone()[0]) == b"hello"
    assert bytes(a.conn.execute("SELECT tarbox.read('/pkg/conf.txt')").fetchone()[0]) == b"v=1\n"
    assert a.conn.execute("SELECT count(*) FROM tarbox.diff('1')").fetchone()[0] == 0
    for t in (a, b):
        admin.execute("SELECT count(*) FROM tarbox.gc(%s)", (t.name,))
        assert t.conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == [], t.name
