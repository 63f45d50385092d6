"""A real third-party workload on a mounted tenant: the Django 5.1.4 sdist extracted with
tar, checked byte for byte against an extraction on local disk, committed with git (same
tree hash as on local disk), byte-compiled, grepped, copied, moved, removed, and an
editor-style atomic save. Timings of the extraction are printed (pytest -s)."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import time
from pathlib import Path


from tests.conftest import DJANGO_VERSION
from tests.fuse.support import needs_fuse

pytestmark = needs_fuse

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Tarbox Test", "GIT_AUTHOR_EMAIL": "test@tarbox.invalid",
    "GIT_AUTHOR_DATE": "2024-12-04T12:00:00+00:00",
    "GIT_COMMITTER_NAME": "Tarbox Test", "GIT_COMMITTER_EMAIL": "test@tarbox.invalid",
    "GIT_COMMITTER_DATE": "2024-12-04T12:00:00+00:00",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
    # tar (as root) restores the sdist's owner, which git would find "dubious"; no
    # background `git gc --auto` (it would still be repacking when the test goes on)
    "GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "safe.directory", "GIT_CONFIG_VALUE_0": "*",
    "GIT_CONFIG_KEY_1": "gc.auto", "GIT_CONFIG_VALUE_1": "0",
}


def tree_digest(root: Path) -> dict[str, tuple]:
    """{relative path: (type, mode bits, size, mtime s, sha256 or link target)} of a tree."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("l", 0, 0, 0, os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("d", stat.S_IMODE(st.st_mode), 0, 0, "")
            else:
                out[rel] = ("f", stat.S_IMODE(st.st_mode), st.st_size, int(st.st_mtime),
                            hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def sh(cmd: list[str] | str, cwd: Path, env: dict | None = None, **kw) -> str:
    """Run a command (list, or str for the shell) in cwd with extra env; return stdout; assert exit 0."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    r = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True,
                       shell=isinstance(cmd, str), **kw)
    assert r.returncode == 0, f"{cmd} failed ({r.returncode}): {r.stderr[-2000:]}"
    return r.stdout


def git_commit(repo: Path) -> tuple[str, str]:
    """git init + add -A + commit with fixed identity and dates; returns (tree hash, commit hash)."""
    sh(["git", "init", "-q", "-b", "main"], repo, GIT_ENV)
    sh(["git", "add", "-A"], repo, GIT_ENV)
    sh(["git", "commit", "-q", "-m", "import Django"], repo, GIT_ENV)
    tree = sh(["git", "rev-parse", "HEAD^{tree}"], repo, GIT_ENV).strip()
    head = sh(["git", "rev-parse", "HEAD"], repo, GIT_ENV).strip()
    return tree, head


def test_django_workload(mnt, tmp_path, django_sdist):
    """Django sdist: tar xzf, byte-for-byte check, git commit (same hashes as on local disk), compileall, grep, cp -a, mv, rm -rf, atomic save."""
    local = tmp_path / "local"
    local.mkdir()
    t0 = time.monotonic()
    sh(["tar", "xzf", str(django_sdist), "-C", str(local)], tmp_path)
    t_local = time.monotonic() - t0
    t0 = time.monotonic()
    sh(["tar", "xzf", str(django_sdist), "-C", str(mnt.path)], tmp_path)
    t_mount = time.monotonic() - t0
    name = f"Django-{DJANGO_VERSION}"
    src, dst = local / name, mnt.path / name
    nfiles = sum(len(f) for _, _, f in os.walk(src))
    print(f"\nDjango {DJANGO_VERSION} sdist ({nfiles} files): tar xzf local {t_local:.2f}s, "
          f"on the mount {t_mount:.2f}s")

    # every byte, mode, mtime and link as on local disk
    t0 = time.monotonic()
    assert tree_digest(dst) == tree_digest(src)
    sh(["diff", "-r", "--no-dereference", str(src), str(dst)], tmp_path)
    print(f"verify (sha256 + diff -r) {time.monotonic() - t0:.2f}s")

    # git: the same tree and commit hash as on local disk, clean status afterwards
    t0 = time.monotonic()
    tree_m, head_m = git_commit(dst)
    t_git_mount = time.monotonic() - t0
    t0 = time.monotonic()
    tree_l, head_l = git_commit(src)
    t_git_local = time.monotonic() - t0
    assert tree_m == tree_l and head_m == head_l
    assert sh(["git", "status", "--porcelain"], dst, GIT_ENV) == ""
    sh(["git", "fsck", "--no-progress", "--strict"], dst, GIT_ENV)
    print(f"git init+add+commit: local {t_git_local:.2f}s, on the mount {t_git_mount:.2f}s")

    # byte-compile, grep
    t0 = time.monotonic()
    sh([sys.executable, "-m", "compileall", "-q", "django"], dst)
    pyc_mount = sorted(str(p.relative_to(dst)) for p in (dst / "django").rglob("*.pyc"))
    print(f"compileall on the mount {time.monotonic() - t0:.2f}s ({len(pyc_mount)} .pyc)")
    sh([sys.executable, "-m", "compileall", "-q", "django"], src)
    assert pyc_mount == sorted(str(p.relative_to(src)) for p in (src / "django").rglob("*.pyc"))
    assert len(pyc_mount) > 500
    r = sh([sys.executable, "-c", "import django, sys; print(django.__file__, django.get_version())"],
           dst, {"PYTHONPATH": str(dst)})
    assert r.split() == [str(dst / "django" / "__init__.py"), DJANGO_VERSION]
    grep_m = sh("grep -rn --include=*.py 'def get_version' . | sort", dst)
    grep_l = sh("grep -rn --include=*.py 'def get_version' . | sort", src)
    assert grep_m == grep_l and grep_m.count("\n") >= 2
    assert sh(["git", "status", "--porcelain", "--ignored=no"], dst, GIT_ENV) == \
        sh(["git", "status", "--porcelain", "--ignored=no"], src, GIT_ENV)

    # cp -a within the mount (the docs tree: ~700 entries), mv, rm -rf
    t0 = time.monotonic()
    sh(["cp", "-a", f"{name}/docs", "copy"], mnt.path)
    print(f"cp -a docs/ on the mount {time.monotonic() - t0:.2f}s")
    sh(["diff", "-r", "--no-dereference", str(src / "docs"), str(mnt.path / "copy")], tmp_path)
    assert tree_digest(mnt.path / "copy") == tree_digest(src / "docs")
    st_a, st_b = os.stat(dst / "docs" / "conf.py"), os.stat(mnt.path / "copy" / "conf.py")
    assert (st_a.st_mode, st_a.st_uid, st_a.st_mtime_ns) == (st_b.st_mode, st_b.st_uid, st_b.st_mtime_ns)
    sh(["mv", "copy", "moved"], mnt.path)
    assert not (mnt.path / "copy").exists()
    sh(["mv", "moved/ref", "ref-moved"], mnt.path)
    assert (mnt.path / "ref-moved" / "settings.txt").is_file()
    t0 = time.monotonic()
    sh(["rm", "-rf", "moved", "ref-moved"], mnt.path)
    print(f"rm -rf on the mount {time.monotonic() - t0:.2f}s")
    assert sorted(os.listdir(mnt.path)) == [name]

    # editor-style atomic save: temp file, fsync, rename over; an open reader keeps the old
    target = dst / "README.rst"
    old = target.read_bytes()
    with open(target, "rb") as reader:
        tmp = dst / ".README.rst.swp"
        with open(tmp, "wb") as f:
            f.write(b"edited\n" + old)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
        dfd = os.open(dst, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        assert reader.read() == old
    assert target.read_bytes() == b"edited\n" + old
    assert " M README.rst" in sh(["git", "status", "--porcelain"], dst, GIT_ENV)
    sh(["git", "checkout", "--", "README.rst"], dst, GIT_ENV)
    assert target.read_bytes() == old
    assert sh(["git", "status", "--porcelain", "--untracked-files=no"], dst, GIT_ENV) == ""
