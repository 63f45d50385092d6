"""Native mounts on real mounts: the host's /usr read-only (its python3 run through the
tenant's tree), a per-tenant read-write /venv (python -m venv, pip install of a wheel, import),
two tenants with the same {tenant_id} definition, POSIX operations passed through, the
boundary with the tree (EXDEV, EBUSY), and what stays out of PostgreSQL (layers, diffs,
snapshots)."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.fuse.support import Mount, fsck, needs_fuse, renameat2, RENAME_EXCHANGE, RENAME_NOREPLACE, wait_for
from tests.native.support import HOST_PYTHON, native_mount, six_wheel

pytestmark = needs_fuse

NATIVE_BASE, SNAP_BASE = 1 << 60, 1 << 61


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """Run a command; assert it succeeded; return it (text)."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    assert r.returncode == 0, f"{cmd} failed ({r.returncode}): {r.stdout[-1500:]} {r.stderr[-1500:]}"
    return r


def sh(cmd: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", cmd], cwd=cwd, capture_output=True, text=True, timeout=60)


def tree_rows_below(tenant, path: str) -> int:
    """Live directory entries of the tenant's tree below directory ``path`` (0 when absent)."""
    row = tenant.conn.execute(
        "SELECT count(*) FROM tarbox.dentry d WHERE d.died = 2147483647 AND d.parent_ino = "
        "(SELECT ino FROM tarbox.stat(%s))", (path,)).fetchone()
    return row[0]


def test_usr_read_only_runs_the_hosts_python(tenant, tmp_path):
    m = native_mount(tenant, tmp_path, {"mount_path": "/usr", "source_path": "/usr", "mode": "ro"})
    try:
        py = m.path / "usr/bin/python3"
        probe = "import sys, json, email; print(json.dumps([sys.version, sys.prefix, email.__file__]))"
        version, prefix, module = json.loads(run([str(py), "-c", probe]).stdout)
        assert version == json.loads(run([HOST_PYTHON, "-c", probe]).stdout)[0], "the host's interpreter"
        assert prefix == str(m.path / "usr") and module.startswith(str(m.path / "usr/lib/python3")), \
            "... running from the tenant's tree, with its standard library read through the mount"
        run([str(py), "-c", "import sqlite3, ssl, email.mime.text"])  # extension modules load too
        st = os.stat(py)
        assert NATIVE_BASE <= st.st_ino < SNAP_BASE, "native inode numbers have their own range"
        assert os.stat(py).st_ino == st.st_ino, "and are stable"
        assert sorted(os.listdir(m.path / "usr")) == sorted(os.listdir("/usr"))
        for attempt in (lambda: (m.path / "usr/tarbox-probe").write_text("x"),
                        lambda: os.mkdir(m.path / "usr/probe-dir"),
                        lambda: os.chmod(m.path / "usr/bin/python3", 0o700),
                        lambda: os.utime(m.path / "usr/bin"),
                        lambda: os.unlink(m.path / "usr/bin/python3"),
                        lambda: open(m.path / "usr/bin/python3", "r+b")):
            with pytest.raises(OSError) as exc:
                attempt()
            assert exc.value.errno == errno.EROFS
        assert not os.path.exists("/usr/tarbox-probe")
        # The tree outside the mount is ordinary and writable.
        (m.path / "notes.txt").write_text("in the tree\n")
    finally:
        m.stop()
    assert tree_rows_below(tenant, "/usr") == 0, "nothing below the mount point is stored"
    ls = tenant.conn.execute("SELECT name, type, target FROM tarbox.ls('/') ORDER BY name").fetchall()
    assert ls == [("notes.txt", "file", None), ("usr", "dir", None)], \
        "a --config mount is not a stored definition: SQL sees the (empty) mount point directory"
    assert fsck(tenant) == []


def test_venv_pip_install_and_import(tenant, tmp_path):
    wheel = six_wheel()
    venvs = tmp_path / "venvs"
    m = native_mount(tenant, tmp_path,
                     {"mount_path": "/usr", "source_path": "/usr", "mode": "ro"},
                     {"mount_path": "/venv", "source_path": f"{venvs}/{{tenant}}", "mode": "rw"})
    try:
        venv = m.path / "venv"
        run([str(m.path / "usr/bin/python3"), "-m", "venv", str(venv)])
        run([str(venv / "bin/pip"), "install", "--no-index", "--no-cache-dir", "--disable-pip-version-check",
             str(wheel)])
        r = run([str(venv / "bin/python"), "-c", "import six, sys; print(six.__version__, six.__file__, sys.prefix)"])
        version, path, prefix = r.stdout.split()
        assert wheel.name.startswith(f"six-{version}-")
        assert path.startswith(str(venv)) and prefix == str(venv)
        host_dir = venvs / tenant.name
        assert (host_dir / "pyvenv.cfg").is_file(), "the venv lives on the host directory"
        assert list(host_dir.glob("lib/python3*/site-packages/six.py")), "six was installed there"
        # A checkpoint and its diff know nothing of it; the snapshot shows an empty mount point.
        (m.path / "app.py").write_text("import six\n")
        assert sh("echo v1 > .tarbox/layers/new", m.path).returncode == 0
        run([str(venv / "bin/pip"), "uninstall", "-y", "-q", "six"])
        (m.path / "app.py").write_text("import six  # v1\n")
        (m.path / "v1-only.txt").write_text("v1\n")
        diff = sh("echo 'base current' > .tarbox/layers/diff && cat .tarbox/layers/diff", m.path).stdout
        assert "/venv/" not in diff and "site-packages" not in diff, diff
        assert os.listdir(m.path / ".tarbox/snapshots/base/venv") == []
        assert os.listdir(m.path / ".tarbox/snapshots/v1/venv") == []
        assert (m.path / "venv/pyvenv.cfg").is_file(), "the control directory and snapshots coexist with it"
        # Switching layers keeps the native mount (it is not layered).
        assert sh("echo base > .tarbox/layers/switch", m.path).returncode == 0
        assert wait_for(lambda: not (m.path / "v1-only.txt").exists(), 2.0)
        assert (m.path / "venv/pyvenv.cfg").is_file()
        assert sh("echo head > .tarbox/layers/switch", m.path).returncode == 0
    finally:
        m.stop()
    rows = tenant.conn.execute("SELECT path FROM tarbox.diff('base', 'v1')").fetchall()
    assert sorted(r[0] for r in rows) == ["/app.py", "/v1-only.txt"], rows
    assert tree_rows_below(tenant, "/venv") == 0
    assert fsck(tenant) == []


def test_two_tenants_with_the_same_definition_get_separate_directories(admin, dsn, tmp_path):
    from tests.conftest import Tenant, unique_tenant_name
    from tarbox_shell import db

    point = f"/scratch{uuid.uuid4().hex[:8]}"
    base = tmp_path / "per-tenant"
    mount_id = admin.execute("SELECT tarbox.native_add(%s, %s, 'rw')", (point, f"{base}/{{tenant_id}}")).fetchone()[0]
    tenants = []
    mounts = []
    try:
        for i in range(2):
            name = unique_tenant_name(f"two{i}")
            row = admin.execute("SELECT * FROM tarbox.tenant_create(%s)", (name,)).fetchone()
            tenants.append(Tenant(name=name, role=row[2], conn=db.tenant_connection(name, dsn), dsn=dsn))
        for i, t in enumerate(tenants):
            m = Mount(t, tmp_path / f"m{i}").start()
            mounts.append(m)
            (m.path / point.lstrip("/") / "owner.txt").write_text(t.name)
        dirs = sorted(p.name for p in base.iterdir())
        assert len(dirs) == 2 and dirs[0] != dirs[1], "one host directory per tenant id"
        for i, t in enumerate(tenants):
            tid = t.role.rsplit("_", 1)[1]
            assert (base / tid / "owner.txt").read_text() == t.name
            assert (mounts[i].path / point.lstrip("/") / "owner.txt").read_text() == t.name, "each sees its own"
            row = t.conn.execute("SELECT type, convert_from(target, 'UTF8') FROM tarbox.stat(%s)", (point,)).fetchone()
            assert row == ("native", f"{base}/{tid}"), "tarbox.stat reports the mount point and its source"
            with pytest.raises(Exception) as exc:
                t.conn.execute("SELECT tarbox.write(%s, 'x')", (point + "/sql.txt",))
            assert getattr(exc.value, "sqlstate", None) == "TX066"
    finally:
        for m in mounts:
            m.stop()
        admin.execute("SELECT tarbox.native_rm(%s)", (mount_id,))
        for t in tenants:
            problems = t.conn.execute("SELECT * FROM tarbox.fsck()").fetchall()
            t.conn.close()
            admin.execute("SELECT tarbox.tenant_delete(%s)", (t.name,))
            assert problems == []


@pytest.fixture
def rw(tenant, tmp_path):
    """(mount, host directory) of a read-write native mount at /work."""
    src = tmp_path / "src"
    src.mkdir()
    m = native_mount(tenant, tmp_path, {"mount_path": "/work", "source_path": str(src), "mode": "rw"},
                     extra=["--allow-other"])
    try:
        yield m, src
    finally:
        m.stop()
    assert tree_rows_below(tenant, "/work") == 0
    assert fsck(tenant) == []


def test_posix_operations_pass_through(rw):
    m, src = rw
    w = m.path / "work"
    # write at offsets, sparse, truncate
    with open(w / "f.bin", "wb") as f:
        f.write(b"hello")
        os.pwrite(f.fileno(), b"XY", 100)
        os.fsync(f.fileno())
    assert (src / "f.bin").read_bytes() == b"hello" + bytes(95) + b"XY"
    os.truncate(w / "f.bin", 3)
    assert (src / "f.bin").read_bytes() == b"hel"
    with open(w / "f.bin", "ab") as f:
        f.write(b"+app")
    assert (w / "f.bin").read_bytes() == b"hel+app"
    # attributes
    os.chmod(w / "f.bin", 0o640)
    os.chown(w / "f.bin", 1234, 5678)
    os.utime(w / "f.bin", ns=(1_500_000_000_111_222_333, 1_600_000_000_123_456_789))
    st = os.stat(src / "f.bin")
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_mtime_ns) == (0o640, 1234, 5678, 1_600_000_000_123_456_789)
    assert os.stat(w / "f.bin").st_mtime_ns == 1_600_000_000_123_456_789
    # directories, symlinks, hard links, FIFOs
    os.makedirs(w / "a/b/c")
    os.symlink("../f.bin", w / "a/link")
    assert os.readlink(w / "a/link") == "../f.bin" and os.readlink(src / "a/link") == "../f.bin"
    assert (w / "a/link").read_bytes() == b"hel+app"
    os.utime(w / "a/link", ns=(1, 2_000_000_000), follow_symlinks=False)
    assert os.lstat(src / "a/link").st_mtime_ns == 2_000_000_000
    os.link(w / "f.bin", w / "a/hard")
    assert os.stat(w / "f.bin").st_nlink == 2 and os.stat(w / "a/hard").st_ino == os.stat(w / "f.bin").st_ino
    os.mkfifo(w / "fifo")
    assert stat.S_ISFIFO(os.stat(src / "fifo").st_mode)
    # xattrs
    os.setxattr(w / "f.bin", "user.tag", b"v1")
    assert os.getxattr(src / "f.bin", "user.tag") == b"v1"
    assert "user.tag" in os.listxattr(w / "f.bin")
    os.removexattr(w / "f.bin", "user.tag")
    with pytest.raises(OSError) as exc:
        os.getxattr(w / "f.bin", "user.tag")
    assert exc.value.errno == errno.ENODATA
    # renames, including renameat2 flags
    os.rename(w / "a/hard", w / "a/b/moved")
    (w / "x").write_text("x")
    (w / "y").write_text("y")
    with pytest.raises(OSError) as exc:
        renameat2(w / "x", w / "y", RENAME_NOREPLACE)
    assert exc.value.errno == errno.EEXIST
    renameat2(w / "x", w / "y", RENAME_EXCHANGE)
    assert (src / "x").read_text() == "y" and (src / "y").read_text() == "x"
    # a listing bigger than one kernel buffer, complete and with attributes
    os.mkdir(w / "many")
    for i in range(600):
        (w / "many" / f"file-{i:04d}").write_text(str(i))
    assert sorted(os.listdir(w / "many")) == [f"file-{i:04d}" for i in range(600)]
    assert sum(os.stat(w / "many" / f"file-{i:04d}").st_size for i in range(600)) == sum(len(str(i)) for i in range(600))
    # unlinked while open
    with open(w / "y", "r+") as f:
        os.unlink(w / "y")
        assert f.read() == "x"
    os.rmdir(w / "a/b/c")
    assert not (src / "a/b/c").exists()
    # changes made on the host show through the mount (within the 1 s cache timeout)
    (src / "from-host.txt").write_text("host")
    assert wait_for(lambda: (w / "from-host.txt").exists(), 2.0)
    assert (w / "from-host.txt").read_text() == "host"


