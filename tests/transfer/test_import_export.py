"""Round trip of a real source tree: the Django 5.1.4 sdist (downloaded once with
`pip download` into .cache/), plus symlinks, hard links, odd modes, a fifo and
multi-chunk files, through `tarbox import` and `tarbox export`; everything must
come back identical."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from tarbox_shell.transfer import tree as transfer
from tarbox_shell.cli import cli

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache"
DJANGO = "5.1.4"


@pytest.fixture(scope="session")
def django_tree() -> Path:
    """The extracted Django sdist (cached in .cache/django-5.1.4)."""
    target = CACHE / f"django-{DJANGO}"
    stamp = CACHE / f"django-{DJANGO}.extracted"  # same stamp as the Makefile's
    if stamp.exists() and target.is_dir():
        return target
    CACHE.mkdir(exist_ok=True)
    sdists = sorted(CACHE.glob(f"[dD]jango-{DJANGO}.tar.gz"))
    if not sdists:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        f"django=={DJANGO}", "-d", str(CACHE)], check=True, timeout=600)
        sdists = sorted(CACHE.glob(f"[dD]jango-{DJANGO}.tar.gz"))
    assert sdists, "pip download did not produce the Django sdist"
    tmp = CACHE / f"django-{DJANGO}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    with tarfile.open(sdists[0]) as tf:
        tf.extractall(tmp, filter="tar")
    (inner,) = list(tmp.iterdir())
    shutil.rmtree(target, ignore_errors=True)
    inner.rename(target)
    tmp.rmdir()
    stamp.touch()
    return target


def decorate(root: Path) -> None:
    """Add what an sdist lacks: symlinks, hard links, odd modes, fifo, big/empty files."""
    extra = root / "tarbox-extra"
    extra.mkdir()
    (extra / "empty").write_bytes(b"")
    big = os.urandom(5 * (1 << 20) + 777)  # 6 chunks, last one short
    (extra / "big.bin").write_bytes(big)
    (extra / "exactly-1MiB").write_bytes(b"x" * (1 << 20))
    os.link(extra / "big.bin", extra / "big-hardlink.bin")
    os.link(root / "setup.py" if (root / "setup.py").exists() else root / "pyproject.toml",
            extra / "hardlink-to-top")
    os.symlink("big.bin", extra / "rel-link")
    os.symlink("../django/__init__.py", extra / "up-link")
    os.symlink("/etc/hostname-does-not-exist", extra / "dangling-abs")
    os.symlink("sub", extra / "dir-link")
    sub = extra / "sub"
    sub.mkdir()
    (sub / "script.sh").write_text("#!/bin/sh\necho hi\n")
    os.chmod(sub / "script.sh", 0o755)
    (sub / "secret").write_text("s\n")
    os.chmod(sub / "secret", 0o600)
    (sub / "sticky-dir").mkdir()
    os.chmod(sub / "sticky-dir", 0o1777)
    (sub / "setgid").write_text("g\n")
    os.chmod(sub / "setgid", 0o2755)
    (extra / "empty-dir").mkdir()
    (extra / "readonly-dir").mkdir()
    (extra / "readonly-dir" / "f").write_text("ro\n")
    os.chmod(extra / "readonly-dir", 0o555)
    os.mkfifo(extra / "fifo", 0o640)
    (extra / "ünïcödé name ✓.txt").write_text("utf8 name\n")
    long = "n" * 255
    (extra / long).write_text("long name\n")
    # Distinct, nanosecond-precise times (including a file from before 1970).
    os.utime(extra / "empty", ns=(1_000_000_001, 1_234_567_890_123_456_789))
    os.utime(sub / "secret", ns=(-86_400_000_000_123, -86_400_000_000_123))
    os.utime(extra / "rel-link", ns=(1_500_000_000_000_000_007, 1_600_000_000_000_000_009),
             follow_symlinks=False)


def snapshot(root: Path) -> dict[str, tuple]:
    """Relative path -> comparable facts, plus hard-link groups."""
    facts: dict[str, tuple] = {}
    inodes: dict[tuple[int, int], list[str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            s = p.lstat()
            kind = stat.S_IFMT(s.st_mode)
            if stat.S_ISLNK(s.st_mode):
                extra = os.readlink(p)
            elif stat.S_ISREG(s.st_mode):
                extra = p.read_bytes()
            else:
                extra = None
            mtime = s.st_mtime_ns
            facts[rel] = (kind, stat.S_IMODE(s.st_mode), s.st_size if not stat.S_ISDIR(s.st_mode) else None,
                          mtime, extra)
            if not stat.S_ISDIR(s.st_mode):
                inodes.setdefault((s.st_dev, s.st_ino), []).append(rel)
    groups = sorted(sorted(v) for v in inodes.values() if len(v) > 1)
    facts["<hardlink groups>"] = tuple(tuple(g) for g in groups)
    return facts


def table_stats(admin: psycopg.Connection, tconn: psycopg.Connection) -> tuple[dict, int]:
    tables = [r[0] for r in admin.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'tarbox'::regnamespace"
        " AND c.relkind IN ('r', 'p') ORDER BY 1").fetchall()]
    counts = {}
    for t in tables:
        if tconn.execute("SELECT has_table_privilege(%s, 'SELECT')", (f"tarbox.{t}",)).fetchone()[0]:
            counts[t] = tconn.execute(f"SELECT count(*) FROM tarbox.{t}").fetchone()[0]
    total = admin.execute(
        "SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c"
        " WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p')").fetchone()[0]
    return counts, int(total or 0)


def test_django_roundtrip(django_tree, tenant, admin, dsn, tmp_path, monkeypatch, capsys):
    src = tmp_path / "src"
    shutil.copytree(django_tree, src, symlinks=True)
    decorate(src)
    os.utime(src, ns=(1_111_111_111_111_111_111, 1_222_222_222_222_222_222))
    os.chmod(src, 0o750)
    before = snapshot(src)
    root_before = src.stat()

    monkeypatch.setenv("TARBOX_DSN", dsn)
    runner = CliRunner()
    t0 = time.monotonic()
    r = runner.invoke(cli, ["import", "--json", str(src), tenant.tpath("/django")], catch_exceptions=False)
    import_seconds = time.monotonic() - t0
    assert r.exit_code == 0, r.stderr
    istats = json.loads(r.stdout)

    dst = tmp_path / "dst"
    t0 = time.monotonic()
    r = runner.invoke(cli, ["export", "--json", "--archive", tenant.tpath("/django"), str(dst)],
                      catch_exceptions=False)
    export_seconds = time.monotonic() - t0
    assert r.exit_code == 0, r.stderr
    estats = json.loads(r.stdout)

    after = snapshot(dst)
    assert sorted(after) == sorted(before)
    mismatched = [k for k in before if before[k] != after[k]]
    assert not mismatched, [(k, before[k][:4], after[k][:4]) for k in mismatched[:10]]
    root_after = dst.stat()
    assert stat.S_IMODE(root_after.st_mode) == 0o750
    assert root_after.st_mtime_ns == root_before.st_mtime_ns
    assert estats["entries"] == istats["entries"]
    assert istats["hardlinks"] >= 2 and istats["symlinks"] >= 4 and istats["specials"] == 1

    # The SQL view agrees with the host.
    rows = {r[0]: r for r in tenant.conn.execute(
        "SELECT name, type, size FROM tarbox.ls('/django/tarbox-extra')").fetchall()}
    assert rows["big.bin"][1:] == ("file", 5 * (1 << 20) + 777)
    assert rows["rel-link"][1] == "symlink" and rows["fifo"][1] == "fifo"
    assert tenant.conn.execute("SELECT tarbox.readlink('/django/tarbox-extra/up-link')").fetchone()[0] \
        == "../django/__init__.py"

    counts, nbytes = table_stats(admin, tenant.conn)
    with capsys.disabled():
        print(f"\n[import/export] Django {DJANGO}: {istats['entries']} entries, {istats['files']} files, "
              f"{istats['bytes'] / 1e6:.1f} MB of content")
        print(f"[import/export] import {import_seconds:.2f} s, export {export_seconds:.2f} s")
        print(f"[import/export] rows as the tenant: {counts}")
        print(f"[import/export] bytes stored in tarbox tables (all tenants): {nbytes / 1e6:.1f} MB")


def test_import_refuses_nonempty_destination(tenant, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f").write_text("x")
    transfer.import_tree(tenant.conn, tmp_path / "a", "/dest")
    with pytest.raises(Exception) as info:
        transfer.import_tree(tenant.conn, tmp_path / "a", "/dest")
    assert "not empty" in str(info.value)
    assert tenant.conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert tenant.conn.autocommit


def test_non_utf8_names_roundtrip(tenant, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    odd = os.fsencode(str(src)) + b"/caf\xe9-latin1.txt"
    with open(odd, "wb") as fh:
        fh.write(b"latin-1 name\n")
    transfer.import_tree(tenant.conn, src, "/odd")
    dst = tmp_path / "dst"
    transfer.export_tree(tenant.conn, "/odd", dst)
    assert os.listdir(os.fsencode(str(dst))) == [b"caf\xe9-latin1.txt"]
    with open(os.fsencode(str(dst)) + b"/caf\xe9-latin1.txt", "rb") as fh:
        assert fh.read() == b"latin-1 name\n"


def test_export_refuses_nonempty_host_dir(tenant, tmp_path):
    tenant.conn.execute("SELECT tarbox.mkdir('/e')")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    with pytest.raises(Exception) as info:
        transfer.export_tree(tenant.conn, "/e", tmp_path / "busy")
    assert "not empty" in str(info.value)
    assert tenant.conn.autocommit


def test_a_failed_tree_import_leaves_nothing(tenant, tmp_path):
    """A host directory import is one transaction too: interrupted after some entries, the
    destination (made by the import) and everything copied so far are gone."""
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    for i in range(20):
        (src / "sub" / f"f{i}").write_bytes(b"x" * i)
    calls = []

    def progress(entries, nbytes):
        calls.append(entries)
        if sum(calls) >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        transfer.import_tree(tenant.conn, src, "/dest/deep", progress=progress)
    assert tenant.conn.execute("SELECT count(*) FROM tarbox.ls('/')").fetchone()[0] == 0
    assert tenant.conn.execute("SELECT count(*) FROM tarbox.inode").fetchone()[0] == 1
    stats = transfer.import_tree(tenant.conn, src, "/dest/deep")
    assert stats.files == 20
