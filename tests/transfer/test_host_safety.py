"""What a tenant made must not become a weapon on the host (issue 16, item 11): ``tarbox export``
and ``tarbox get`` used to bring setuid/setgid files owned by root and device nodes onto the
host, and ``get`` replaced a device, FIFO or symlink at the destination with a regular file
(``tarbox get T:/f /dev/full`` wrote a 4 GB temporary file into devtmpfs, left there when the
command was killed). These run as root, where it matters."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time


from tests.fuse.support import needs_root, run_tarbox

pytestmark = needs_root


def _tenant_tree(conn) -> None:
    conn.execute("SELECT tarbox.mkdir('/t')")
    conn.execute("SELECT tarbox.write('/t/suid', '#!/bin/sh\\n')")
    conn.execute("SELECT tarbox.chmod('/t/suid', 3565)")        # 06755
    conn.execute("SELECT tarbox.chown('/t/suid', 0, 0)")
    conn.execute("SELECT tarbox.write('/t/theirs', 'x')")
    conn.execute("SELECT tarbox.chown('/t/theirs', 1234, 5678)")
    conn.execute("SELECT tarbox.mknod('/t/null', 8630, %s)", (os.makedev(1, 3),))   # char 1,3
    conn.execute("SELECT tarbox.mknod('/t/sda', 25008, %s)", (os.makedev(8, 0),))   # block 8,0
    conn.execute("SELECT tarbox.mknod('/t/fifo', 4516)")
    conn.execute("SELECT tarbox.mkdir('/t/sgid-dir', 1517)")    # 02755


def test_export_is_safe_by_default_and_faithful_on_request(tenant, tmp_path):
    _tenant_tree(tenant.conn)
    safe = tmp_path / "safe"
    r = run_tarbox("--dsn", tenant.dsn, "export", tenant.tpath("/t"), str(safe))
    assert r.returncode == 0, r.stderr
    assert "skipped 2 device nodes" in r.stdout
    assert stat.S_IMODE((safe / "suid").stat().st_mode) == 0o755, "no set-user-ID/set-group-ID bits"
    assert stat.S_IMODE((safe / "sgid-dir").stat().st_mode) == 0o755
    assert not (safe / "null").exists() and not (safe / "sda").exists(), "no device nodes"
    assert stat.S_ISFIFO((safe / "fifo").lstat().st_mode), "a FIFO is harmless and copied"
    assert ((safe / "theirs").stat().st_uid, (safe / "theirs").stat().st_gid) == (0, 0), "no owner change"
    full = tmp_path / "full"
    r = run_tarbox("--dsn", tenant.dsn, "export", "--archive", tenant.tpath("/t"), str(full))
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE((full / "suid").stat().st_mode) == 0o6755
    assert stat.S_ISCHR((full / "null").lstat().st_mode) and (full / "null").lstat().st_rdev == os.makedev(1, 3)
    assert stat.S_ISBLK((full / "sda").lstat().st_mode)
    assert ((full / "theirs").stat().st_uid, (full / "theirs").stat().st_gid) == (1234, 5678)


def test_get_is_safe_by_default(tenant, tmp_path):
    _tenant_tree(tenant.conn)
    dest = tmp_path / "suid"
    r = run_tarbox("--dsn", tenant.dsn, "get", tenant.tpath("/t/suid"), str(dest))
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(dest.stat().st_mode) == 0o755 & ~os.umask(os.umask(0))
    kept = tmp_path / "kept"
    r = run_tarbox("--dsn", tenant.dsn, "get", "--archive", tenant.tpath("/t/theirs"), str(kept))
    assert r.returncode == 0, r.stderr
    assert (kept.stat().st_uid, kept.stat().st_gid) == (1234, 5678)


def test_get_never_writes_through_special_files(tenant, tmp_path):
    tenant.conn.execute("SELECT tarbox.write('/f', 'tenant data')")
    victim = tmp_path / "victim"
    victim.write_bytes(b"host data")
    link = tmp_path / "link"
    link.symlink_to(victim)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target in (link, fifo, "/dev/full", "/dev/null"):
        before = sorted(os.listdir(os.path.dirname(target)))
        r = run_tarbox("--dsn", tenant.dsn, "get", tenant.tpath("/f"), str(target), timeout=20)
        assert r.returncode == 1 and "refusing to write" in r.stderr, (target, r.stderr)
        assert sorted(os.listdir(os.path.dirname(target))) == before, "no temporary file left"
    assert victim.read_bytes() == b"host data" and link.is_symlink()
    # An existing regular file is written through (same inode, its mode kept), as cp does.
    victim.chmod(0o640)
    ino = victim.stat().st_ino
    r = run_tarbox("--dsn", tenant.dsn, "get", tenant.tpath("/f"), str(victim))
    assert r.returncode == 0, r.stderr
    assert victim.read_bytes() == b"tenant data" and victim.stat().st_ino == ino
    assert stat.S_IMODE(victim.stat().st_mode) == 0o640


def test_a_killed_get_leaves_no_file(tenant, tmp_path):
    """SIGKILL in the middle of a large get: the new file had no name yet (O_TMPFILE)."""
    tenant.conn.execute("SELECT tarbox.write('/big', '')")
    tenant.conn.execute("SELECT tarbox.truncate('/big', %s)", (4 << 30,))
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "tarbox_shell", "--dsn", tenant.dsn, "get",
                             tenant.tpath("/big"), str(out / "big")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    fds = []
    while time.monotonic() < deadline and not fds:  # wait until it is writing its file
        try:
            fds = [os.readlink(f"/proc/{proc.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{proc.pid}/fd")]
        except OSError:
            pass
        fds = [f for f in fds if f.startswith(str(out))]
        time.sleep(0.05)
    assert fds, "the get started writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert os.listdir(out) == [], "nothing left behind"
