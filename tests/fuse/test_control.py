"""The /.tarbox control directory and layer views on a real mount, driven through the shell
(echo, cat, ls) as an agent would."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import time

import pytest

from tests.fuse.support import Mount, needs_fuse, wait_for

pytestmark = needs_fuse


def sh(cmd: str, cwd) -> subprocess.CompletedProcess:
    """Run a shell command line in ``cwd``; returns the CompletedProcess (text)."""
    return subprocess.run(["bash", "-c", cmd], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_layers_through_the_shell(mnt):
    root = mnt.path
    (root / "notes.txt").write_text("first\n")
    assert sh("cat .tarbox/layers/current", root).stdout == "1 base\n"
    r = sh("echo v1 > .tarbox/layers/new", root)
    assert r.returncode == 0, r.stderr
    assert sh("cat .tarbox/layers/current", root).stdout == "2 v1\n"
    assert "ok: layer 2 v1 is current" in sh("cat .tarbox/layers/result", root).stdout
    (root / "notes.txt").write_text("second\n")
    (root / "added.txt").write_text("new\n")
    listing = sh("cat .tarbox/layers/list", root).stdout.splitlines()
    assert [line.split()[:2] for line in listing] == [["1", "base"], ["2", "v1"]]
    assert "*current*" in listing[1] and "(read-only)" in listing[0]
    diff = sh("cat .tarbox/layers/diff", root).stdout
    assert "M /notes.txt +1 +1 -1" in diff and "A /added.txt +4 +1 -0" in diff
    r = sh("echo 'base v1 /added.txt' > .tarbox/layers/diff && cat .tarbox/layers/diff", root)
    assert r.stdout.splitlines()[1:] == ["A /added.txt +4 +1 -0"]
    tree = sh("cat .tarbox/layers/tree", root).stdout
    assert tree.startswith("* 2 v1") and "A1 M1" in tree


def test_modes_and_visibility(mnt):
    root = mnt.path
    ctl = root / ".tarbox" / "layers"
    assert stat.S_IMODE(os.stat(ctl / "new").st_mode) == 0o200
    assert stat.S_IMODE(os.stat(ctl / "switch").st_mode) == 0o200
    assert stat.S_IMODE(os.stat(ctl / "list").st_mode) == 0o444
    assert stat.S_IMODE(os.stat(ctl / "diff").st_mode) == 0o644
    assert ".tarbox" not in os.listdir(root), "the control directory is never listed"
    assert sorted(os.listdir(root / ".tarbox")) == ["audit", "control", "layers", "snapshots", "stats"]
    # Only the root's .tarbox is special: elsewhere, and .tarboxrc, are ordinary names.
    (root / ".tarboxrc").write_text("rc")
    (root / "sub").mkdir()
    (root / "sub" / ".tarbox").mkdir()
    (root / "sub" / ".tarbox" / "f").write_text("plain")
    assert (root / "sub" / ".tarbox" / "f").read_text() == "plain"
    assert sorted(os.listdir(root)) == [".tarboxrc", "sub"]
    with pytest.raises(OSError) as exc:
        (ctl / "list").write_text("x")
    assert exc.value.errno in (errno.EACCES, errno.EPERM)


def test_bad_commands_fail_with_errno_and_message(mnt):
    root = mnt.path
    r = sh("echo 'bad name!' > .tarbox/layers/new", root)
    assert r.returncode != 0 and "Invalid argument" in r.stderr
    assert sh("cat .tarbox/layers/result", root).stdout.startswith("error EINVAL: invalid layer or tag name")
    r = sh("echo nosuch > .tarbox/layers/switch", root)
    assert r.returncode != 0 and "No such file" in r.stderr
    assert sh("cat .tarbox/layers/current", root).stdout == "1 base\n", "nothing changed"
    r = sh("echo base > .tarbox/layers/drop", root)
    assert r.returncode != 0
    assert "error EPERM" in sh("cat .tarbox/layers/result", root).stdout
    # A NUL byte (it used to reach psycopg and end as EIO)
    fd = os.open(root / ".tarbox/layers/new", os.O_WRONLY | os.O_TRUNC)
    try:
        with pytest.raises(OSError) as exc:
            os.write(fd, b"v\x001\n")
        assert exc.value.errno == errno.EINVAL
    finally:
        os.close(fd)
    assert "NUL" in sh("cat .tarbox/layers/result", root).stdout
    assert sh("cat .tarbox/layers/current", root).stdout == "1 base\n", "nothing changed"


def test_switch_snapshots_and_confirmation(mnt):
    root = mnt.path
    (root / "f.txt").write_text("base content\n")
    assert sh("echo v1 > .tarbox/layers/new", root).returncode == 0
    (root / "f.txt").write_text("v1 content\n")
    (root / "g.txt").write_text("only in v1\n")
    # Every layer browsable read-only, by name and by id.
    assert sorted(os.listdir(root / ".tarbox" / "snapshots")) == ["base", "v1"]
    assert (root / ".tarbox/snapshots/base/f.txt").read_text() == "base content\n"
    assert (root / ".tarbox/snapshots/1/f.txt").read_text() == "base content\n"
    assert not (root / ".tarbox/snapshots/base/g.txt").exists()
    with pytest.raises(OSError) as exc:
        (root / ".tarbox/snapshots/base/f.txt").write_text("x")
    assert exc.value.errno == errno.EROFS
    # Switch the whole tenant to base: the mount shows base and refuses writes.
    assert sh("echo base > .tarbox/layers/switch", root).returncode == 0
    # The kernel caches are invalidated right after the command (within a second).
    assert wait_for(lambda: (root / "f.txt").read_text() == "base content\n", 1.0)
    assert wait_for(lambda: not (root / "g.txt").exists(), 1.0)
    with pytest.raises(OSError) as exc:
        (root / "h.txt").write_text("x")
    assert exc.value.errno == errno.EROFS
    # A new layer on a historical one needs confirmation.
    r = sh("echo v2 > .tarbox/layers/new", root)
    assert r.returncode != 0 and "busy" in r.stderr.lower()
    assert "confirm" in sh("cat .tarbox/layers/result", root).stdout
    assert sh("""echo '{"name": "v2", "confirm": true}' > .tarbox/layers/new""", root).returncode == 0
    assert sh("cat .tarbox/layers/current", root).stdout == "2 v2\n"
    assert sorted(os.listdir(root / ".tarbox" / "snapshots")) == ["base", "v2"]
    (root / "h.txt").write_text("writable again\n")
    # Tags.
    assert sh("echo base > .tarbox/layers/tags/release", root).returncode == 0
    assert sh("cat .tarbox/layers/tags/release", root).stdout == "1 base\n"
    assert (root / ".tarbox/snapshots/release/f.txt").read_text() == "base content\n"


def test_switch_reaches_every_mount(tenant, tmp_path):
    a = Mount(tenant, tmp_path / "a").start()
    b = Mount(tenant, tmp_path / "b").start()
    try:
        (a.path / "f.txt").write_text("one\n")
        assert (b.path / "f.txt").read_text() == "one\n"
        assert sh("echo v1 > .tarbox/layers/new", a.path).returncode == 0
        (a.path / "f.txt").write_text("two\n")
        deadline = time.monotonic() + 1.0
        while (b.path / "f.txt").read_text() != "two\n":
            assert time.monotonic() < deadline, "change from the other mount not seen in 1 s"
            time.sleep(0.05)
        tenant.conn.execute("SELECT tarbox.layer_switch('base')")
        deadline = time.monotonic() + 1.0
        while (b.path / "f.txt").read_text() != "one\n":
            assert time.monotonic() < deadline, "layer switch not seen by the other mount in 1 s"
            time.sleep(0.05)
        assert wait_for(lambda: (a.path / "f.txt").read_text() == "one\n", 1.0)
        tenant.conn.execute("SELECT tarbox.layer_switch('head')")
    finally:
        a.stop()
        b.stop()


def test_pinned_layer_mount(tenant, tmp_path):
    tenant.conn.execute("SELECT tarbox.write('/f.txt', 'old')")
    tenant.conn.execute("SELECT tarbox.layer_new('v1')")
    tenant.conn.execute("SELECT tarbox.write('/f.txt', 'new')")
    m = Mount(tenant, tmp_path / "pinned", ["--layer", "base"]).start()
    try:
        assert (m.path / "f.txt").read_text() == "old"
        with pytest.raises(OSError) as exc:
            (m.path / "g.txt").write_text("x")
        assert exc.value.errno == errno.EROFS
    finally:
        m.stop()


def test_tar_round_trip_of_a_real_tree_through_mounts(tenant, admin, tmp_path):
    """A real source tree (the docs/ of the Django sdist) extracted onto a mount with tar,
    checkpointed from the shell, changed, then exported as of the checkpoint with
    `tarbox export --layer` and imported as a layer of another tenant: mounted, it equals an
    extraction on local disk byte for byte (diff -r), and the change is not in it."""
    from tests.conftest import django_sdist_path, unique_tenant_name
    from tests.fuse.support import run_tarbox

    archive = django_sdist_path()
    local = tmp_path / "local"
    local.mkdir()
    members = "Django-5.1.4/docs"
    assert sh(f"tar xzf {archive} -C {local} {members}", tmp_path).returncode == 0
    m = Mount(tenant, tmp_path / "a").start()
    try:
        r = sh(f"tar xzf {archive} -C {m.path} {members} && echo snap > .tarbox/layers/new", m.path)
        assert r.returncode == 0, r.stderr
        (m.path / members / "conf.py").unlink()
    finally:
        m.stop()
    out = tmp_path / "base.tar"
    r = run_tarbox("--dsn", tenant.dsn, "export", "--layer", "base", f"{tenant.name}:/", str(out))
    assert r.returncode == 0, r.stderr

    other = unique_tenant_name("tar")
    admin.execute("SELECT * FROM tarbox.tenant_create(%s)", (other,))
    try:
        r = run_tarbox("--dsn", tenant.dsn, "import", "--layer", "restored", str(out), other)
        assert r.returncode == 0, r.stderr
        m2 = Mount(type(tenant)(name=other, role="", conn=None, dsn=tenant.dsn), tmp_path / "b").start()
        try:
            r = sh(f"diff -r --no-dereference {local / members} {m2.path / members}", tmp_path)
            assert r.returncode == 0, r.stdout + r.stderr
            assert (m2.path / members / "conf.py").exists()
            assert sh("cat .tarbox/layers/current", m2.path).stdout == "2 restored\n"
        finally:
            m2.stop()
    finally:
        admin.execute("SELECT tarbox.tenant_delete(%s)", (other,))
