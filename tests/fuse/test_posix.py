"""POSIX behaviour through a real FUSE mount of a tenant (real kernel, real database):
every test mounts, uses ordinary system calls and tools, unmounts, and checks
``tarbox.fsck()``."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import subprocess
import sys
import time

import pytest

from tests.fuse.support import (RENAME_EXCHANGE, RENAME_NOREPLACE, Mount, append_and_reread, fsck,
                                needs_fuse, needs_root, orphans, renameat2, run_tarbox, wait_for)

pytestmark = needs_fuse


def test_create_write_read_append_truncate(mnt):
    """write/read/append, truncate(2) shrink and grow, O_TRUNC, pwrite/pread, shell redirections."""
    p = mnt / "f.txt"
    p.write_bytes(b"hello world\n")
    assert p.read_bytes() == b"hello world\n"
    with open(p, "ab") as f:
        f.write(b"more\n")
    assert p.read_bytes() == b"hello world\nmore\n"
    os.truncate(p, 5)
    assert p.read_bytes() == b"hello"
    with open(p, "r+b") as f:
        f.truncate(2)
        f.seek(0, os.SEEK_END)
        f.write(b"y")
    assert p.read_bytes() == b"hey"
    os.truncate(p, 6)
    assert p.read_bytes() == b"hey\0\0\0"
    with open(p, "wb") as f:  # O_TRUNC
        f.write(b"new")
    assert p.read_bytes() == b"new"
    st = os.stat(p)
    assert st.st_size == 3 and stat.S_ISREG(st.st_mode)
    # pwrite in the middle, read at offsets
    fd = os.open(p, os.O_RDWR)
    try:
        os.pwrite(fd, b"XY", 1)
        assert os.pread(fd, 10, 0) == b"nXY"
        assert os.pread(fd, 10, 100) == b""
    finally:
        os.close(fd)
    # shell tools
    subprocess.run(f"printf 'a\\nb\\n' > {mnt / 'sh.txt'} && echo c >> {mnt / 'sh.txt'}",
                   shell=True, check=True)
    assert (mnt / "sh.txt").read_text() == "a\nb\nc\n"
    assert sorted(os.listdir(mnt.path)) == ["f.txt", "sh.txt"]


def test_o_excl_and_errors(mnt):
    """O_CREAT|O_EXCL, ENOENT/ENOTDIR/EISDIR, NAME_MAX (255 ok, 256 ENAMETOOLONG)."""
    p = mnt / "x"
    fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640)
    os.close(fd)
    with pytest.raises(FileExistsError):
        os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o640 & ~current_umask()
    with pytest.raises(FileNotFoundError):
        os.stat(mnt / "missing")
    with pytest.raises(FileNotFoundError):
        open(mnt / "nodir" / "f", "w")
    with pytest.raises(NotADirectoryError):
        open(mnt / "x" / "f", "w")
    os.mkdir(mnt / "d")
    with pytest.raises(IsADirectoryError):
        open(mnt / "d", "w")
    with pytest.raises(OSError) as exc:
        open(mnt / ("n" * 256), "w")
    assert exc.value.errno == errno.ENAMETOOLONG
    (mnt / ("n" * 255)).write_bytes(b"ok")
    assert (mnt / ("n" * 255)).read_bytes() == b"ok"


def current_umask() -> int:
    """The process umask (int)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_umask_applied(mnt):
    """The caller's umask is applied to files, directories and FIFOs."""
    old = os.umask(0o027)
    try:
        (mnt / "f").write_bytes(b"")
        os.mkdir(mnt / "d")
        os.mkfifo(mnt / "p")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(mnt / "f").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(mnt / "d").st_mode) == 0o750
    assert stat.S_IMODE(os.stat(mnt / "p").st_mode) == 0o640


def test_mkdir_rmdir_rename(mnt):
    """mkdir -p, nlink of directories, ENOTEMPTY, EINVAL into itself, rename(2) replacing files and empty directories, EISDIR/ENOTDIR, rm -rf."""
    os.makedirs(mnt / "a" / "b" / "c")
    assert os.stat(mnt / "a").st_nlink == 3
    (mnt / "a" / "b" / "c" / "f").write_text("x")
    with pytest.raises(OSError) as exc:
        os.rmdir(mnt / "a" / "b")
    assert exc.value.errno == errno.ENOTEMPTY
    os.rename(mnt / "a" / "b", mnt / "b2")
    assert os.stat(mnt / "a").st_nlink == 2
    assert (mnt / "b2" / "c" / "f").read_text() == "x"
    with pytest.raises(OSError) as exc:
        os.rename(mnt / "b2", mnt / "b2" / "c" / "inside")
    assert exc.value.errno == errno.EINVAL
    # rename a file over another: the target is replaced atomically
    (mnt / "t1").write_text("one")
    (mnt / "t2").write_text("two")
    os.rename(mnt / "t1", mnt / "t2")
    assert (mnt / "t2").read_text() == "one"
    assert not (mnt / "t1").exists()
    # directory over an empty directory; over a non-empty one fails
    os.mkdir(mnt / "e")
    os.rename(mnt / "a", mnt / "e")
    assert not (mnt / "a").exists() and (mnt / "e").is_dir()
    with pytest.raises(OSError) as exc:
        os.rename(mnt / "e", mnt / "b2")
    assert exc.value.errno in (errno.ENOTEMPTY, errno.EEXIST)
    with pytest.raises(IsADirectoryError):
        os.rename(mnt / "t2", mnt / "e")
    with pytest.raises(NotADirectoryError):
        os.rename(mnt / "e", mnt / "t2")
    os.rmdir(mnt / "e")
    subprocess.run(["rm", "-rf", str(mnt / "b2")], check=True)
    assert sorted(os.listdir(mnt.path)) == ["t2"]


