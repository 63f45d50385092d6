"""Copy-on-write composition of a real tree (issue 15's test): tenant A imports the whole
Django sdist and publishes its layer; B composes it copy-on-write and C read-only, both through
real FUSE mounts; B changes, adds and deletes files under it; A's tree is unchanged, B's
``tarbox.diff`` lists exactly B's changes (and the directories they copied up), C sees none of
them, and ``tarbox.fsck()`` is clean for all three. The small-tree scenarios (every operation,
EXDEV, whiteouts) are in test_cow.py."""

from __future__ import annotations

import hashlib
import os
import tarfile

from tests.conftest import DJANGO_VERSION
from tests.fuse.support import Mount, run_tarbox
from tests.compose.support import check

TOP = f"Django-{DJANGO_VERSION}"
#: a fingerprint of every inode, entry and block-map row A has, in every layer
ROWS_OF_A = ("SELECT (SELECT md5(string_agg(i::text, ',' ORDER BY i.ino, i.born)) FROM tarbox.inode i),"
             " (SELECT md5(string_agg(d::text, ',' ORDER BY d.parent_ino, d.name, d.born)) FROM tarbox.dentry d),"
             " (SELECT count(*) FROM tarbox.chunkmap) + (SELECT count(*) FROM tarbox.blockmap)")



def _tree(root) -> dict[str, tuple[str, str]]:
    """Every entry below ``root``: relative path -> (kind, sha256 of a file's bytes)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = ("d", "")
        for f in filenames:
            p = os.path.join(dirpath, f)
            if os.path.islink(p):
                out[os.path.relpath(p, root)] = ("l", os.readlink(p))
            else:
                with open(p, "rb") as fh:
                    out[os.path.relpath(p, root)] = ("f", hashlib.sha256(fh.read()).hexdigest())
    return out


def test_cow_composition_of_the_django_sdist(tenants, admin, dsn, django_sdist, tmp_path):
    a, b, c = tenants("djpub"), tenants("djcow"), tenants("djro")
    check(run_tarbox("--dsn", dsn, "import", str(django_sdist), f"{a.name}:/", "--layer", "django", timeout=900))
    check(run_tarbox("--dsn", dsn, "layer", "new", a.name, "after"))
    a_before = a.conn.execute(ROWS_OF_A).fetchone()
    name = f"dj-{a.name[-6:]}"
    check(run_tarbox("--dsn", dsn, "publish", a.name, "django", name, "--to", b.name, "--to", c.name))
    check(run_tarbox("--dsn", dsn, "compose", "add", b.name, "/base", f"published:{name}", "--mode", "cow"))
    check(run_tarbox("--dsn", dsn, "compose", "add", c.name, "/base", f"published:{name}"))
    b.conn.execute("SELECT tarbox.layer_new('start')")  # B's changes: the diff from layer 1

    local = tmp_path / "local"
    local.mkdir()
    with tarfile.open(django_sdist) as tf:
        tf.extractall(local, filter="tar")
    expected = _tree(local / TOP)

    mb = Mount(b, tmp_path / "b").start()
    mc = Mount(c, tmp_path / "c").start()
    try:
        top_b = mb.path / "base" / TOP
        top_c = mc.path / "base" / TOP
        assert _tree(top_b) == expected, "B's composition shows the published tree exactly"
        init = top_b / "django/__init__.py"
        ino = os.stat(init).st_ino
        with open(init, "a") as fh:                                   # change (copy-up)
            fh.write("# changed by B\n")
        assert os.stat(init).st_ino == ino
        (top_b / "django/contrib/admin/agent_notes.py").write_text("NOTE = 1\n")   # add
        os.unlink(top_b / "django/contrib/admin/apps.py")             # delete (a whiteout)
        os.rename(top_b / "README.rst", top_b / "README.txt")         # rename of a publisher file
        after_b = _tree(top_b)
        want = dict(expected)
        want["django/__init__.py"] = ("f", hashlib.sha256(
            (local / TOP / "django/__init__.py").read_bytes() + b"# changed by B\n").hexdigest())
        want["django/contrib/admin/agent_notes.py"] = ("f", hashlib.sha256(b"NOTE = 1\n").hexdigest())
        del want["django/contrib/admin/apps.py"]
        want["README.txt"] = want.pop("README.rst")
        assert after_b == want, "B sees the published tree with exactly its own changes"
        assert _tree(top_c) == expected, "C (read-only) sees none of B's changes"
    finally:
        mb.stop()
        mc.stop()

    assert a.conn.execute(ROWS_OF_A).fetchone() == a_before, "A's rows are unchanged"
    assert a.conn.execute("SELECT count(*) FROM tarbox.diff('after')").fetchone()[0] == 0
    diff = sorted(tuple(r) for r in b.conn.execute("SELECT path, change FROM tarbox.diff('1')").fetchall())
    root = f"/base/{TOP}"
    # the changed, added, deleted (whiteout) and renamed entries, and the directories copied up
    # on the way (all new in B's rows); /base is the mount point, made by the first mount
    assert diff == sorted([("/base", "A"), (root, "A"), (f"{root}/django", "A"),
                           (f"{root}/django/__init__.py", "A"), (f"{root}/django/contrib", "A"),
                           (f"{root}/django/contrib/admin", "A"),
                           (f"{root}/django/contrib/admin/agent_notes.py", "A"),
                           (f"{root}/django/contrib/admin/apps.py", "A"),
                           (f"{root}/README.rst", "A"), (f"{root}/README.txt", "A")]), diff
    assert c.conn.execute("SELECT count(*) FROM tarbox.diff('1')").fetchone()[0] == 0
    for t in (a, b, c):
        admin.execute("SELECT count(*) FROM tarbox.gc(%s)", (t.name,))
        assert t.conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == [], t.name
