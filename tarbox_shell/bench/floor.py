"""The floor of the bridge: what one FUSE request costs through pyfuse3 and trio when the
handler does nothing (issue 15's native-mount target is measured against bindfs, a C
passthrough on libfuse's multithreaded loop).

:class:`FloorFS` is a filesystem whose LOOKUP answers every name with fixed attributes (a
regular file, a counter as inode number, kernel cache 1 s as bindfs's default) and touches no
disk. :func:`measure` mounts it in a child process (``python -m tarbox_shell.bench.floor
MOUNTPOINT``), stats N names that the kernel has not cached (one LOOKUP each), and does the
same on the other mounts it is given, alternating rounds, so the figures of one run can be
compared: Tarbox's native passthrough cannot be cheaper per request than this floor. The
names stat'ed exist (made through each mount before the rounds, one set per round, so that
no round finds them in the kernel's cache).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CACHE_S = 1.0


def _floor_ops():  # pyfuse3 is imported only where a mount is made
    import pyfuse3

    class FloorFS(pyfuse3.Operations):
        """LOOKUP of any name: a new regular file of 1 KiB; GETATTR of the root: a directory."""

        def __init__(self) -> None:
            super().__init__()
            self.next_ino = pyfuse3.ROOT_INODE + 1

        def _attr(self, ino: int, mode: int) -> pyfuse3.EntryAttributes:
            e = pyfuse3.EntryAttributes()
            e.st_ino, e.st_mode, e.st_nlink, e.st_size = ino, mode, 1, 1024
            e.entry_timeout = e.attr_timeout = CACHE_S
            return e

        async def getattr(self, inode: int, ctx: Any = None) -> pyfuse3.EntryAttributes:
            """The root is a directory; anything else a file."""
            return self._attr(inode, stat.S_IFDIR | 0o755 if inode == pyfuse3.ROOT_INODE
                              else stat.S_IFREG | 0o644)

        async def lookup(self, parent_inode: int, name: bytes, ctx: Any = None) -> pyfuse3.EntryAttributes:
            """Every name exists."""
            self.next_ino += 1
            return self._attr(self.next_ino, stat.S_IFREG | 0o644)

        async def forget(self, inode_list: Any) -> None:
            """Nothing is kept."""

    return FloorFS


def serve(mountpoint: str) -> None:
    """Mount :class:`FloorFS` on ``mountpoint`` and serve until unmounted (the child process)."""
    import pyfuse3
    import trio

    opts = set(pyfuse3.default_options)
    opts.add("fsname=tarbox-floor")
    pyfuse3.init(_floor_ops()(), mountpoint, opts)
    try:
        trio.run(pyfuse3.main)
    finally:
        pyfuse3.close(unmount=True)


def _names(directory: Path, n: int, round_no: int) -> list[bytes]:
    return [os.fsencode(directory / f"floor-{round_no}-{i:06d}") for i in range(n)]


def _stat_round(directory: Path, n: int, round_no: int) -> float:
    """Seconds per stat(2) of n existing files not looked up since they were made (or, on
    the floor filesystem, ever) in ``directory``."""
    names = _names(directory, n, round_no)
    t0 = time.perf_counter()
    for name in names:
        os.stat(name)
    return (time.perf_counter() - t0) / n


def measure(workdir: Path, others: dict[str, Path], n: int = 3000, rounds: int = 3) -> dict[str, Any]:
    """Mount the floor filesystem under ``workdir`` and measure microseconds per LOOKUP
    (stat of an uncached name) there and in each directory of ``others`` ({label: directory
    on a mounted filesystem, where ``n * rounds`` empty files ``floor-R-NNNNNN`` are made
first}), ``rounds`` alternating rounds of ``n`` names. Returns
    ``{"n", "rounds", "us_per_lookup": {label: [per round]}, "median_us": {label: us}}``."""
    mnt = workdir / "floor-mnt"
    mnt.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "tarbox_shell.bench.floor", str(mnt)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not os.path.ismount(mnt):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the floor filesystem did not mount")
            time.sleep(0.05)
        dirs = {"pyfuse3 floor": mnt, **others}
        for d in others.values():  # the files each round stats, made before any is measured
            for r in range(rounds):
                for name in _names(d, n, r):
                    os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o644))
        time.sleep(CACHE_S + 0.1)
        per: dict[str, list[float]] = {k: [] for k in dirs}
        for r in range(rounds):
            for label, d in dirs.items():
                per[label].append(_stat_round(d, n, r) * 1e6)
                time.sleep(CACHE_S + 0.1)
    finally:
        subprocess.run(["fusermount3", "-u", str(mnt)], capture_output=True)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {"n": n, "rounds": rounds, "us_per_lookup": per,
            "median_us": {k: sorted(v)[len(v) // 2] for k, v in per.items()}}


def format_floor(result: dict[str, Any]) -> str:
    """The floor figures as text (one line per filesystem: median and every round)."""
    lines = [f"Per-request floor: stat(2) of {result['n']:,} uncached files = one FUSE LOOKUP each "
             f"(us per lookup, median of {result['rounds']} alternating rounds)"]
    for label, us in result["median_us"].items():
        rounds = ", ".join(f"{v:.0f}" for v in result["us_per_lookup"][label])
        lines.append(f"  {label:24} {us:8.0f} us   (rounds: {rounds})")
    return "\n".join(lines)


if __name__ == "__main__":
    serve(sys.argv[1])