def test_renameat2_noreplace_exchange(mnt):
    """renameat2(2) RENAME_NOREPLACE and RENAME_EXCHANGE (file<->file, file<->directory)."""
    (mnt / "a").write_text("A")
    (mnt / "b").write_text("B")
    os.mkdir(mnt / "d")
    with pytest.raises(FileExistsError):
        renameat2(mnt / "a", mnt / "b", RENAME_NOREPLACE)
    renameat2(mnt / "a", mnt / "c", RENAME_NOREPLACE)
    assert (mnt / "c").read_text() == "A" and not (mnt / "a").exists()
    renameat2(mnt / "c", mnt / "b", RENAME_EXCHANGE)
    assert (mnt / "c").read_text() == "B" and (mnt / "b").read_text() == "A"
    # exchange a file and a directory
    renameat2(mnt / "c", mnt / "d", RENAME_EXCHANGE)
    assert (mnt / "d").read_text() == "B" and (mnt / "c").is_dir()
    with pytest.raises(FileNotFoundError):
        renameat2(mnt / "b", mnt / "nothing", RENAME_EXCHANGE)


def test_hard_links(mnt):
    """link(2): shared inode and content, st_nlink, EPERM for directories, EEXIST, rename onto another link is a no-op."""
    (mnt / "f").write_text("data")
    os.mkdir(mnt / "d")
    os.link(mnt / "f", mnt / "d" / "g")
    os.link(mnt / "f", mnt / "h")
    st = os.stat(mnt / "f")
    assert st.st_nlink == 3
    assert os.stat(mnt / "d" / "g").st_ino == st.st_ino
    with open(mnt / "h", "a") as f:
        f.write("+")
    assert (mnt / "d" / "g").read_text() == "data+"
    os.unlink(mnt / "f")
    assert os.stat(mnt / "h").st_nlink == 2
    with pytest.raises(PermissionError):
        os.link(mnt / "d", mnt / "dlink")
    with pytest.raises(FileExistsError):
        os.link(mnt / "h", mnt / "d" / "g")
    # rename onto another link of the same inode does nothing
    os.rename(mnt / "h", mnt / "d" / "g")
    assert (mnt / "h").exists() and os.stat(mnt / "h").st_nlink == 2
    os.unlink(mnt / "h")
    assert os.stat(mnt / "d" / "g").st_nlink == 1


def test_symlinks(mnt):
    """symlink(2)/readlink(2), relative and dangling targets, ELOOP, 4000-byte target."""
    (mnt / "target").write_text("T")
    os.symlink("target", mnt / "l1")
    os.symlink("/nonexistent/x", mnt / "dangling")
    os.symlink("l1", mnt / "l2")
    assert os.readlink(mnt / "l1") == "target"
    assert (mnt / "l2").read_text() == "T"
    st = os.lstat(mnt / "l1")
    assert stat.S_ISLNK(st.st_mode) and st.st_size == len("target")
    assert os.path.islink(mnt / "dangling") and not os.path.exists(mnt / "dangling")
    os.mkdir(mnt / "dir")
    os.symlink("../target", mnt / "dir" / "up")
    assert (mnt / "dir" / "up").read_text() == "T"
    os.symlink("l4", mnt / "l3")
    os.symlink("l3", mnt / "l4")
    with pytest.raises(OSError) as exc:
        open(mnt / "l3")
    assert exc.value.errno == errno.ELOOP
    long_target = "x" * 4000
    os.symlink(long_target, mnt / "long")
    assert os.readlink(mnt / "long") == long_target
    os.unlink(mnt / "l1")
    assert (mnt / "target").exists()


