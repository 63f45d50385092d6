"""/.tarbox/stats/performance, /.tarbox/stats/cache and /.tarbox/control/flush on a real
mount: the bridge's own counters (no SQL to read them) and syncfs through a control file."""

from __future__ import annotations

import errno
import os

import pytest

from tests.fuse.support import needs_fuse, wait_for

pytestmark = needs_fuse


def figures(path) -> tuple[dict, dict]:
    """The ``name value`` header lines and the per-operation lines of a stats file."""
    head, ops = {}, {}
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) == 2:
            head[parts[0]] = parts[1]
        else:
            ops[parts[0]] = [float(x) for x in parts[1:]]
    return head, ops


def test_performance_counts_requests_latency_errors_and_sql_calls(mnt):
    root = mnt.path
    perf = root / ".tarbox" / "stats" / "performance"
    assert oct(os.stat(perf).st_mode & 0o777) == "0o444"
    for i in range(20):
        (root / f"f{i}").write_bytes(b"x" * i)
    for i in range(20):
        os.stat(root / f"f{i}")
    (root / "d").mkdir()
    (root / "d" / "x").write_bytes(b"")
    with pytest.raises(OSError) as info:
        os.rmdir(root / "d")
    assert info.value.errno == errno.ENOTEMPTY
    head, ops = figures(perf)
    assert int(head["requests"]) >= 60
    assert int(head["errors"]) >= 1
    assert int(head["sql_calls"]) >= 40
    count, errs, mean, p50, p99, mx = ops["create"]
    assert count >= 20 and errs == 0
    assert 0 < p50 <= p99 <= mx * 1.0001 and mean <= mx
    assert ops["rmdir"][:2] == [1, 1], "the refused rmdir is counted as an error"
    assert int(head["sql_errors"]) >= 1
    assert ops["write"][0] >= 19
    # reading the counters makes no SQL call
    before = int(figures(perf)[0]["sql_calls"])
    after = int(figures(perf)[0]["sql_calls"])
    assert after == before


def test_cache_shows_what_the_kernel_holds_and_invalidations(mnt, tenant):
    root = mnt.path
    cache = root / ".tarbox" / "stats" / "cache"
    (root / "a").write_text("one\n")
    os.stat(root / "a")
    head, _ = figures(cache)
    assert int(head["inodes_known"]) >= 2
    assert int(head["lookup_count_total"]) >= 1
    assert head["change_feed"] == "working"
    inval = int(head["invalidated_inodes"])
    # a change made elsewhere (SQL) is invalidated in the kernel, and counted
    tenant.conn.execute("SELECT tarbox.write('/a', 'two')")
    assert wait_for(lambda: int(figures(cache)[0]["invalidated_inodes"]) > inval, timeout=10)
    assert wait_for(lambda: (root / "a").read_text() == "two", timeout=10)
    assert int(figures(cache)[0]["notifications_handled"]) >= 1


def test_flush_stores_open_files_and_makes_them_durable(mnt, tenant):
    root = mnt.path
    flush = root / ".tarbox" / "control" / "flush"
    assert oct(os.stat(flush).st_mode & 0o777) == "0o200"
    with open(root / "open.txt", "w") as fh:
        fh.write("line\n" * 100)
        fh.flush()
        text_bytes = ("SELECT i.text_bytes FROM tarbox.stat('/open.txt') s"
                      " JOIN tarbox.inode i ON i.ino = s.ino AND i.died = 2147483647")
        assert tenant.conn.execute(text_bytes).fetchone()[0] == 500, "appended text is stored as text at once"
        fh.seek(0)
        fh.write("L")  # inside the text: the text moves into the block part
        fh.flush()
        assert tenant.conn.execute(text_bytes).fetchone()[0] == 0, "written, not yet stored as text"
        with open(flush, "w") as f:
            f.write("1")
        assert tenant.conn.execute(text_bytes).fetchone()[0] == 500, "flush stored it as text"
        result = (root / ".tarbox" / "layers" / "result").read_text()
        assert result.startswith("ok: flushed (1 open file(s) stored)"), result
        assert int(figures(root / ".tarbox" / "stats" / "performance")[0]["flushes"]) == 1
    assert os.listdir(root / ".tarbox" / "stats") == ["usage", "performance", "cache"] or \
        sorted(os.listdir(root / ".tarbox" / "stats")) == ["cache", "performance", "usage"]
    with pytest.raises(OSError) as info:
        (root / ".tarbox" / "control" / "nothing").write_text("x")
    assert info.value.errno in (errno.EACCES, errno.EPERM)