def test_statfs_and_fallocate_pass_through(rw):
    """statfs(2) below the mount point gives the host filesystem's figures (the tree's are the
    tenant's nominal 1 TiB), and fallocate(2) reaches the host file, O_APPEND included."""
    m, src = rw
    w = m.path / "work"
    host, below, tree = os.statvfs(src), os.statvfs(w), os.statvfs(m.path)
    assert (below.f_blocks, below.f_frsize, below.f_files) == (host.f_blocks, host.f_frsize, host.f_files)
    assert (tree.f_blocks, tree.f_frsize) != (host.f_blocks, host.f_frsize)
    (w / "d").mkdir()
    assert os.statvfs(w / "d").f_blocks == host.f_blocks
    fd = os.open(w / "log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, b"abc")
        os.posix_fallocate(fd, 0, 65536)
    finally:
        os.close(fd)
    assert os.stat(src / "log").st_size == 65536
    assert (src / "log").read_bytes()[:4] == b"abc\0"


def test_new_files_belong_to_the_caller(tenant):
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="tarbox-native-own-"))
    os.chmod(base, 0o755)
    (base / "src").mkdir(mode=0o777)
    os.chmod(base / "src", 0o777)
    m = native_mount(tenant, base, {"mount_path": "/work", "source_path": str(base / "src"), "mode": "rw"},
                     extra=["--allow-other"])
    try:
        w, src = m.path / "work", base / "src"
        os.mkdir(w / "shared")
        os.chown(w / "shared", 0, 4242)
        os.chmod(w / "shared", 0o2777)

        def as_user():
            os.setgid(2000)
            os.setuid(1500)

        script = (f"import os; open('{w}/mine.txt', 'w').write('x'); os.mkdir('{w}/mydir'); "
                  f"os.symlink('t', '{w}/mylink'); os.mkfifo('{w}/myfifo'); open('{w}/shared/g.txt', 'w').close(); "
                  f"os.mkdir('{w}/shared/sub')")
        r = subprocess.run([HOST_PYTHON, "-c", script], preexec_fn=as_user, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        for name in ("mine.txt", "mydir", "mylink", "myfifo"):
            st = os.lstat(src / name)
            assert (st.st_uid, st.st_gid) == (1500, 2000), name
        assert os.stat(src / "shared/g.txt")[stat.ST_GID] == 4242, "a set-group-ID directory gives its group"
        st = os.stat(src / "shared/sub")
        assert st.st_gid == 4242 and st.st_mode & stat.S_ISGID, "... and its set-group-ID bit to new directories"
        r = subprocess.run([HOST_PYTHON, "-c", f"import os; os.chown('{w}/mine.txt', 0, 0)"], preexec_fn=as_user,
                           capture_output=True, text=True, timeout=60)
        assert "PermissionError" in r.stderr, "the kernel checks the caller's rights (default_permissions)"
    finally:
        m.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_the_boundary_with_the_tree(rw, tenant):
    m, src = rw
    w = m.path / "work"
    (m.path / "tree.txt").write_text("tree")
    (w / "host.txt").write_text("host")
    for a, b in ((m.path / "tree.txt", w / "tree.txt"), (w / "host.txt", m.path / "host.txt")):
        with pytest.raises(OSError) as exc:
            os.rename(a, b)
        assert exc.value.errno == errno.EXDEV
        with pytest.raises(OSError) as exc:
            os.link(a, b)
        assert exc.value.errno == errno.EXDEV
    assert run(["mv", str(w / "host.txt"), str(m.path / "moved.txt")]) and (m.path / "moved.txt").read_text() == "host"
    assert not (src / "host.txt").exists(), "mv copies across the boundary, as across filesystems"
    for attempt, code in ((lambda: os.rmdir(w), errno.EBUSY), (lambda: os.rename(w, m.path / "elsewhere"), errno.EBUSY),
                          (lambda: os.mkdir(w), errno.EEXIST)):
        with pytest.raises(OSError) as exc:
            attempt()
        assert exc.value.errno == code
    (m.path / "dir").mkdir()
    with pytest.raises(OSError) as exc:
        os.rename(m.path / "dir", w)
    assert exc.value.errno == errno.EBUSY, "nothing replaces a mount point"
    assert [e for e in os.listdir(m.path) if e == "work"] == ["work"]
    assert stat.S_ISDIR(os.stat(w).st_mode) and os.stat(w).st_ino >= NATIVE_BASE
    # '..' of the mount point is the tree's root, never the host directory's parent
    assert sorted(os.listdir(w / "..")) == sorted(os.listdir(m.path))
    assert os.stat(w / "..").st_ino == 1


def test_ro_definitions_and_read_only_mounts(tenant, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("data")
    m = native_mount(tenant, tmp_path, {"mount_path": "/work", "source_path": str(src), "mode": "rw"},
                     extra=["--read-only"])
    try:
        assert (m.path / "work/f").read_text() == "data"
        with pytest.raises(OSError) as exc:
            (m.path / "work/g").write_text("x")
        assert exc.value.errno == errno.EROFS, "a read-only mount makes rw definitions read-only too"
    finally:
        m.stop()


def test_missing_sources_and_bad_configs_are_one_line_errors(tenant, tmp_path):
    from tests.fuse.support import run_tarbox
    from tests.native.support import write_config

    target = tmp_path / "m"
    target.mkdir()
    cfg = write_config(tmp_path / "c.toml", {"mount_path": "/data", "source_path": str(tmp_path / "nope"), "mode": "ro"})
    r = run_tarbox("mount", tenant.name, str(target), "--dsn", tenant.dsn, "--config", str(cfg))
    assert r.returncode == 1
    assert r.stderr == f"tarbox: native mount /data (config): source directory {tmp_path / 'nope'} does not exist\n"
    cfg = write_config(tmp_path / "c.toml", {"mount_path": "/data", "source_path": "/srv", "mode": "ro", "size": 3})
    r = run_tarbox("mount", tenant.name, str(target), "--dsn", tenant.dsn, "--config", str(cfg))
    assert r.returncode == 1 and r.stderr.startswith("tarbox: native mount #1: unknown key 'size'")
    assert not os.path.ismount(target)


def test_nested_mounts_and_a_pinned_layer(tenant, tmp_path):
    """/data from one host directory and /data/raw (inside it) from another: the longer
    mount point wins below it, and both are there in a --layer mount too (read-only)."""
    outer, inner = tmp_path / "outer", tmp_path / "inner"
    outer.mkdir()
    inner.mkdir()
    (outer / "o.txt").write_text("outer")
    (inner / "i.txt").write_text("inner")
    mounts = ({"mount_path": "/data", "source_path": str(outer), "mode": "rw"},
              {"mount_path": "/data/raw", "source_path": str(inner), "mode": "rw"})
    m = native_mount(tenant, tmp_path, *mounts)
    try:
        assert (m.path / "data/o.txt").read_text() == "outer"
        assert (m.path / "data/raw/i.txt").read_text() == "inner"
        assert not (outer / "raw").exists(), "the inner mount point needs no directory on the host"
        (m.path / "data/raw/new.txt").write_text("to inner")
        assert (inner / "new.txt").read_text() == "to inner"
        with pytest.raises(OSError) as exc:
            os.rename(m.path / "data/o.txt", m.path / "data/raw/o.txt")
        assert exc.value.errno == errno.EXDEV, "two native mounts are two filesystems"
        with pytest.raises(OSError) as exc:
            os.rmdir(m.path / "data")
        assert exc.value.errno == errno.EBUSY
        assert sh("echo v1 > .tarbox/layers/new", m.path).returncode == 0
    finally:
        m.stop()
    pinned = native_mount(tenant, tmp_path, *mounts, name="pinned", extra=["--layer", "base"])
    try:
        assert (pinned.path / "data/raw/new.txt").read_text() == "to inner"
        with pytest.raises(OSError) as exc:
            (pinned.path / "data/raw/more.txt").write_text("x")
        assert exc.value.errno == errno.EROFS
    finally:
        pinned.stop()


def test_more_inodes_than_descriptors(tenant, tmp_path, monkeypatch):
    """A mount allowed 32 descriptors walks /usr/lib/python3* (thousands of entries) and runs
    the host's python3 through it: inodes whose descriptor was closed are reopened by name."""
    import glob

    monkeypatch.setenv("TARBOX_NATIVE_MAX_FDS", "32")
    m = native_mount(tenant, tmp_path, {"mount_path": "/usr", "source_path": "/usr", "mode": "ro"})
    try:
        lib = sorted(glob.glob("/usr/lib/python3.[0-9]*"))[0]

        def walk(root: str) -> list[tuple]:
            out = []
            for dirpath, dirnames, filenames in os.walk(root):
                for name in dirnames + filenames:
                    st = os.lstat(os.path.join(dirpath, name))
                    out.append((os.path.relpath(os.path.join(dirpath, name), root), stat.S_IFMT(st.st_mode), st.st_size))
            return sorted(out)

        host = walk(lib)
        assert len(host) > 500
        assert walk(str(m.path) + lib) == host
        version = run([str(m.path / "usr/bin/python3"), "-c", "import email, json, sqlite3, sys; print(sys.version)"])
        assert version.stdout.strip()
        fds = len(os.listdir(f"/proc/{m.proc.pid}/fd"))
        assert fds < 32 + 60, f"{fds} descriptors open in the mount process"
    finally:
        m.stop()