def test_fifo_and_devices(mnt):
    """mkfifo (the kernel runs the pipe), mknod of character/block devices (root) and a regular file."""
    os.mkfifo(mnt / "fifo", 0o600)
    assert stat.S_ISFIFO(os.stat(mnt / "fifo").st_mode)
    # the kernel implements the pipe itself
    pid = os.fork()
    if pid == 0:
        try:
            with open(mnt / "fifo", "wb") as w:
                w.write(b"through the fifo")
        finally:
            os._exit(0)
    with open(mnt / "fifo", "rb") as r:
        assert r.read() == b"through the fifo"
    os.waitpid(pid, 0)
    if os.geteuid() == 0:
        os.mknod(mnt / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        st = os.stat(mnt / "null")
        assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
        os.mknod(mnt / "blk", 0o600 | stat.S_IFBLK, os.makedev(7, 0))
        assert stat.S_ISBLK(os.stat(mnt / "blk").st_mode)
    os.mknod(mnt / "reg", 0o644 | stat.S_IFREG)
    assert stat.S_ISREG(os.stat(mnt / "reg").st_mode)


@needs_root
def test_chmod_chown_utime(mnt):
    """chmod incl. setuid, chown/chgrp, utimensat with ns times and UTIME_NOW, touch -d, set-group-ID directory inheritance."""
    p = mnt / "f"
    p.write_text("x")
    os.chmod(p, 0o4751)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o4751
    os.chown(p, 1234, 5678)
    st = os.stat(p)
    assert (st.st_uid, st.st_gid) == (1234, 5678)
    os.chown(p, -1, 42)
    assert (os.stat(p).st_uid, os.stat(p).st_gid) == (1234, 42)
    atime, mtime = 1_000_000_123_456_789, 1_500_000_987_654_321
    os.utime(p, ns=(atime, mtime))
    st = os.stat(p)
    # PostgreSQL keeps microseconds: the SQL clock has microsecond resolution, but
    # explicitly set times are stored in ns
    assert st.st_atime_ns == atime and st.st_mtime_ns == mtime
    before = time.time_ns()
    os.utime(p)  # now
    st = os.stat(p)
    assert abs(st.st_mtime_ns - before) < 5_000_000_000
    os.chmod(p, 0o600)
    subprocess.run(["chmod", "g+rw", str(p)], check=True)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o660
    subprocess.run(["touch", "-d", "2001-02-03 04:05:06", str(p)], check=True)
    assert time.gmtime(os.stat(p).st_mtime)[:3] == (2001, 2, 3)
    os.mkdir(mnt / "sg")
    os.chown(mnt / "sg", 0, 777)
    os.chmod(mnt / "sg", 0o2775)
    (mnt / "sg" / "inherit").write_text("")
    os.mkdir(mnt / "sg" / "sub")
    assert os.stat(mnt / "sg" / "inherit").st_gid == 777
    assert os.stat(mnt / "sg" / "sub").st_gid == 777
    assert os.stat(mnt / "sg" / "sub").st_mode & stat.S_ISGID


@needs_root
def test_permissions_enforced_by_kernel(tenant):
    """default_permissions: the kernel checks modes and the sticky bit for a non-root
    caller (allow_other lets other users in); new files belong to the caller."""
    import tempfile
    base = tempfile.mkdtemp(prefix="tarbox-perm-")
    os.chmod(base, 0o755)
    m = Mount(tenant, os.path.join(base, "m"), ["--allow-other"]).start()
    try:
        os.chmod(m.path, 0o1777)
        (m / "private").write_text("secret")
        os.chmod(m / "private", 0o600)
        script = (
            "import os, sys\n"
            "os.setgid(4321); os.setuid(4321)\n"
            "p = sys.argv[1]\n"
            "try:\n    open(p + '/private').read(); print('read')\n"
            "except PermissionError: print('denied')\n"
            "try:\n    os.unlink(p + '/private'); print('unlinked')\n"
            "except PermissionError: print('sticky')\n"
            "open(p + '/mine', 'w').write('m'); st = os.stat(p + '/mine')\n"
            "print(st.st_uid, st.st_gid)\n"
            "try:\n    os.chown(p + '/mine', 0, 0); print('chowned')\n"
            "except PermissionError: print('no chown')\n"
        )
        out = subprocess.run([sys.executable, "-c", script, str(m.path)], capture_output=True,
                             text=True)
        assert out.stdout.split("\n")[:4] == ["denied", "sticky", "4321 4321", "no chown"], \
            out.stdout + out.stderr
        assert (m / "private").read_text() == "secret"
    finally:
        m.stop()
        import shutil
        shutil.rmtree(base, ignore_errors=True)


def test_xattrs(mnt):
    """user.* xattrs: binary values, list, XATTR_CREATE/XATTR_REPLACE, remove, ENODATA, on directories, through a symlink."""
    p = mnt / "f"
    p.write_text("x")
    os.setxattr(p, "user.one", b"1")
    os.setxattr(p, "user.bin", bytes(range(256)))
    assert os.getxattr(p, "user.one") == b"1"
    assert os.getxattr(p, "user.bin") == bytes(range(256))
    assert sorted(os.listxattr(p)) == ["user.bin", "user.one"]
    with pytest.raises(OSError) as exc:
        os.getxattr(p, "user.none")
    assert exc.value.errno == errno.ENODATA
    with pytest.raises(FileExistsError):
        os.setxattr(p, "user.one", b"2", os.XATTR_CREATE)
    with pytest.raises(OSError) as exc:
        os.setxattr(p, "user.two", b"2", os.XATTR_REPLACE)
    assert exc.value.errno == errno.ENODATA
    os.setxattr(p, "user.one", b"replaced", os.XATTR_REPLACE)
    assert os.getxattr(p, "user.one") == b"replaced"
    os.removexattr(p, "user.one")
    assert os.listxattr(p) == ["user.bin"]
    with pytest.raises(OSError) as exc:
        os.removexattr(p, "user.one")
    assert exc.value.errno == errno.ENODATA
    os.setxattr(p, "user.empty", b"")
    assert os.getxattr(p, "user.empty") == b""
    os.mkdir(mnt / "d")
    os.setxattr(mnt / "d", "user.dir", b"yes")
    assert os.getxattr(mnt / "d", "user.dir") == b"yes"
    os.symlink("f", mnt / "l")
    assert os.getxattr(mnt / "l", "user.bin") == bytes(range(256))  # follows the link


def test_statvfs(mnt, tenant):
    """statvfs(3) and df(1) report the SQL's figures and the fsname; the mount says that
    reads do not update the access time (noatime), which is what it does."""
    (mnt / "f").write_bytes(b"x" * 100_000)
    sv = os.statvfs(mnt.path)
    assert sv.f_flag & os.ST_NOATIME
    atime = "SELECT atime_ns FROM tarbox.stat('/f')"
    before = tenant.conn.execute(atime).fetchone()[0]
    time.sleep(0.01)
    assert (mnt / "f").read_bytes() == b"x" * 100_000
    assert tenant.conn.execute(atime).fetchone()[0] == before
    assert sv.f_bsize == 65536 and sv.f_frsize == 4096
    assert sv.f_namemax == 255
    assert 0 < sv.f_bfree <= sv.f_blocks and sv.f_bavail <= sv.f_blocks
    assert 0 < sv.f_ffree < sv.f_files
    df = subprocess.run(["df", "-P", str(mnt.path)], capture_output=True, text=True, check=True)
    assert "tarbox:" in df.stdout


def test_unlinked_open_file(mnt, tenant):
    """A file unlinked (or renamed over) while open stays readable and writable until closed, then is removed."""
    p = mnt / "tmp"
    p.write_bytes(b"before")
    f = open(p, "r+b")
    try:
        os.unlink(p)
        assert not p.exists()
        append_and_reread(f, b"before", b" after")
        assert os.fstat(f.fileno()).st_nlink == 0
        assert orphans(tenant) == 1
    finally:
        f.close()
    # RELEASE is asynchronous to close(2); then the bridge calls fs_forget
    assert wait_for(lambda: orphans(tenant) == 0), "unlinked inode not removed after close"
    # same with a rename over an open file
    (mnt / "a").write_bytes(b"A")
    (mnt / "b").write_bytes(b"B")
    with open(mnt / "b", "rb") as held:
        os.rename(mnt / "a", mnt / "b")
        assert held.read() == b"B"
        assert (mnt / "b").read_bytes() == b"A"
    assert wait_for(lambda: orphans(tenant) == 0)


def test_fsync(mnt):
    """fsync/fdatasync on files and directories, sync(1)."""
    with open(mnt / "f", "wb") as f:
        f.write(b"durable")
        f.flush()
        os.fsync(f.fileno())
        os.fdatasync(f.fileno())
    fd = os.open(mnt.path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.sync()
    subprocess.run(["sync", "-f", str(mnt / "f")], check=True)
    assert (mnt / "f").read_bytes() == b"durable"


def test_invalid_utf8_names(mnt, tenant):
    """Names that are not UTF-8 round-trip as bytes (create, rename, listdir, open, the SQL readdir)."""
    names = [b"caf\xe9", b"\xff\xfe", b"ok-\xc3\xa9", b"a\x01b", b"sp ace", b"-dash", b"\xe2\x82"]
    root = os.fsencode(mnt.path)
    for i, n in enumerate(names):
        with open(root + b"/" + n, "wb") as f:
            f.write(b"%d" % i)
    os.mkdir(root + b"/dir\xfa")
    os.rename(root + b"/caf\xe9", root + b"/dir\xfa/caf\xe9-moved")
    listed = sorted(os.listdir(root))
    expected = sorted([n for n in names if n != b"caf\xe9"] + [b"dir\xfa"])
    assert listed == expected
    assert os.listdir(root + b"/dir\xfa") == [b"caf\xe9-moved"]
    for i, n in enumerate(names):
        if n == b"caf\xe9":
            continue
        with open(root + b"/" + n, "rb") as f:
            assert f.read() == b"%d" % i
    rows = tenant.conn.execute("SELECT name FROM tarbox.fs_readdir(1, 0, 100)").fetchall()
    assert b"\xff\xfe" in {bytes(r[0]) for r in rows}


def test_sparse_file(mnt):
    """seek past the end leaves holes that read as zeros; sha256 of the whole file."""
    p = mnt / "sparse"
    with open(p, "wb") as f:
        f.seek(10 * 1024 * 1024)
        f.write(b"end")
        f.seek(70_000)
        f.write(b"mid")
    st = os.stat(p)
    assert st.st_size == 10 * 1024 * 1024 + 3
    with open(p, "rb") as f:
        assert f.read(70_000) == bytes(70_000)
        assert f.read(3) == b"mid"
        f.seek(10 * 1024 * 1024 - 5)
        assert f.read() == bytes(5) + b"end"
    h = hashlib.sha256()
    h.update(bytes(70_000) + b"mid" + bytes(10 * 1024 * 1024 - 70_003) + b"end")
    out = subprocess.run(["sha256sum", str(p)], capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == h.hexdigest()


def test_large_file_sha256(mnt, tmp_path):
    """A file over 100 MiB copied in with cp(1) reads back with the same sha256 (timings printed)."""
    size = 100 * 1024 * 1024 + 12345
    src = tmp_path / "big.bin"
    chunk = os.urandom(1 << 20)
    with open(src, "wb") as f:
        for i in range(size >> 20):
            f.write(bytes([i % 251]) + chunk[1:])
        f.write(os.urandom(size & ((1 << 20) - 1)))
    t0 = time.monotonic()
    subprocess.run(["cp", str(src), str(mnt / "big.bin")], check=True)
    t1 = time.monotonic()
    digest = lambda path: subprocess.run(["sha256sum", str(path)], capture_output=True,  # noqa: E731
                                         text=True, check=True).stdout.split()[0]
    mounted = digest(mnt / "big.bin")
    t2 = time.monotonic()
    assert mounted == digest(src)
    assert os.stat(mnt / "big.bin").st_size == size
    print(f"100 MiB: write {t1 - t0:.1f}s ({size / (t1 - t0) / 1e6:.0f} MB/s), "
          f"read {t2 - t1:.1f}s ({size / (t2 - t1) / 1e6:.0f} MB/s)")


APPENDER = r"""
import os, sys
path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
for i in range(n):
    os.write(fd, f"{tag} {i:06d}\n".encode())
os.close(fd)
"""


def test_concurrent_o_append(mnt):
    """Three processes appending with O_APPEND lose and interleave nothing within a record."""
    p = mnt / "log"
    p.write_bytes(b"")
    n = 300
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(p), tag, str(n)])
             for tag in ("A", "B", "C")]
    for pr in procs:
        assert pr.wait(timeout=300) == 0
    lines = p.read_text().splitlines()
    assert len(lines) == 3 * n
    for tag in ("A", "B", "C"):
        mine = [ln for ln in lines if ln.startswith(tag + " ")]
        assert mine == [f"{tag} {i:06d}" for i in range(n)]
    assert os.stat(p).st_size == 3 * n * len("A 000000\n")


