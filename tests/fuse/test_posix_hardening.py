"""POSIX deviations found by comparing random operation sequences with ext4 and tmpfs (issue
16, items 13-17), through real mounts: times after 2262, set-user-ID/set-group-ID bits on every
data change by an unprivileged writer, shared mmap of an O_APPEND file and posix_fallocate on
one, open(O_RDONLY|O_TRUNC), xattr namespaces."""

from __future__ import annotations

import errno
import mmap
import os
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest

from tarbox_shell.db.values import NS_MAX
from tests.fuse.support import Mount, needs_fuse, needs_root, wait_for

pytestmark = needs_fuse


def test_times_after_2262_are_clamped_never_eio(mnt):
    """touch -d 2300-01-01 failed with EIO (bigint out of range); ext4 clamps to its limit
    (2446), Tarbox to its own (2262-04-11, the end of a bigint of ns)."""
    f = mnt / "f"
    f.write_bytes(b"x")
    os.utime(f, ns=(253402300799 * 10**9, 253402300799 * 10**9))   # 9999-12-31
    st = os.stat(f)
    assert st.st_mtime_ns == NS_MAX and st.st_atime_ns == NS_MAX
    r = subprocess.run(["touch", "-d", "2300-01-01", str(f)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert os.stat(f).st_mtime_ns == NS_MAX
    os.utime(f, ns=(-(1 << 64), -(1 << 64)))  # before 1677
    assert os.stat(f).st_mtime_ns == -(1 << 63)
    os.utime(f, ns=(1, 2))
    assert os.stat(f).st_mtime_ns == 2, "times in range are exact"


def test_open_rdonly_with_o_trunc_truncates(mnt):
    f = mnt / "f"
    f.write_bytes(b"content")
    os.close(os.open(f, os.O_RDONLY | os.O_TRUNC))
    assert os.stat(f).st_size == 0 and f.read_bytes() == b""


def test_shared_mmap_of_an_o_append_file(mnt):
    """A logger writing with O_APPEND and reading the same file through a shared mapping: the
    O_APPEND handle used direct I/O, which cannot be mapped shared (ENODEV)."""
    f = mnt / "log"
    f.write_bytes(b"a" * 4096)
    fd = os.open(f, os.O_RDWR | os.O_APPEND)
    try:
        m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ)
        assert m[:4] == b"aaaa"
        os.write(fd, b"tail")
        m.close()
    finally:
        os.close(fd)
    assert f.read_bytes() == b"a" * 4096 + b"tail"


def _fallocate(fd: int, mode: int, offset: int, length: int) -> int:
    """fallocate(2) through libc (the standard library has only posix_fallocate, mode 0);
    returns 0 or the errno."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.fallocate(ctypes.c_int(fd), ctypes.c_int(mode), ctypes.c_int64(offset),
                      ctypes.c_int64(length)) != 0:
        return ctypes.get_errno()
    return 0


def test_posix_fallocate_on_an_o_append_descriptor(mnt):
    """posix_fallocate on an O_APPEND descriptor returned EBADF: without a FALLOCATE handler
    glibc emulates it by writing, which an O_APPEND descriptor cannot do at an offset (ext4 and
    tmpfs allocate). Mode 0 extends the file with a hole that reads as zeros."""
    f = mnt / "log"
    f.write_bytes(b"abc")
    fd = os.open(f, os.O_WRONLY | os.O_APPEND)
    try:
        os.posix_fallocate(fd, 0, 8192)
        assert os.fstat(fd).st_size == 8192
        os.write(fd, b"end")
    finally:
        os.close(fd)
    assert f.read_bytes() == b"abc" + bytes(8189) + b"end"


def test_fallocate_modes(mnt):
    """fallocate(2): mode 0 inside the file changes nothing, past the end it extends (a hole:
    nothing stored, so st_blocks stays small); FALLOC_FL_KEEP_SIZE keeps the size;
    FALLOC_FL_PUNCH_HOLE is refused with EOPNOTSUPP (a filesystem may refuse it) and changes
    nothing; a length of 0 is EINVAL (from the kernel)."""
    keep_size, punch_hole = 1, 2
    f = mnt / "f"
    f.write_bytes(b"x" * 100)
    fd = os.open(f, os.O_RDWR)
    try:
        assert _fallocate(fd, 0, 0, 50) == 0 and os.fstat(fd).st_size == 100
        assert _fallocate(fd, keep_size, 0, 1 << 20) == 0 and os.fstat(fd).st_size == 100
        assert _fallocate(fd, 0, 1 << 20, 1 << 20) == 0
        st = os.fstat(fd)
        assert st.st_size == 2 << 20 and st.st_blocks * 512 < 1 << 20
        assert _fallocate(fd, punch_hole | keep_size, 0, 10) == errno.EOPNOTSUPP
        assert _fallocate(fd, 0, 0, 0) == errno.EINVAL
        os.posix_fallocate(fd, 0, 3 << 20)   # still served after the refusals (never ENOSYS)
        assert os.fstat(fd).st_size == 3 << 20
    finally:
        os.close(fd)
    assert f.read_bytes()[:101] == b"x" * 100 + b"\0"


def test_appends_from_elsewhere_never_leave_wrong_pages(mnt, tenant):
    """An O_APPEND write lands at the real end of file, which another writer (here SQL) may have
    moved since the kernel last saw the size: the mount's page cache must then not keep the data
    where the kernel thought it went."""
    f = mnt / "shared"
    f.write_bytes(b"0123")
    with open(f, "ab", buffering=0) as fh:
        fh.write(b"A")
        tenant.conn.execute("SELECT tarbox.append('/shared', 'S')")
        fh.write(b"B")
    want = bytes(tenant.conn.execute("SELECT tarbox.read('/shared')").fetchone()[0])
    assert want == b"0123ASB"
    assert wait_for(lambda: f.read_bytes() == want, timeout=5), f.read_bytes()


def test_xattr_names_need_a_namespace(mnt):
    f = mnt / "f"
    f.write_bytes(b"x")
    for name, code in [("user.", errno.EINVAL), ("foo.a", errno.EOPNOTSUPP), ("nodot", errno.EOPNOTSUPP)]:
        with pytest.raises(OSError) as exc:
            os.setxattr(f, name, b"v")
        assert exc.value.errno == code, name
    os.setxattr(f, "user.ok", b"v")
    assert os.listxattr(f) == ["user.ok"]


@needs_root
def test_unprivileged_writers_clear_setid_bits_on_every_path():
    """As ext4 and tmpfs: a write by a user without CAP_FSETID clears set-user-ID, and
    set-group-ID when group execution is set, whether it writes plainly, with O_APPEND (served
    without the kernel's help before), truncates, or opens with O_TRUNC (kept 06755 before);
    root's writes keep them; a set-group-ID bit without group execution stays."""
    from tests.conftest import unique_tenant_name  # a tenant of its own: allow_other mount
    import psycopg

    from tarbox_shell import db

    dsn = os.environ.get("TARBOX_TEST_DSN")
    base = tempfile.mkdtemp(prefix="tarbox-setid-")
    os.chmod(base, 0o755)
    name = unique_tenant_name("setid")
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT tarbox.tenant_create(%s)", (name,))
    conn = db.tenant_connection(name, dsn)

    class T:
        pass

    t = T()
    t.name, t.dsn, t.conn = name, dsn, conn
    m = Mount(t, os.path.join(base, "m"), ["--allow-other"]).start()
    try:
        os.chmod(m.path, 0o777)
        cases = {
            "plain": (0o6777, 0, "os.write(os.open(p, os.O_WRONLY), b'x')", 0o777),
            "append": (0o6777, 0, "os.write(os.open(p, os.O_WRONLY | os.O_APPEND), b'x')", 0o777),
            "truncate": (0o6777, 0, "os.truncate(p, 0)", 0o777),
            "o_trunc": (0o6755, 65534, "os.close(os.open(p, os.O_WRONLY | os.O_TRUNC))", 0o755),
            "o_trunc_rdonly": (0o6755, 65534, "os.close(os.open(p, os.O_RDONLY | os.O_TRUNC))", 0o755),
            "sgid_noexec": (0o2666, 0, "os.write(os.open(p, os.O_WRONLY | os.O_APPEND), b'x')", 0o2666),
        }
        for case, (mode, owner, action, _) in cases.items():
            p = m / case
            p.write_bytes(b"data")
            os.chown(p, owner, owner)
            os.chmod(p, mode)
        script = ("import os, sys\nos.setgid(65534); os.setuid(65534)\n"
                  "for case, action in zip(sys.argv[2::2], sys.argv[3::2]):\n"
                  "    p = os.path.join(sys.argv[1], case)\n    exec(action)\n")
        args = [sys.executable, "-c", script, str(m.path)]
        for case, (_, _, action, _) in cases.items():
            args += [case, action]
        r = subprocess.run(args, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        for case, (_, _, _, want) in cases.items():
            got = stat.S_IMODE(os.stat(m / case).st_mode)
            assert got == want, f"{case}: {oct(got)} != {oct(want)}"
        # root (CAP_FSETID) keeps them
        p = m / "root"
        p.write_bytes(b"data")
        os.chmod(p, 0o6777)
        with open(p, "ab") as fh:
            fh.write(b"x")
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o6777
    finally:
        m.stop()
        rows = conn.execute("SELECT * FROM tarbox.fsck()").fetchall()
        conn.close()
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute("SELECT tarbox.tenant_delete(%s)", (name,))
        shutil.rmtree(base, ignore_errors=True)
    assert rows == []
