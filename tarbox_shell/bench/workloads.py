"""The filesystem workloads of the benchmark, run against one directory.

Every workload is a function ``fn(ctx) -> Result`` that works under ``ctx.root`` (a
directory on the filesystem being measured) and times only the operations it is
named after: preparation and verification that are not the point of the workload are
outside the timer, and the page cache (plus dentries and inodes) is dropped before
every read-side workload (``sync`` then ``echo 3 > /proc/sys/vm/drop_caches``) so the
figures are those of the filesystem, not of the kernel's caches.

The parent harness (:mod:`tarbox_shell.bench`) runs this module in a child process per
filesystem (``python -m tarbox_shell.bench.workloads --dir D --out F.jsonl ...``): a
filesystem that hangs can then be cut off without losing the figures already measured,
since each result is appended to ``F.jsonl`` as soon as it is known.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tarfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

MIB = 1024 * 1024

#: The fixed string searched by the grep workload (present in many Django sources).
GREP_STRING = "from django.db import models"


@dataclass
class Sizes:
    """Sizes of the workloads (the full run, or ``--quick``'s smoke run)."""

    small_files: int = 10_000        # files created / stat'ed / read / renamed / unlinked
    small_file_bytes: int = 1024     # bytes per small file (distinct content per file)
    big_file_mib: int = 256          # size of the sequential write / read file
    io_chunk: int = MIB              # bytes per write(2) / read(2) of the sequential phases
    random_reads: int = 5_000        # 4 KiB preads at random aligned offsets of the big file
    random_read_bytes: int = 4096
    random_writes: int = 2_000       # 4 KiB pwrites at random aligned offsets of the big file
    sqlite_rows: int = 10_000        # rows inserted per journal mode, in sqlite_txns transactions
    sqlite_txns: int = 100
    sqlite_lookups: int = 1_000      # indexed point lookups after the inserts
    tar_member_prefix: str = ""      # extract only members under this prefix ("" = all)

    @classmethod
    def full(cls) -> "Sizes":
        """Return the sizes of a full run."""
        return cls()

    @classmethod
    def quick(cls) -> "Sizes":
        """Return the reduced sizes of ``--quick`` (a smoke run of a minute or so per filesystem)."""
        return cls(small_files=1_000, big_file_mib=32, random_reads=500, random_writes=200,
                   sqlite_rows=1_000, sqlite_txns=10, sqlite_lookups=100,
                   tar_member_prefix="django/db/")


@dataclass
class Result:
    """One measured workload on one filesystem.

    ``seconds`` is the timed part only; ``ops`` counts what ``unit`` names (entries,
    files, bytes...), ``rate`` is ``ops / seconds`` expressed in ``rate_unit``.
    ``ok`` is False when the workload failed or its verification found a mismatch;
    ``error`` then says why.
    """

    name: str
    seconds: float | None = None
    ops: float | None = None
    rate: float | None = None
    rate_unit: str = ""
    ok: bool = True
    error: str | None = None
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Return the result as a JSON-ready dict."""
        return asdict(self)


@dataclass
class Context:
    """What the workloads share: the directory, the sizes and the inputs."""

    root: Path
    tarball: Path
    sizes: Sizes
    drop_caches: bool = True
    notes: list[str] = field(default_factory=list)
    #: The filesystem's daemon (its CPU time is reported for the extract), when known.
    mount_pid: int | None = None
    #: The PostgreSQL postmaster on this machine (its children's CPU time), when known.
    postmaster_pid: int | None = None
    _big: bytes | None = None
    _members: list | None = None

    def big_data(self) -> bytes:
        """Return the deterministic pseudo-random content of the big file (not dedupable)."""
        if self._big is None:
            rng = random.Random(1234)
            self._big = b"".join(rng.randbytes(MIB) for _ in range(self.sizes.big_file_mib))
        return self._big

    def members(self) -> list[tarfile.TarInfo]:
        """Return the tarball members the extract workload extracts (prefix applied)."""
        if self._members is None:
            with tarfile.open(self.tarball) as tf:
                all_members = tf.getmembers()
            top = all_members[0].name.split("/", 1)[0] if all_members else ""
            prefix = f"{top}/{self.sizes.tar_member_prefix}" if self.sizes.tar_member_prefix else ""
            self._members = [m for m in all_members if not prefix or m.name == prefix.rstrip("/")
                             or m.name.startswith(prefix)]
        return self._members

    def src(self) -> Path:
        """Return the directory the tarball is extracted into."""
        return self.root / "src"


# ----------------------------------------------------------------------- helpers


def drop_caches(ctx: Context) -> bool:
    """``sync`` then drop the page cache, dentries and inodes (needs root).

    Returns True if the caches were dropped; False (and a note in ``ctx.notes``, once)
    when ``/proc/sys/vm/drop_caches`` is not writable.
    """
    os.sync()
    if not ctx.drop_caches:
        return False
    try:
        with open("/proc/sys/vm/drop_caches", "w") as fh:
            fh.write("3\n")
        return True
    except OSError as exc:
        note = f"page cache NOT dropped ({exc.strerror}): read figures may come from the cache"
        if note not in ctx.notes:
            ctx.notes.append(note)
        ctx.drop_caches = False
        return False


def _run(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, cwd=str(cwd) if cwd else None, env=env, stdin=subprocess.DEVNULL,
                         capture_output=True)
    if res.returncode != 0 and not (cmd[0] == "grep" and res.returncode == 1):
        err = res.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"{' '.join(cmd[:3])}... exited {res.returncode}: "
                           f"{err[-1] if err else ''}")
    return res


def _rate(r: Result, seconds: float, ops: float, unit: str, scale: float = 1.0) -> Result:
    r.seconds = seconds
    r.ops = ops
    r.rate = (ops / scale) / seconds if seconds > 0 else None
    r.rate_unit = unit
    return r


def _small_name(i: int) -> str:
    return f"f{i:06d}"


def _small_content(ctx: Context, i: int) -> bytes:
    n = ctx.sizes.small_file_bytes
    head = f"small file {i}\n".encode()
    body = random.Random(i).randbytes(max(0, n - len(head)))
    return (head + body)[:n]


# --------------------------------------------------------------------- workloads


def _mount_root(path: Path) -> Path | None:
    """The mount point ``path`` lies under (None when none is found)."""
    p = path.resolve()
    while True:
        if os.path.ismount(p):
            return p
        if p.parent == p:
            return None
        p = p.parent


def _bridge_counters(ctx: Context) -> dict | None:
    """``requests`` and ``sql_calls`` of the Tarbox mount under ``ctx.root`` (its
    ``/.tarbox/stats/performance``), None on any other filesystem."""
    root = _mount_root(ctx.root)
    perf = root / ".tarbox" / "stats" / "performance" if root is not None else None
    try:
        text = perf.read_text() if perf is not None else None
    except OSError:
        return None
    if text is None:
        return None
    head = dict(line.split(None, 1) for line in text.splitlines() if len(line.split()) == 2)
    return {"requests": int(head.get("requests", 0)), "sql_calls": int(head.get("sql_calls", 0))}


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (0.0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s(ppid: int) -> float:
    """CPU seconds of the processes whose parent is ``ppid`` (a postmaster: its backends and
    background workers), as they are now."""
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == ppid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def w_extract(ctx: Context) -> Result:
    """Extract the source tarball with ``tar -xzf`` (entries/s). On a Tarbox mount also the
    FUSE requests and SQL calls per entry (the mount's ``/.tarbox/stats/performance``), and
    where known the CPU seconds of the mount daemon (``ctx.mount_pid``), of PostgreSQL (the
    children of ``ctx.postmaster_pid``) and of the tool (tar and gzip)."""
    r = Result("extract")
    src = ctx.src()
    src.mkdir(parents=True, exist_ok=True)
    members = ctx.members()
    cmd = ["tar", "-xzf", str(ctx.tarball), "-C", str(src), "--strip-components=1"]
    if ctx.sizes.tar_member_prefix:
        top = members[0].name.split("/", 1)[0]
        cmd += ["--wildcards", f"{top}/{ctx.sizes.tar_member_prefix}*"]
    drop_caches(ctx)
    before = _bridge_counters(ctx)
    mount0 = _cpu_s(ctx.mount_pid) if ctx.mount_pid else None
    pg0 = _children_cpu_s(ctx.postmaster_pid) if ctx.postmaster_pid else None
    tool0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    _run(cmd)
    dt = time.perf_counter() - t0
    tool1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    pg1 = _children_cpu_s(ctx.postmaster_pid) if ctx.postmaster_pid else None
    mount1 = _cpu_s(ctx.mount_pid) if ctx.mount_pid else None
    after = _bridge_counters(ctx)
    nbytes = sum(m.size for m in members if m.isfile())
    n = len(members)
    r.detail = {"command": " ".join(cmd), "entries": n, "bytes": nbytes,
                "cpu_s": {"tool": round(tool1.ru_utime + tool1.ru_stime - tool0.ru_utime - tool0.ru_stime, 2)}}
    if mount0 is not None:
        r.detail["cpu_s"]["mount"] = round(mount1 - mount0, 2)
    if pg0 is not None:
        r.detail["cpu_s"]["postgres"] = round(pg1 - pg0, 2)
    if before is not None and after is not None:
        r.detail["fuse_requests"] = after["requests"] - before["requests"]
        r.detail["sql_calls"] = after["sql_calls"] - before["sql_calls"]
        r.detail["fuse_requests_per_entry"] = round(r.detail["fuse_requests"] / n, 2) if n else None
        r.detail["sql_calls_per_entry"] = round(r.detail["sql_calls"] / n, 2) if n else None
    return _rate(r, dt, n, "entries/s")


def w_verify(ctx: Context) -> Result:
    """Read back every extracted file and compare every byte (and every symlink target,
    directory and mode) with the tarball (MB/s of file content)."""
    r = Result("verify")
    members = ctx.members()
    expected: dict[str, bytes] = {}
    with tarfile.open(ctx.tarball) as tf:
        for m in members:
            if m.isfile():
                expected[m.name] = tf.extractfile(m).read()
    drop_caches(ctx)
    mismatches: list[str] = []
    nbytes = 0
    t0 = time.perf_counter()
    for m in members:
        rel = m.name.split("/", 1)[1] if "/" in m.name else ""
        p = ctx.src() / rel if rel else ctx.src()
        try:
            if m.isdir():
                if not p.is_dir():
                    mismatches.append(f"{rel}: not a directory")
            elif m.issym():
                if os.readlink(p) != m.linkname:
                    mismatches.append(f"{rel}: symlink target differs")
            elif m.isfile():
                with open(p, "rb") as fh:
                    data = fh.read()
                nbytes += len(data)
                if data != expected[m.name]:
                    mismatches.append(f"{rel}: content differs ({len(data)} vs {m.size} bytes)")
                elif (os.lstat(p).st_mode & 0o777) != (m.mode & 0o777 & ~_umask()):
                    mismatches.append(f"{rel}: mode {oct(os.lstat(p).st_mode & 0o777)} "
                                      f"vs {oct(m.mode & 0o777)}")
        except OSError as exc:
            mismatches.append(f"{rel}: {exc.strerror}")
    dt = time.perf_counter() - t0
    r.detail = {"files": len(expected), "bytes": nbytes, "mismatches": len(mismatches),
                "first_mismatches": mismatches[:10]}
    if mismatches:
        r.ok = False
        r.error = f"{len(mismatches)} mismatch(es), first: {mismatches[0]}"
    return _rate(r, dt, nbytes, "MB/s", scale=1e6)


def _umask() -> int:
    """Return the mode bits tar clears: none as root (tar's default is then
    --preserve-permissions), else the process umask."""
    if os.geteuid() == 0:
        return 0
    mask = os.umask(0)
    os.umask(mask)
    return mask


def w_find(ctx: Context) -> Result:
    """``find`` printing type, size, mode and mtime of every entry (stat of each: entries/s)."""
    r = Result("find+stat")
    cmd = ["find", str(ctx.src()), "-printf", "%y %s %m %T@ %p\\n"]
    drop_caches(ctx)
    t0 = time.perf_counter()
    res = _run(cmd)
    dt = time.perf_counter() - t0
    n = res.stdout.count(b"\n")
    r.detail = {"command": "find DIR -printf '%y %s %m %T@ %p\\n'", "entries": n}
    return _rate(r, dt, n, "entries/s")


def w_grep(ctx: Context) -> Result:
    """``grep -rlF`` for a fixed string over the extracted tree (MB/s of file content)."""
    r = Result("grep -r")
    cmd = ["grep", "-rlF", GREP_STRING, str(ctx.src())]
    nbytes = sum(m.size for m in ctx.members() if m.isfile())
    drop_caches(ctx)
    t0 = time.perf_counter()
    res = _run(cmd)
    dt = time.perf_counter() - t0
    matches = res.stdout.count(b"\n")
    r.detail = {"command": f"grep -rlF '{GREP_STRING}' DIR", "matching_files": matches,
                "bytes_scanned": nbytes}
    return _rate(r, dt, nbytes, "MB/s", scale=1e6)


def w_git(ctx: Context) -> Result:
    """``git init && git add -A && git commit`` on the extracted tree (files/s)."""
    r = Result("git init+add+commit")
    home = ctx.root / ".git-home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ, HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="bench",
               GIT_AUTHOR_EMAIL="bench@example.invalid", GIT_COMMITTER_NAME="bench",
               GIT_COMMITTER_EMAIL="bench@example.invalid", GIT_AUTHOR_DATE="2024-01-01T00:00:00Z",
               GIT_COMMITTER_DATE="2024-01-01T00:00:00Z")
    src = ctx.src()
    steps = {}
    drop_caches(ctx)
    t_all = time.perf_counter()
    for label, cmd in (("init", ["git", "init", "-q"]), ("add", ["git", "add", "-A"]),
                       ("commit", ["git", "commit", "-q", "-m", "bench"])):
        t0 = time.perf_counter()
        _run(cmd, cwd=src, env=env)
        steps[label] = round(time.perf_counter() - t0, 4)
    dt = time.perf_counter() - t_all
    files = int(_run(["git", "ls-files", "-z"], cwd=src, env=env).stdout.count(b"\0"))
    r.detail = {"command": "git init && git add -A && git commit -m bench", "seconds_by_step": steps,
                "files_committed": files}
    return _rate(r, dt, files, "files/s")


def w_small_create(ctx: Context) -> Result:
    """Create N small files (open O_CREAT|O_EXCL, write, close) in one directory (files/s)."""
    r = Result("small: create")
    d = ctx.root / "small"
    d.mkdir(exist_ok=True)
    n = ctx.sizes.small_files
    contents = [_small_content(ctx, i) for i in range(n)]
    names = [os.fsencode(d / _small_name(i)) for i in range(n)]
    drop_caches(ctx)
    t0 = time.perf_counter()
    for name, data in zip(names, contents):
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, data)
        os.close(fd)
    dt = time.perf_counter() - t0
    r.detail = {"files": n, "bytes_each": ctx.sizes.small_file_bytes, "layout": "one directory"}
    return _rate(r, dt, n, "files/s")


def w_small_stat(ctx: Context) -> Result:
    """stat(2) each small file after dropping the caches (files/s)."""
    r = Result("small: stat")
    d = ctx.root / "small"
    n = ctx.sizes.small_files
    names = [os.fsencode(d / _small_name(i)) for i in range(n)]
    drop_caches(ctx)
    bad = 0
    t0 = time.perf_counter()
    for name in names:
        if os.stat(name).st_size != ctx.sizes.small_file_bytes:
            bad += 1
    dt = time.perf_counter() - t0
    if bad:
        r.ok, r.error = False, f"{bad} file(s) with a wrong size"
    return _rate(r, dt, n, "files/s")


def w_small_read(ctx: Context) -> Result:
    """open, read whole, close each small file after dropping the caches, checking its content (files/s)."""
    r = Result("small: read")
    d = ctx.root / "small"
    n = ctx.sizes.small_files
    names = [os.fsencode(d / _small_name(i)) for i in range(n)]
    drop_caches(ctx)
    got = []
    t0 = time.perf_counter()
    for name in names:
        fd = os.open(name, os.O_RDONLY)
        got.append(os.read(fd, 1 << 20))
        os.close(fd)
    dt = time.perf_counter() - t0
    bad = sum(1 for i, data in enumerate(got) if data != _small_content(ctx, i))
    if bad:
        r.ok, r.error = False, f"{bad} file(s) read back different"
    return _rate(r, dt, n, "files/s")


def w_small_rename(ctx: Context) -> Result:
    """rename(2) each small file to a new name in the same directory (files/s)."""
    r = Result("small: rename")
    d = ctx.root / "small"
    n = ctx.sizes.small_files
    pairs = [(os.fsencode(d / _small_name(i)), os.fsencode(d / ("r" + _small_name(i)))) for i in range(n)]
    drop_caches(ctx)
    t0 = time.perf_counter()
    for a, b in pairs:
        os.rename(a, b)
    dt = time.perf_counter() - t0
    return _rate(r, dt, n, "files/s")


def w_small_unlink(ctx: Context) -> Result:
    """unlink(2) each (renamed) small file (files/s)."""
    r = Result("small: unlink")
    d = ctx.root / "small"
    n = ctx.sizes.small_files
    names = [os.fsencode(d / ("r" + _small_name(i))) for i in range(n)]
    drop_caches(ctx)
    t0 = time.perf_counter()
    for name in names:
        os.unlink(name)
    dt = time.perf_counter() - t0
    left = os.listdir(d)
    if left:
        r.ok, r.error = False, f"{len(left)} entries left after unlink"
    return _rate(r, dt, n, "files/s")


def w_seq_write(ctx: Context) -> Result:
    """Write the big file sequentially in 1 MiB writes, then fsync and close (MB/s; the
    fsync is inside the timer: the figure is for data made durable)."""
    r = Result("seq write")
    data = memoryview(ctx.big_data())
    chunk = ctx.sizes.io_chunk
    path = ctx.root / "big.bin"
    drop_caches(ctx)
    t0 = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for off in range(0, len(data), chunk):
            view = data[off:off + chunk]
            while view:
                n = os.write(fd, view)
                view = view[n:]
        os.fsync(fd)
    finally:
        os.close(fd)
    dt = time.perf_counter() - t0
    r.detail = {"bytes": len(data), "chunk": chunk, "includes": "write + fsync + close"}
    return _rate(r, dt, len(data), "MB/s", scale=1e6)


def w_seq_read(ctx: Context) -> Result:
    """sync, drop the page cache, then read the big file sequentially in 1 MiB reads,
    comparing every byte (MB/s)."""
    r = Result("seq read")
    data = memoryview(ctx.big_data())
    chunk = ctx.sizes.io_chunk
    path = ctx.root / "big.bin"
    # read into one preallocated, pre-faulted buffer: no allocation in the timed loop, and
    # the comparison comes after the timer (in the loop it would cost as much as tmpfs reads)
    buf = bytearray(b"\xa5") * (len(data) + chunk)  # filled: every page is touched now
    view = memoryview(buf)
    dropped = drop_caches(ctx)
    total = 0
    t0 = time.perf_counter()
    fd = os.open(path, os.O_RDONLY)
    try:
        while True:
            n = os.readv(fd, [view[total:total + chunk]])
            if n == 0:
                break
            total += n
    finally:
        os.close(fd)
    dt = time.perf_counter() - t0
    bad = 0 if buf[:total] == ctx.big_data() else 1
    r.detail = {"bytes": total, "chunk": chunk, "cache": "dropped (sync; echo 3 > drop_caches)"
                if dropped else "NOT dropped"}
    if bad or total != len(data):
        r.ok, r.error = False, f"content differs from what was written; read {total} of {len(data)} bytes"
    return _rate(r, dt, total, "MB/s", scale=1e6)


def w_rand_read(ctx: Context) -> Result:
    """Drop the caches, then pread 4 KiB at random 4 KiB-aligned offsets of the big file,
    checking each (reads/s)."""
    r = Result("4K random read")
    data = memoryview(ctx.big_data())
    size = ctx.sizes.random_read_bytes
    rng = random.Random(42)
    offsets = [rng.randrange(len(data) // size) * size for _ in range(ctx.sizes.random_reads)]
    path = ctx.root / "big.bin"
    drop_caches(ctx)
    fd = os.open(path, os.O_RDONLY)
    try:
        t0 = time.perf_counter()
        got = [os.pread(fd, size, off) for off in offsets]
        dt = time.perf_counter() - t0
    finally:
        os.close(fd)
    raw = ctx.big_data()
    bad = sum(1 for off, buf in zip(offsets, got) if buf != raw[off:off + size])
    r.detail = {"reads": len(offsets), "bytes_each": size, "file_bytes": len(data)}
    if bad:
        r.ok, r.error = False, f"{bad} read(s) returned wrong bytes"
    return _rate(r, dt, len(offsets), "reads/s")


def w_rand_write(ctx: Context) -> Result:
    """pwrite 4 KiB of new content at random 4 KiB-aligned offsets of the big file, then fsync
    (timed together: writes/s); afterwards drop the caches and check every written range."""
    r = Result("4K random write")
    size = ctx.sizes.random_read_bytes
    total_blocks = len(ctx.big_data()) // size
    rng = random.Random(4242)
    offsets = [rng.randrange(total_blocks) * size for _ in range(ctx.sizes.random_writes)]
    expect: dict[int, bytes] = {}
    bufs = []
    for i, off in enumerate(offsets):
        buf = random.Random(10_000_000 + i).randbytes(size)
        bufs.append(buf)
        expect[off] = buf  # a later write to the same offset wins
    path = ctx.root / "big.bin"
    fd = os.open(path, os.O_WRONLY)
    try:
        t0 = time.perf_counter()
        for off, buf in zip(offsets, bufs):
            os.pwrite(fd, buf, off)
        os.fsync(fd)
        dt = time.perf_counter() - t0
    finally:
        os.close(fd)
    drop_caches(ctx)
    fd = os.open(path, os.O_RDONLY)
    try:
        bad = sum(1 for off, buf in expect.items() if os.pread(fd, size, off) != buf)
    finally:
        os.close(fd)
    r.detail = {"writes": len(offsets), "bytes_each": size, "distinct_offsets": len(expect)}
    if bad:
        r.ok, r.error = False, f"{bad} range(s) read back wrong"
    return _rate(r, dt, len(offsets), "writes/s")


def _sqlite_rows(n: int) -> list[tuple[int, str, bytes]]:
    """The ``n`` rows the SQLite workloads insert: (id, key, 100 random bytes), the same every run."""
    rng = random.Random(77)
    return [(i, f"key-{rng.randrange(10**9):09d}", rng.randbytes(100)) for i in range(n)]


def _sqlite_inserts(ctx: Context, mode: str) -> Result:
    """``sizes.sqlite_rows`` inserts in ``sizes.sqlite_txns`` transactions into a new database in
    journal mode ``mode`` (DELETE = rollback journal, WAL), timed; then ``PRAGMA
    integrity_check`` (not timed) must say ok."""
    import sqlite3

    r = Result(f"sqlite {mode} inserts")
    path = ctx.root / f"bench-{mode.lower()}.sqlite"
    rows, txns = ctx.sizes.sqlite_rows, ctx.sizes.sqlite_txns
    per_txn = rows // txns
    payload = _sqlite_rows(rows)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        got = conn.execute(f"PRAGMA journal_mode={mode}").fetchone()[0]
        if got.upper() != mode.upper():
            raise RuntimeError(f"journal_mode {mode} refused (got {got})")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v BLOB)")
        conn.execute("CREATE INDEX t_k ON t (k)")
        t0 = time.perf_counter()
        for start in range(0, rows, per_txn):
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO t VALUES (?, ?, ?)", payload[start:start + per_txn])
            conn.execute("COMMIT")
        dt = time.perf_counter() - t0
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        count = conn.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        conn.close()
    r.detail = {"rows": rows, "transactions": txns, "integrity_check": check}
    if check != "ok" or count != rows:
        r.ok, r.error = False, f"integrity_check: {check}; {count} of {rows} rows"
    return _rate(r, dt, rows, "rows/s")


def w_sqlite_rollback(ctx: Context) -> Result:
    """SQLite in rollback-journal mode (journal_mode=DELETE): inserts (rows/s)."""
    return _sqlite_inserts(ctx, "DELETE")


def w_sqlite_wal(ctx: Context) -> Result:
    """SQLite in WAL mode (needs a shared mmap of the -shm file): inserts (rows/s)."""
    return _sqlite_inserts(ctx, "WAL")


def w_sqlite_lookup(ctx: Context) -> Result:
    """Drop the caches, then ``sizes.sqlite_lookups`` indexed point lookups by key in the WAL
    database (lookups/s); each must find its row."""
    import sqlite3

    r = Result("sqlite lookups")
    path = ctx.root / "bench-wal.sqlite"
    keys = [k for _, k, _ in _sqlite_rows(ctx.sizes.sqlite_rows)]
    pick = random.Random(5).sample(keys, min(ctx.sizes.sqlite_lookups, len(keys)))
    drop_caches(ctx)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        t0 = time.perf_counter()
        found = sum(1 for k in pick if conn.execute("SELECT id FROM t WHERE k = ?", (k,)).fetchone())
        dt = time.perf_counter() - t0
    finally:
        conn.close()
    if found != len(pick):
        r.ok, r.error = False, f"{len(pick) - found} lookups found nothing"
    return _rate(r, dt, len(pick), "lookups/s")


#: The workloads in the order they run (each depends only on the ones before it).
WORKLOADS: list[tuple[str, Callable[[Context], Result]]] = [
    ("extract", w_extract),
    ("verify", w_verify),
    ("find+stat", w_find),
    ("grep -r", w_grep),
    ("git init+add+commit", w_git),
    ("small: create", w_small_create),
    ("small: stat", w_small_stat),
    ("small: read", w_small_read),
    ("small: rename", w_small_rename),
    ("small: unlink", w_small_unlink),
    ("seq write", w_seq_write),
    ("seq read", w_seq_read),
    ("4K random read", w_rand_read),
    ("4K random write", w_rand_write),
    ("sqlite DELETE inserts", w_sqlite_rollback),
    ("sqlite WAL inserts", w_sqlite_wal),
    ("sqlite lookups", w_sqlite_lookup),
]

#: The rate unit of each workload (for tables when a workload never produced a figure).
UNITS = {"extract": "entries/s", "verify": "MB/s", "find+stat": "entries/s", "grep -r": "MB/s",
         "git init+add+commit": "files/s", "small: create": "files/s", "small: stat": "files/s",
         "small: read": "files/s", "small: rename": "files/s", "small: unlink": "files/s",
         "seq write": "MB/s", "seq read": "MB/s", "4K random read": "reads/s",
         "4K random write": "writes/s", "sqlite DELETE inserts": "rows/s",
         "sqlite WAL inserts": "rows/s", "sqlite lookups": "lookups/s"}

#: Workloads that make no sense once an earlier one failed (name -> prerequisite).
PREREQUISITES = {
    "verify": "extract", "find+stat": "extract", "grep -r": "extract",
    "git init+add+commit": "extract", "small: stat": "small: create",
    "small: read": "small: create", "small: rename": "small: create",
    "small: unlink": "small: rename", "seq read": "seq write", "4K random read": "seq write",
    "4K random write": "seq write", "sqlite lookups": "sqlite WAL inserts",
}


def run_all(ctx: Context, emit: Callable[[dict], None], only: set[str] | None = None) -> None:
    """Run every workload in :data:`WORKLOADS` (or those named in ``only``) on ``ctx.root``,
    calling ``emit`` with each result dict as soon as it is measured. A failing workload is
    recorded (``ok`` False, ``error`` set) and the ones that depend on it are skipped;
    nothing is raised."""
    failed: set[str] = set()
    for name, fn in WORKLOADS:
        if only is not None and name not in only:
            continue
        pre = PREREQUISITES.get(name)
        if pre in failed:
            failed.add(name)
            emit(Result(name, ok=False, error=f"skipped: {pre} failed").as_dict())
            continue
        try:
            res = fn(ctx)
        except Exception as exc:  # a benchmark records failures, it does not stop
            res = Result(name, ok=False, error=f"{type(exc).__name__}: {exc}")
        if res.seconds is None:
            failed.add(name)
        emit(res.as_dict())
    if ctx.notes:
        emit({"name": "_notes", "notes": ctx.notes})


def main(argv: list[str] | None = None) -> int:
    """Child-process entry: run the workloads in ``--dir``, appending JSON lines to ``--out``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True, help="directory on the filesystem to measure")
    ap.add_argument("--out", required=True, help="JSON-lines file the results are appended to")
    ap.add_argument("--tarball", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-drop-caches", action="store_true")
    ap.add_argument("--only", default=None, help="comma-separated workload names (default: all)")
    ap.add_argument("--mount-pid", type=int, default=None, help="pid of the filesystem's daemon")
    ap.add_argument("--postmaster-pid", type=int, default=None, help="pid of the local PostgreSQL postmaster")
    args = ap.parse_args(argv)
    sizes = Sizes.quick() if args.quick else Sizes.full()
    ctx = Context(Path(args.dir), Path(args.tarball), sizes, drop_caches=not args.no_drop_caches,
                  mount_pid=args.mount_pid, postmaster_pid=args.postmaster_pid)
    with open(args.out, "a", buffering=1) as out:
        def emit(d: dict) -> None:
            """Append one result line and echo it."""
            out.write(json.dumps(d) + "\n")
            print(f"  {d['name']}: " + (f"{d['seconds']:.3f} s" if d.get("seconds") is not None
                                        else (d.get("error") or "")), flush=True)
        run_all(ctx, emit, set(args.only.split(",")) if args.only else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