def test_sql_changes_visible_within_one_second(mnt, tenant):
    """Changes made through SQL (write, create, mkdir, chmod, mv, rm, append, setxattr) show through the mount within a second, negative entries and open files included."""
    q = tenant.conn.execute
    (mnt / "f").write_text("from the mount")
    os.mkdir(mnt / "d")
    assert (mnt / "f").read_text() == "from the mount"
    assert not (mnt / "d" / "new").exists()  # a negative entry the kernel may cache
    listing = os.listdir(mnt / "d")
    assert listing == []

    q("SELECT tarbox.write('/f', 'changed through SQL')")
    q("SELECT tarbox.write('/d/new', 'created through SQL')")
    q("SELECT tarbox.mkdir('/d/sub')")
    t0 = time.monotonic()
    assert wait_for(lambda: (mnt / "f").read_text() == "changed through SQL", 1.0)
    assert wait_for(lambda: (mnt / "d" / "new").exists(), 1.0)
    assert (mnt / "d" / "new").read_text() == "created through SQL"
    assert wait_for(lambda: sorted(os.listdir(mnt / "d")) == ["new", "sub"], 1.0)
    assert time.monotonic() - t0 < 1.5
    st_before = os.stat(mnt / "f")
    q("SELECT tarbox.chmod('/f', 384)")
    assert wait_for(lambda: stat.S_IMODE(os.stat(mnt / "f").st_mode) == 0o600, 1.0)
    assert os.stat(mnt / "f").st_ino == st_before.st_ino
    q("SELECT tarbox.mv('/d/new', '/moved')")
    assert wait_for(lambda: not (mnt / "d" / "new").exists(), 1.0)
    assert wait_for(lambda: (mnt / "moved").exists(), 1.0)
    q("SELECT tarbox.rm('/moved')")
    assert wait_for(lambda: not (mnt / "moved").exists(), 1.0)
    with open(mnt / "f", "rb") as held:
        q("SELECT tarbox.append('/f', ' + more')")
        assert wait_for(lambda: os.fstat(held.fileno()).st_size == len("changed through SQL + more"), 1.0)
    assert wait_for(lambda: (mnt / "f").read_text() == "changed through SQL + more", 1.0)
    q("SELECT tarbox.setxattr('/f', 'user.k', '\\x7676'::bytea)")
    assert wait_for(lambda: "user.k" in os.listxattr(mnt / "f"), 1.0)


