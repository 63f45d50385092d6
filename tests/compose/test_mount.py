"""Composition through real FUSE mounts (issue 15 item 4): tenant A imports part of the Django
sdist (``django/contrib/admin``: 816 entries of sources, templates, static files and
translations) and publishes that layer; B and C compose it read-only; what each mount shows,
what they may not do (EROFS), what A keeps, and revocation.

Part, not all, of the sdist: importing its 10,042 entries takes 5 to 15 minutes on the shared
2-CPU test machine (measured while writing this test; the import timed out once inside
``make test``), and a composition's behaviour does not depend on the size of the publication
(bench part E mounts a 10,000-file one). ``tests/fuse/test_workload.py`` extracts the whole
sdist through a mount."""

from __future__ import annotations

import errno
import filecmp
import hashlib
import os
import tarfile

import pytest

from tests.conftest import DJANGO_VERSION
from tests.fuse.support import Mount, run_tarbox, wait_for
from tests.compose.support import check, expect_errno

ADMIN = f"Django-{DJANGO_VERSION}/django/contrib/admin/"


def _tree_digest(root) -> dict[str, str]:
    """Relative path -> sha256 of each regular file, 'dir', or the link target, below root."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            out[os.path.relpath(p, root)] = "link:" + os.readlink(p) if os.path.islink(p) else "dir"
        for f in filenames:
            p = os.path.join(dirpath, f)
            if os.path.islink(p):
                out[os.path.relpath(p, root)] = "link:" + os.readlink(p)
            else:
                with open(p, "rb") as fh:
                    out[os.path.relpath(p, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out




@pytest.fixture
def published(tenants, admin, dsn, django_sdist, tmp_path):
    """Tenant A with the Django sdist imported as layer ``django`` (frozen by a later layer,
    in which A then changes things), published to B only; returns (A, B, C, name, extracted)."""
    a, b, c = tenants("pub"), tenants("use"), tenants("other")
    part = tmp_path / "django-admin.tar"
    with tarfile.open(django_sdist) as src, tarfile.open(part, "w") as dst:
        for member in src.getmembers():
            if member.name.startswith(ADMIN) or ADMIN.startswith(member.name.rstrip("/") + "/"):
                dst.addfile(member, src.extractfile(member) if member.isfile() else None)
    check(run_tarbox("--dsn", dsn, "import", str(part), f"{a.name}:/", "--layer", "django", timeout=900))
    check(run_tarbox("--dsn", dsn, "layer", "new", a.name, "after"))
    a.conn.execute("SELECT tarbox.write('/after-secret.txt', 'not published')")
    name = f"django-{a.name[-6:]}"
    check(run_tarbox("--dsn", dsn, "publish", a.name, "django", name, "--to", b.name))
    extracted = tmp_path / "local"
    extracted.mkdir()
    with tarfile.open(part) as tf:
        tf.extractall(extracted, filter="tar")
    return a, b, c, name, extracted


def test_ro_composition_shows_the_published_layer_exactly(published, dsn, tmp_path):
    a, b, c, name, extracted = published
    out = check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/base", f"published:{name}"))
    assert "composition 1" in out
    r = run_tarbox("--dsn", dsn, "compose", "add", c.name, "/base", f"published:{name}")
    assert r.returncode == 1 and "not granted" in r.stderr, r.stderr
    before_a = _tree_digest_sql(a)
    b.conn.execute("SELECT tarbox.layer_new('work')")  # B's changes land in its layer 2

    m = Mount(b, tmp_path / "b").start()
    try:
        base = m.path / "base"
        assert os.path.isdir(base)
        assert "base" in os.listdir(m.path)  # the mount point is listed in its parent
        assert _tree_digest(base) == _tree_digest(extracted), "the composition differs from the sdist"
        rel = ADMIN + "options.py"
        f = base / rel
        assert filecmp.cmp(f, extracted / rel, shallow=False)
        top = rel.split("/")[0]
        assert not (base / "after-secret.txt").exists()  # born after the published layer
        # Read-only: every change is EROFS, across the boundary too.
        expect_errno(errno.EROFS, open, base / "new.txt", "w")
        expect_errno(errno.EROFS, open, f, "a")
        expect_errno(errno.EROFS, os.unlink, f)
        expect_errno(errno.EROFS, os.mkdir, base / "d")
        expect_errno(errno.EROFS, os.rmdir, base / top)
        expect_errno(errno.EROFS, os.chmod, f, 0o600)
        expect_errno(errno.EROFS, os.symlink, "x", base / "l")
        expect_errno(errno.EROFS, os.setxattr, f, "user.x", b"1")
        expect_errno(errno.EROFS, os.rename, f, base / "renamed")
        (m.path / "own.txt").write_text("b's own file")
        expect_errno(errno.EROFS, os.rename, m.path / "own.txt", base / "own.txt")
        expect_errno(errno.EROFS, os.rename, f, m.path / "stolen")
        expect_errno(errno.EROFS, os.link, f, m.path / "hard")
        expect_errno(errno.EBUSY, os.rmdir, base)  # the mount point itself
        # B's own tree around it is writable as ever, and its layer diff has only B's changes.
        assert (m.path / "own.txt").read_text() == "b's own file"
        st = os.stat(f)
        assert st.st_ino != os.stat(m.path / "own.txt").st_ino
    finally:
        m.stop()
    diff = b.conn.execute("SELECT path, change FROM tarbox.diff('1', 'current')").fetchall()
    assert sorted(diff) == [("/base", "A"), ("/own.txt", "A")], diff  # nothing of A
    assert _tree_digest_sql(a) == before_a, "A's tree changed"

    # C has no composition and sees nothing of A through SQL either.
    assert c.conn.execute("SELECT count(*) FROM tarbox.inode WHERE tenant_id <> "
                          "(SELECT tenant_id FROM tarbox.tenant)").fetchone()[0] == 0


def _tree_digest_sql(t) -> list:
    return t.conn.execute(
        "SELECT i.ino, i.born, i.died, i.size, i.mtime_ns FROM tarbox.inode i "
        "WHERE i.tenant_id = (SELECT tenant_id FROM tarbox.tenant) ORDER BY 1, 2").fetchall()


@pytest.fixture
def small(tenants, dsn, tmp_path):
    """Tenant A with a small tree in layer ``v1`` (frozen by layer ``v2``, where A changes
    it), published to B only; returns (A, B, C, name)."""
    a, b, c = tenants("pub"), tenants("use"), tenants("other")
    a.conn.execute("SELECT tarbox.mkdir('/pkg')")
    a.conn.execute("SELECT tarbox.write('/pkg/PKG-INFO', 'Name: demo')")
    a.conn.execute("SELECT tarbox.layer_new('v1')")
    a.conn.execute("SELECT tarbox.write('/pkg/PKG-INFO', 'Name: demo\nVersion: 1')")
    a.conn.execute("SELECT tarbox.layer_new('v2')")
    a.conn.execute("SELECT tarbox.write('/pkg/PKG-INFO', 'changed after publishing')")
    name = f"demo-{a.name[-6:]}"
    check(run_tarbox("--dsn", dsn, "publish", a.name, "v1", name, "--to", b.name))
    return a, b, c, name


def test_revocation_and_unpublish_take_effect_in_a_running_mount(small, dsn, tmp_path):
    a, b, c, name = small
    check(run_tarbox("--dsn", dsn, "publication", "grant", name, c.name))
    check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/opt/demo", f"published:{name}"))
    check(run_tarbox("--dsn", dsn, "compose", "add", c.name, "/demo", f"published:{name}"))
    mb = Mount(b, tmp_path / "b").start()
    mc = Mount(c, tmp_path / "c").start()
    try:
        want = b"Name: demo\nVersion: 1"
        assert (mb.path / "opt/demo/pkg/PKG-INFO").read_bytes() == want
        assert (mc.path / "demo/pkg/PKG-INFO").read_bytes() == want
        out = check(run_tarbox("--dsn", dsn, "compose", "list", "--tenant", b.name, "--json"))
        assert '"available": true' in out
        # Revoking C: C's mount answers ENOENT within the cache timeout; B is unaffected.
        check(run_tarbox("--dsn", dsn, "publication", "revoke", name, c.name))
        wait_for(lambda: not os.path.exists(mc.path / "demo/pkg/PKG-INFO"), timeout=10)
        expect_errno(errno.ENOENT, os.listdir, mc.path / "demo")
        assert (mb.path / "opt/demo/pkg/PKG-INFO").read_bytes() == want
        out = check(run_tarbox("--dsn", dsn, "compose", "list", "--tenant", c.name, "--json"))
        assert '"available": false' in out
        # A published layer is frozen.
        r = run_tarbox("--dsn", dsn, "layer", "drop", a.name, "v1")
        assert r.returncode == 1 and "published" in r.stderr, r.stderr
        # Unpublishing: the compositions go too, and B's mount answers ENOENT.
        out = check(run_tarbox("--dsn", dsn, "unpublish", name))
        assert "2 compositions removed" in out, out
        wait_for(lambda: not os.path.exists(mb.path / "opt/demo/pkg/PKG-INFO"), timeout=10)
        assert os.path.isdir(mb.path / "opt")  # B's own rows stay
    finally:
        mb.stop()
        mc.stop()
    # A's history is untouched.
    assert a.conn.execute("SELECT convert_from(tarbox.read('/pkg/PKG-INFO'), 'UTF8')").fetchone()[0] \
        == "changed after publishing"


def test_cli_refusals(small, dsn):
    a, b, c, name = small
    r = run_tarbox("--dsn", dsn, "publish", a.name, "v2", "x-" + name)
    assert r.returncode == 1 and "newest layer" in r.stderr, r.stderr
    r = run_tarbox("--dsn", dsn, "compose", "add", b.name, "/x", f"published:{name}", "--mode", "rw")
    assert r.returncode == 2 and "Invalid value" in r.stderr, r.stderr
    r = run_tarbox("--dsn", dsn, "compose", "add", b.name, "relative", f"published:{name}")
    assert r.returncode == 1 and "absolute" in r.stderr, r.stderr
    out = check(run_tarbox("--dsn", dsn, "publication", "list"))
    assert name in out and b.name in out
    out = check(run_tarbox("--dsn", dsn, "publication", "list", "--tenant", c.name, "--json"))
    assert name not in out
    check(run_tarbox("--dsn", dsn, "publication", "public", name, "on"))
    out = check(run_tarbox("--dsn", dsn, "publication", "list", "--tenant", c.name, "--json"))
    assert name in out
    check(run_tarbox("--dsn", dsn, "compose", "add", c.name, "/p", f"published:{name}"))
    out = check(run_tarbox("--dsn", dsn, "compose", "list"))
    assert c.name in out and "/p" in out
    check(run_tarbox("--dsn", dsn, "compose", "rm", c.name, "/p"))
    r = run_tarbox("--dsn", dsn, "compose", "rm", c.name, "/p")
    assert r.returncode == 1 and "composes nothing" in r.stderr, r.stderr
    r = run_tarbox("--dsn", dsn, "compose", "list", "--tenant", c.name)
    assert r.returncode == 0 and "/p" not in r.stdout
