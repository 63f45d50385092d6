"""The mount helper ``mount.fuse.tarbox`` driven exactly as standard filesystem test harnesses
drive a filesystem: ``mount -t fuse.tarbox``, an ``/etc/fstab``-style line (``mount --fstab``),
``mount -o remount,ro`` and back (handed to the running mount: still one daemon), ``umount
DIR`` and ``umount tarbox:TENANT``, then mounting again and finding everything written before.

The helper is installed as /sbin/mount.fuse.tarbox for these tests (a wrapper running this
checkout's interpreter) and whatever was there is put back afterwards."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tarbox_shell.fuse.mount import find_mount, mount_options
from tests.fuse.support import needs_fuse, needs_root, wait_for
from tests.native.support import write_config

pytestmark = [needs_fuse, needs_root]

HELPER = Path("/sbin/mount.fuse.tarbox")


@pytest.fixture(scope="module")
def helper():
    """Install /sbin/mount.fuse.tarbox for the module; restore the previous one afterwards."""
    if shutil.which("mount") is None:
        pytest.skip("no mount(8)")
    saved = None
    if HELPER.is_symlink():
        saved = ("link", os.readlink(HELPER))
    elif HELPER.exists():
        saved = ("file", HELPER.read_bytes())
    tmp = HELPER.with_name(HELPER.name + ".test-tmp")
    tmp.write_text(f'#!/bin/sh\nexec {sys.executable} -m tarbox_shell.cli.mount_helper "$@"\n')
    tmp.chmod(0o755)
    os.replace(tmp, HELPER)
    try:
        yield HELPER
    finally:
        HELPER.unlink()
        if saved is not None and saved[0] == "link":
            os.symlink(saved[1], HELPER)
        elif saved is not None:
            HELPER.write_bytes(saved[1])
            HELPER.chmod(0o755)


def uri(dsn: str) -> str:
    """The libpq key/value DSN as a URI (no spaces or commas: it fits in a mount option)."""
    parts = dict(p.split("=", 1) for p in dsn.split())
    host = parts.pop("host")
    db = parts.pop("dbname")
    query = "&".join([f"host={host}"] + [f"{k}={v}" for k, v in parts.items()])
    return f"postgresql:///{db}?{query}"


def sh(*cmd: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **(env or {})))


def daemons(target: Path) -> list[int]:
    """Pids of processes whose command line names the mount point (the helper's daemon)."""
    pids = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if os.fsencode(str(target)) in cmd and any(b"mount_helper" in c for c in cmd):
            pids.append(int(p.name))
    return pids


def unmounted(target: Path) -> bool:
    return find_mount(str(target)) is None and not daemons(target)


def test_mount_t_fuse_tarbox_with_options(helper, tenant, tmp_path):
    tenant.conn.execute("SELECT tarbox.write('/hello.txt', 'from base')")
    tenant.conn.execute("SELECT tarbox.layer_new('v1')")
    tenant.conn.execute("SELECT tarbox.write('/hello.txt', 'from v1')")
    cfg = write_config(tmp_path / "native.toml", {"mount_path": "/usr", "source_path": "/usr", "mode": "ro"})
    target = tmp_path / "m"
    target.mkdir()
    r = sh("mount", "-t", "fuse.tarbox", f"tarbox:{tenant.name}", str(target),
           "-o", f"ro,allow_other,config={cfg},layer=base", env={"TARBOX_DSN": tenant.dsn})  # DSN from the environment
    assert r.returncode == 0, r.stderr
    try:
        # served as soon as mount(8) returns
        assert (target / "hello.txt").read_text() == "from base", "layer=base pinned the mount"
        assert (target / "usr/bin").is_dir(), "config= added the native mount"
        assert find_mount(str(target)) == ("fuse.tarbox", f"tarbox:{tenant.name}")
        assert {"ro", "nosuid", "nodev", "noatime"} <= mount_options(str(target))
        assert "allow_other" in open("/proc/mounts").read().split(str(target), 1)[1].split("\n", 1)[0]
        with pytest.raises(OSError) as exc:
            (target / "new.txt").write_text("x")
        assert exc.value.errno == errno.EROFS
    finally:
        r = sh("umount", str(target))
        assert r.returncode == 0, r.stderr
    assert wait_for(lambda: unmounted(target), 20.0), "the daemon exits after umount"


def test_fstab_line_remount_umount_and_mount_again(helper, tenant, tmp_path):
    target = tmp_path / "fs"
    target.mkdir()
    src = tmp_path / "venvs"
    cfg = write_config(tmp_path / "native.toml", {"mount_path": "/venv", "source_path": f"{src}/{{tenant}}", "mode": "rw"})
    fstab = tmp_path / "fstab"
    fstab.write_text(f"# a Tarbox tenant\ntarbox:{tenant.name} {target} fuse.tarbox "
                     f"defaults,noauto,allow_other,config={cfg},dsn={uri(tenant.dsn)} 0 0\n")
    r = sh("mount", "--fstab", str(fstab), str(target))
    assert r.returncode == 0, r.stderr
    try:
        (target / "written-before.txt").write_text("kept\n")
        (target / "venv/native.txt").write_text("on the host\n")
        pids = daemons(target)
        assert len(pids) == 1, pids

        r = sh("mount", "-o", "remount,ro", str(target))
        assert r.returncode == 0, r.stderr
        assert "ro" in mount_options(str(target))
        for path in (target / "ro.txt", target / "venv/ro.txt"):
            with pytest.raises(OSError) as exc:
                path.write_text("x")
            assert exc.value.errno == errno.EROFS
        assert (target / "written-before.txt").read_text() == "kept\n"

        r = sh("mount", "-o", "remount,rw", str(target))
        assert r.returncode == 0, r.stderr
        assert "rw" in mount_options(str(target))
        (target / "after-remount.txt").write_text("rw again\n")
        (target / "venv/after.txt").write_text("rw again\n")
        assert daemons(target) == pids, "the remounts were handed to the running mount"
    finally:
        r = sh("umount", str(target))
        assert r.returncode == 0, r.stderr
    assert wait_for(lambda: unmounted(target), 20.0)

    r = sh("mount", "--fstab", str(fstab), str(target))
    assert r.returncode == 0, r.stderr
    try:
        assert (target / "written-before.txt").read_text() == "kept\n"
        assert (target / "after-remount.txt").read_text() == "rw again\n"
        assert (target / "venv/native.txt").read_text() == "on the host\n"
        assert (src / tenant.name / "after.txt").read_text() == "rw again\n"
    finally:
        r = sh("umount", f"tarbox:{tenant.name}")
        assert r.returncode == 0, r.stderr
    assert wait_for(lambda: unmounted(target), 20.0), "umount tarbox:TENANT works too"


def test_helper_errors_are_one_line(helper, tenant, tmp_path):
    target = tmp_path / "e"
    target.mkdir()
    cases = [
        (["mount", "-t", "fuse.tarbox", tenant.name, str(target)], 1,
         f"source '{tenant.name}' is not tarbox:TENANT"),
        (["mount", "-t", "fuse.tarbox", f"tarbox:{tenant.name}", str(target), "-o", "colour=red"], 1,
         "unknown option 'colour=red'"),
        (["mount", "-t", "fuse.tarbox", "tarbox:no-such-tenant", str(target), "-o", f"dsn={uri(tenant.dsn)}"], 32,
         "unknown tenant no-such-tenant"),
        (["mount", "-t", "fuse.tarbox", f"tarbox:{tenant.name}", str(target), "-o", "remount,ro"], 32,
         "is not a tarbox mount: nothing to remount"),
    ]
    for cmd, status, message in cases:
        r = sh(*cmd)
        assert r.returncode == status, (cmd, r.returncode, r.stderr)
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        assert lines and lines[0].startswith("mount.fuse.tarbox: ") and message in lines[0], r.stderr
        assert "Traceback" not in r.stderr
    assert find_mount(str(target)) is None