def test_read_only_mount(tenant, tmp_path):
    """--read-only: reads work, every change fails with EROFS."""
    tenant.conn.execute("SELECT tarbox.write('/existing', 'content')")
    m = Mount(tenant, tmp_path / "ro", ["--read-only"]).start()
    try:
        assert (m / "existing").read_text() == "content"
        for action in (lambda: (m / "new").write_text("x"),
                       lambda: open(m / "existing", "a"),
                       lambda: os.mkdir(m / "d"),
                       lambda: os.unlink(m / "existing"),
                       lambda: os.chmod(m / "existing", 0o600),
                       lambda: os.setxattr(m / "existing", "user.x", b"1")):
            with pytest.raises(OSError) as exc:
                action()
            assert exc.value.errno == errno.EROFS
    finally:
        m.stop()


def test_mount_errors(tenant, tmp_path):
    """One-line errors: unknown tenant, missing or non-directory mount point, database unreachable, umount of a non-mount or a non-tarbox mount, busy mount point."""
    target = tmp_path / "m"
    target.mkdir()
    r = run_tarbox("mount", "no-such-tenant", str(target), "--dsn", tenant.dsn)
    assert r.returncode == 1 and r.stderr == "tarbox: unknown tenant no-such-tenant\n", r.stderr
    r = run_tarbox("mount", tenant.name, str(tmp_path / "missing"), "--dsn", tenant.dsn)
    assert r.returncode == 1 and "does not exist" in r.stderr and r.stderr.count("\n") == 1
    (tmp_path / "file").write_text("")
    r = run_tarbox("mount", tenant.name, str(tmp_path / "file"), "--dsn", tenant.dsn)
    assert r.returncode != 0 and "not a directory" in r.stderr
    r = run_tarbox("mount", tenant.name, str(target), "--dsn", "host=/nonexistent dbname=x")
    assert r.returncode == 1 and r.stderr.startswith("tarbox: cannot connect to the database")
    assert r.stderr.count("\n") == 1
    r = run_tarbox("umount", str(target))
    assert r.returncode == 1 and "not mounted" in r.stderr
    r = run_tarbox("umount", "/proc")
    assert r.returncode == 1 and "not a tarbox mount" in r.stderr
    m = Mount(tenant, target).start()
    try:
        r = run_tarbox("mount", tenant.name, str(target), "--dsn", tenant.dsn)
        assert r.returncode == 1 and "busy" in r.stderr, r.stderr
    finally:
        m.stop()


