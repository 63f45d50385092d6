"""Text storage through a real mount, written by ordinary tools: an editor-style save, sed -i,
``cat >>`` in a loop, git checkout of another revision. Each checks the bytes, that the file
is stored as text chunks (so unchanged lines are shared), and what an edit costs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.fuse.support import needs_fuse, wait_for

pytestmark = needs_fuse


def source(n: int, seed: int = 0) -> bytes:
    """n distinct lines that look like code."""
    return b"".join(b"    value_%d = compute(%d, %r)\n" % (i, (i * 7919 + seed) % 10007, b"x" * (i % 23))
                    for i in range(n))


def ino_of(tenant, path: str) -> int:
    return tenant.conn.execute("SELECT ino FROM tarbox.stat(%s)", (path,)).fetchone()[0]


def text_state(tenant, path: str) -> tuple[int, int, int]:
    """(size, text_bytes, live chunk rows) of the file at path, once the mount has re-chunked
    it: FUSE sends RELEASE after close(2) returns, so the re-chunk may still be under way;
    waits up to 10 s for text_bytes == size, then returns what is there."""
    wait_for(lambda: _text_state(tenant, path)[1] == _text_state(tenant, path)[0], timeout=10)
    return _text_state(tenant, path)


def _text_state(tenant, path: str) -> tuple[int, int, int]:
    ino = ino_of(tenant, path)
    return tenant.conn.execute(
        "SELECT i.size, i.text_bytes, (SELECT count(*) FROM tarbox.chunkmap k WHERE k.ino = i.ino "
        "AND k.died = 2147483647) FROM tarbox.inode i WHERE i.ino = %s AND i.died = 2147483647",
        (ino,)).fetchone()


def blocks(tenant) -> int:
    return tenant.conn.execute("SELECT count(*) FROM tarbox.block").fetchone()[0]


def sh(cmd, cwd: Path, env=None) -> str:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, shell=isinstance(cmd, str), env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_editor_style_save_shares_unchanged_chunks(mnt, tenant):
    """Write a temp file, fsync, rename over the original (vim, VS Code, most editors): the
    new file's unchanged lines are the old file's chunks, stored once."""
    text = source(5000)
    (mnt / "app.py").write_bytes(text)
    size, tb, chunks = text_state(tenant, "/app.py")
    assert size == tb == len(text) and chunks > 10, "a text file written through FUSE is stored as chunks"
    before = blocks(tenant)
    lines = text.splitlines(keepends=True)
    lines[2500] = b"    edited = True\n"
    new = b"".join(lines)
    wait_for(lambda: tenant.conn.execute("SELECT garbage_bytes FROM tarbox.usage()").fetchone()[0] == 0)
    tmp = mnt / ".app.py.swp"
    with open(tmp, "wb") as f:
        f.write(new)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, mnt / "app.py")
    assert (mnt / "app.py").read_bytes() == new
    size, tb, _ = text_state(tenant, "/app.py")
    assert size == tb == len(new)
    # (the old inode goes when the kernel forgets it: at the latest at unmount)
    # the new file shares every chunk but the one or two around the edit (plus, while the
    # kernel still holds the old inode, its own one or two)
    assert blocks(tenant) - before <= 4


def test_sed_in_place(mnt, tenant):
    text = source(3000)
    (mnt / "conf.txt").write_bytes(text)
    sh(["sed", "-i", "s/value_1500 =/value_1500 := /", "conf.txt"], mnt.path)
    want = text.replace(b"value_1500 =", b"value_1500 := ")
    assert (mnt / "conf.txt").read_bytes() == want
    size, tb, _ = text_state(tenant, "/conf.txt")
    assert size == tb == len(want)
    assert tenant.conn.execute("SELECT garbage_bytes FROM tarbox.usage()").fetchone()[0] == 0


def test_cat_append_loop_rechunks_only_the_end(mnt, tenant):
    """``cat >> log`` in a loop: every append lands in the block part and is re-chunked at
    close from the last chunk on; earlier chunk rows are never rewritten."""
    text = source(2000)
    (mnt / "log.txt").write_bytes(text)
    text_state(tenant, "/log.txt")
    ino = ino_of(tenant, "/log.txt")
    first = tenant.conn.execute("SELECT min(pos) FROM tarbox.chunkmap WHERE ino = %s", (ino,)).fetchone()[0]
    ctid = tenant.conn.execute("SELECT ctid::text FROM tarbox.chunkmap WHERE ino = %s AND pos = %s",
                               (ino, first)).fetchone()[0]
    text_state(tenant, "/log.txt")
    for i in range(30):
        sh(f"echo 'appended line {i}' | cat >> log.txt", mnt.path)
    want = text + b"".join(b"appended line %d\n" % i for i in range(30))
    assert (mnt / "log.txt").read_bytes() == want
    size, tb, _ = text_state(tenant, "/log.txt")
    assert size == tb == len(want), "after the last close the whole file is text again"
    assert tenant.conn.execute("SELECT ctid::text FROM tarbox.chunkmap WHERE ino = %s AND pos = %s",
                               (ino, first)).fetchone()[0] == ctid, "the first chunk row was never rewritten"
    assert tenant.conn.execute("SELECT garbage_bytes FROM tarbox.usage()").fetchone()[0] == 0


def test_git_checkout_of_another_revision(mnt, tenant):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com", HOME=str(mnt.path))
    repo = mnt / "repo"
    repo.mkdir()
    sh(["git", "init", "-q", "-b", "main"], repo, env)
    v1 = source(1500)
    (repo / "mod.py").write_bytes(v1)
    sh(["git", "add", "mod.py"], repo, env)
    sh(["git", "commit", "-q", "-m", "v1"], repo, env)
    lines = v1.splitlines(keepends=True)
    v2 = b"".join(lines[:700] + [b"# new line\n"] + lines[700:1200] + lines[1201:])
    (repo / "mod.py").write_bytes(v2)
    sh(["git", "commit", "-q", "-am", "v2"], repo, env)
    sh(["git", "checkout", "-q", "HEAD~1"], repo, env)
    assert (repo / "mod.py").read_bytes() == v1
    sh(["git", "checkout", "-q", "main"], repo, env)
    assert (repo / "mod.py").read_bytes() == v2
    size, tb, _ = text_state(tenant, "/repo/mod.py")
    assert size == tb == len(v2)
    sh(["git", "fsck", "--no-progress"], repo, env)


def test_du_of_a_sparse_file_is_small(mnt):
    p = mnt / "sparse.img"
    with open(p, "wb") as f:
        f.truncate(1 << 30)
    st = os.stat(p)
    assert st.st_size == 1 << 30 and st.st_blocks == 0
    with open(p, "r+b") as f:
        f.seek(1 << 29)
        f.write(b"x" * 4096)
    st = os.stat(p)
    assert st.st_blocks == 8, "4 KiB written: 8 units of 512 bytes"
    du = subprocess.run(["du", "-k", str(p)], capture_output=True, text=True).stdout.split()[0]
    assert int(du) == 4


def test_statfs_reports_the_quota(mnt, tenant, admin):
    admin.execute("SELECT * FROM tarbox.tenant_quota(%s, %s, %s)", (tenant.name, 64 << 20, 1000))
    try:
        (mnt / "data.bin").write_bytes(os.urandom(4 << 20))
        st = os.statvfs(mnt.path)
        assert st.f_blocks * st.f_frsize == 64 << 20
        used = (st.f_blocks - st.f_bfree) * st.f_frsize
        assert 4 << 20 <= used <= (4 << 20) + 65536
        assert st.f_files == 1000 and st.f_files - st.f_ffree == 2
        df = sh(["df", "-k", str(mnt.path)], mnt.path).splitlines()[1].split()
        assert int(df[1]) == 65536
        # over the quota: EDQUOT, and the write leaves nothing
        r = subprocess.run(["dd", "if=/dev/urandom", f"of={mnt.path}/big.bin", "bs=1M", "count=80"],
                           capture_output=True, text=True)
        assert r.returncode != 0 and "quota" in r.stderr.lower()
    finally:
        admin.execute("SELECT * FROM tarbox.tenant_quota(%s, 0, 0)", (tenant.name,))


def test_control_files_usage_and_gc(mnt, tenant):
    (mnt / "a.txt").write_bytes(source(100))
    text_state(tenant, "/a.txt")
    usage = dict(line.split(" ", 1) for line in (mnt / ".tarbox" / "stats" / "usage").read_text().splitlines())
    assert int(usage["logical_bytes"]) == len(source(100))
    assert int(usage["text_files"]) == 1 and usage["quota_bytes"] == ""
    sh("echo now > .tarbox/control/gc", mnt.path)
    result = (mnt / ".tarbox" / "layers" / "result").read_text()
    assert result.startswith("ok: gc freed 0 blocks (0 bytes)"), result