def test_background_mount_and_umount(tenant, tmp_path):
    """Default (background) mount returns once mounted; umount; data and fsck afterwards."""
    target = tmp_path / "bg"
    target.mkdir()
    r = run_tarbox("mount", tenant.name, str(target), "--dsn", tenant.dsn)
    assert r.returncode == 0, r.stderr
    try:
        (target / "hello").write_text("background")
        assert (target / "hello").read_text() == "background"
        out = subprocess.run(["findmnt", "-n", "-o", "FSTYPE,SOURCE", str(target)],
                             capture_output=True, text=True)
        if out.returncode == 0:
            assert out.stdout.split() == ["fuse.tarbox", f"tarbox:{tenant.name}"]
    finally:
        r = run_tarbox("umount", str(target))
        assert r.returncode == 0, r.stderr
    assert not os.path.ismount(target)
    # the daemon finishes its cleanup after the unmount
    assert wait_for(lambda: fsck(tenant) == [], 5.0)
    assert tenant.conn.execute("SELECT tarbox.read_text('/hello')").fetchone()[0] == "background"


def test_sigterm_unmounts(tenant, tmp_path):
    """SIGTERM to the mount process unmounts cleanly (exit 0)."""
    m = Mount(tenant, tmp_path / "sig").start()
    (m / "f").write_text("x")
    m.proc.terminate()
    assert m.proc.wait(timeout=20) == 0
    m.proc.stdout.close()
    m.proc = None
    assert not os.path.ismount(tmp_path / "sig")


def test_pool_connections_killed_recover(mnt, tenant, admin):
    """Connections cut under the mount (server restart, admin kill): the mount keeps
    working (idle connections are checked and replaced)."""
    (mnt / "f").write_text("x")
    time.sleep(5.5)  # let the pooled connections become idle long enough to be checked
    # The pool's backends are named tarbox-mount (not the tenant: pg_stat_activity is public);
    # this test's mount is the only one in the test database while it runs.
    killed = admin.execute("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE application_name = 'tarbox-mount' AND datname = current_database()").fetchone()[0]
    assert killed >= 1, "the mount's pool connections were found and cut"
    assert (mnt / "f").read_text() == "x"
    (mnt / "g").write_text("y")
    assert (mnt / "g").read_text() == "y"


def test_layer_switch_invalidates_everything(mnt, tenant):
    """A layer switch made elsewhere (SQL) shows through the mount within a second: names,
    contents and attributes of the other layer, read-only on a historical layer."""
    q = tenant.conn.execute
    (mnt / "f").write_text("v1")
    os.makedirs(mnt / "d" / "sub")
    (mnt / "d" / "g").write_text("g1")
    q("SELECT * FROM tarbox.layer_new('two')")
    (mnt / "f").write_text("v2 longer")
    (mnt / "new").write_text("only in two")
    os.unlink(mnt / "d" / "g")
    os.chmod(mnt / "d" / "sub", 0o700)
    assert not (mnt / "d" / "g").exists()  # negative entry cached by the kernel
    assert (mnt / "f").read_text() == "v2 longer"

    # Each observation within a second of the switch (the kernel caches are invalidated one
    # inode and one name at a time, so they need not all change at the same instant).
    q("SELECT * FROM tarbox.layer_switch('1')")
    assert wait_for(lambda: not (mnt / "new").exists(), 1.0)
    assert wait_for(lambda: (mnt / "f").read_text() == "v1", 1.0)
    assert wait_for(lambda: (mnt / "d" / "g").exists(), 1.0)
    assert (mnt / "d" / "g").read_text() == "g1"
    assert wait_for(lambda: stat.S_IMODE(os.stat(mnt / "d" / "sub").st_mode)
                    == 0o755 & ~current_umask(), 1.0)
    assert wait_for(lambda: sorted(os.listdir(mnt.path)) == ["d", "f"], 1.0)
    with pytest.raises(OSError) as exc:
        (mnt / "f").write_text("no")
    assert exc.value.errno == errno.EROFS

    q("SELECT * FROM tarbox.layer_switch('two')")
    assert wait_for(lambda: (mnt / "new").exists(), 1.0)
    assert wait_for(lambda: (mnt / "f").read_text() == "v2 longer", 1.0)
    assert wait_for(lambda: not (mnt / "d" / "g").exists(), 1.0)


def test_large_directory_listing(mnt):
    """A 1500-entry directory lists completely (several readdir batches) and without duplicates while it changes."""
    names = {f"entry-{i:05d}-{'x' * (i % 40)}" for i in range(1500)}
    os.mkdir(mnt / "big")
    for n in names:
        (mnt / "big" / n).write_bytes(b"")
    listed = os.listdir(mnt / "big")
    assert len(listed) == len(names) and set(listed) == names
    out = subprocess.run(["ls", "-la", str(mnt / "big")], capture_output=True, text=True, check=True)
    assert out.stdout.count("\n") == len(names) + 3  # total, ., ..
    with os.scandir(mnt / "big") as it:
        seen = []
        for i, e in enumerate(it):
            seen.append(e.name)
            if i == 700:  # entries removed and added while listing: none seen twice
                for n in sorted(names)[:50]:
                    os.unlink(mnt / "big" / n)
                (mnt / "big" / "added-late").write_bytes(b"")
    assert len(seen) == len(set(seen))
    subprocess.run(["rm", "-rf", str(mnt / "big")], check=True)
    assert os.listdir(mnt.path) == []


def test_rewinddir_sees_new_entries(mnt):
    """After a listing reached its end, a rewind on the same open directory lists again from
    the database: an entry added meanwhile appears (POSIX rewinddir), none twice."""
    os.mkdir(mnt / "rw")
    (mnt / "rw" / "a").write_bytes(b"")
    fd = os.open(mnt / "rw", os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert os.listdir(fd) == ["a"]       # fdopendir + readdir to the end
        assert os.listdir(fd) == ["a"]       # listdir(fd) rewinds first
        (mnt / "rw" / "b").write_bytes(b"")
        assert sorted(os.listdir(fd)) == ["a", "b"]
    finally:
        os.close(fd)


def test_request_waiting_in_the_database_does_not_stall_the_mount(mnt, tenant):
    """One request blocked in the database (on an inode lock held by an open SQL
    transaction) leaves the mount serving the others; it completes once the lock goes."""
    import threading

    (mnt / "x").write_text("x")
    ino = os.stat(mnt / "x").st_ino
    done = threading.Event()
    conn = tenant.conn
    with conn.transaction():
        conn.execute("SELECT * FROM tarbox.fs_setattr(%s, 420, NULL, NULL, NULL, NULL, NULL)",
                     (ino,))
        writer = threading.Thread(target=lambda: ((mnt / "x").write_text("z"), done.set()))
        writer.start()
        time.sleep(0.5)
        assert not done.is_set()  # waiting for the inode lock
        # Other SQL calls (create, write, read, readdir) in a thread, so that a stalled
        # mount fails the test instead of hanging it.
        other = threading.Event()
        meanwhile = threading.Thread(target=lambda: (
            (mnt / "other").write_text("meanwhile"),
            (mnt / "other").read_text() == "meanwhile" and "other" in os.listdir(mnt.path)
            and other.set()))
        meanwhile.start()
        meanwhile.join(2.0)
        assert other.is_set(), "the mount stalled behind one blocked request"
        assert not done.is_set()
    writer.join(10)
    assert done.is_set() and (mnt / "x").read_text() == "z"


def test_request_profile(tenant, tmp_path, monkeypatch):
    """TARBOX_PROFILE=<file>: at unmount the mount writes every handler's request count and
    wall time, each request counted once (also when an overriding handler calls the base)."""
    import json

    prof = tmp_path / "profile.json"
    monkeypatch.setenv("TARBOX_PROFILE", str(prof))
    m = Mount(tenant, tmp_path / "m").start()
    try:
        os.mkdir(m.path / "d")
        for i in range(3):
            with open(m.path / "d" / f"f{i}", "xb") as f:
                f.write(b"x")
    finally:
        m.stop()
    data = json.loads(prof.read_text())
    assert (data["mkdir"]["count"], data["create"]["count"], data["write"]["count"]) == (1, 3, 3)
    assert all(v["count"] > 0 and v["mean_us"] > 0 and v["max_us"] >= v["mean_us"]
               for v in data.values())


def test_mmap_and_sqlite(mnt):
    """Shared writable mmap and an SQLite database on the mount."""
    import mmap
    import sqlite3
    p = mnt / "m.bin"
    p.write_bytes(b"\0" * 100_000)
    with open(p, "r+b") as f:
        mm = mmap.mmap(f.fileno(), 0)
        mm[10:15] = b"hello"
        mm[99_990:] = b"0123456789"
        mm.flush()
        mm.close()
    data = p.read_bytes()
    assert data[10:15] == b"hello" and data[-10:] == b"0123456789" and len(data) == 100_000
    db = sqlite3.connect(mnt / "test.sqlite")
    db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
    with db:
        db.executemany("INSERT INTO t (v) VALUES (?)", [(f"value {i}",) for i in range(2000)])
    assert db.execute("SELECT count(*), max(k) FROM t").fetchone() == (2000, 2000)
    db.execute("PRAGMA integrity_check").fetchone()
    db.close()
    db = sqlite3.connect(mnt / "test.sqlite")
    assert db.execute("SELECT v FROM t WHERE k = 1234").fetchone() == ("value 1233",)
    db.close()


def test_o_append_mixed_with_sql_appends(mnt, tenant):
    """O_APPEND through the mount appends at the true end even when SQL appended meanwhile
    (the kernel's idea of the size is stale): nothing is overwritten."""
    p = mnt / "log"
    p.write_bytes(b"")
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    try:
        for i in range(20):
            os.write(fd, b"mount %02d\n" % i)
            tenant.conn.execute("SELECT tarbox.append('/log', %s::bytea)", (b"sql   %02d\n" % i,))
    finally:
        os.close(fd)
    expected = b"".join(b"mount %02d\nsql   %02d\n" % (i, i) for i in range(20))
    assert wait_for(lambda: p.read_bytes() == expected, 1.0), p.read_bytes()
    assert os.stat(p).st_size == len(expected)


def test_cp_a_preserves_modes_without_acls(mnt, tmp_path):
    """cp -a sets modes with chmod: POSIX ACL xattrs are refused (EOPNOTSUPP), never stored
    as plain xattrs that would leave the mode at cp's initial 0600."""
    src = tmp_path / "src"
    (src / "d").mkdir(parents=True)
    (src / "d" / "f").write_text("x")
    os.chmod(src / "d" / "f", 0o664)
    os.chmod(src / "d", 0o775)
    os.utime(src / "d" / "f", ns=(1_600_000_000_000_000_000, 1_600_000_000_123_456_789))
    subprocess.run(["cp", "-a", str(src / "d"), str(mnt / "d")], check=True)
    assert stat.S_IMODE(os.stat(mnt / "d" / "f").st_mode) == 0o664
    assert stat.S_IMODE(os.stat(mnt / "d").st_mode) == 0o775
    assert os.stat(mnt / "d" / "f").st_mtime_ns == 1_600_000_000_123_456_789
    for name in ("system.posix_acl_access", "system.posix_acl_default"):
        with pytest.raises(OSError) as exc:
            os.setxattr(mnt / "d", name, b"\x02\x00\x00\x00")
        assert exc.value.errno == errno.EOPNOTSUPP
    assert os.listxattr(mnt / "d" / "f") == []


def test_missing_fuse_pieces_are_one_line_errors(tenant, tmp_path, monkeypatch):
    """No fusermount3 on PATH, no /dev/fuse: one clear line each, nothing mounted."""
    target = tmp_path / "m"
    target.mkdir()
    env = dict(os.environ, PATH="/nonexistent")
    r = run_tarbox("mount", tenant.name, str(target), "--dsn", tenant.dsn, env=env)
    assert r.returncode == 1
    assert r.stderr == "tarbox: fusermount3 not found: install fuse3 (apt-get install fuse3)\n"
    from tarbox_shell.fuse import mount as mount_mod
    from tarbox_shell.errors import TarboxError
    real_exists = os.path.exists
    monkeypatch.setattr(mount_mod.os.path, "exists",
                        lambda p: False if p == "/dev/fuse" else real_exists(p))
    with pytest.raises(TarboxError) as exc:
        mount_mod.check_fuse()
    assert str(exc.value).startswith("/dev/fuse does not exist")
    assert not os.path.ismount(target)
