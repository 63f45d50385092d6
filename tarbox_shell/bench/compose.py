"""Part E of the benchmark: what composing a published layer costs (issue 15 item 4). A
publisher tenant writes N small files in one layer, freezes it and publishes it; a consumer
composes it, read-only (``ro``) or copy-on-write (``cow``), and mounts. Measured for each N
and mode: ``tarbox.compose_add`` (SQL), the ``tarbox mount`` of the consumer until it serves,
the first lookup of one file below the mount point (``stat``) and, for ``cow``, the first
change of that file (an append: the copy-up of one file and its directories into the
consumer's rows). Composing is meant to cost O(1) in the size of the publication: the
figures for 10 and 10,000 files should be alike.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg

from .. import db
from . import targets as bench_targets

SIZES = (10, 10_000)
QUICK_SIZES = (10, 1_000)


MODES = ("ro", "cow")


def _one(admin: psycopg.Connection, admin_dsn: str, workdir: Path, prefix: str, n: int,
         mode: str) -> dict[str, Any]:
    pub, use = f"{prefix}-p{n}{mode}", f"{prefix}-c{n}{mode}"
    for t in (pub, use):
        admin.execute("SELECT tarbox.tenant_create(%s)", (t,))
    with db.tenant_connection(pub, admin_dsn) as conn:
        conn.execute("SELECT tarbox.mkdir('/files')")
        conn.execute("SELECT count(tarbox.write(format('/files/f%%s', i), format('file %%s', i))) "
                     "FROM generate_series(1, %s) i", (n,))
        conn.execute("SELECT tarbox.layer_new('after')")
    name = f"{prefix}-pub{n}{mode}"
    admin.execute("SELECT tarbox.publish(%s, '1', %s, ARRAY[%s])", (pub, name, use))
    t0 = time.perf_counter()
    admin.execute("SELECT tarbox.compose_add(%s, '/base', %s, %s)", (use, f"published:{name}", mode))
    compose_s = time.perf_counter() - t0
    mnt = workdir / f"compose-{n}-{mode}"
    mnt.mkdir(parents=True, exist_ok=True)
    log = workdir / f"compose-{n}-{mode}.log"
    change_s = None
    cmd = [*bench_targets.TarboxTarget.mount_command(), "--dsn", admin_dsn, "mount", use, str(mnt), "--foreground"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (bench_targets.find_mount(mnt) or "").startswith("fuse.tarbox"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the mount of {use} did not come up: {log.read_text(errors='replace')[-300:]}")
            time.sleep(0.01)
        os.stat(mnt)
        mount_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        os.stat(mnt / "base" / "files" / f"f{n}")
        lookup_s = time.perf_counter() - t0
        if mode == "cow":
            t0 = time.perf_counter()
            with open(mnt / "base" / "files" / f"f{n}", "ab") as f:
                f.write(b" changed")
            change_s = time.perf_counter() - t0
            if (mnt / "base" / "files" / f"f{n}").read_bytes() != f"file {n} changed".encode():
                raise RuntimeError(f"the copy-on-write change of f{n} did not read back")
    finally:
        subprocess.run([*bench_targets.TarboxTarget.mount_command(), "umount", str(mnt)],
                       capture_output=True, timeout=60)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {"files": n, "mode": mode, "compose_add_s": compose_s, "mount_ready_s": mount_s,
            "first_lookup_s": lookup_s, "first_change_s": change_s, "tenants": [pub, use], "publication": name}


def run(workdir: Path, admin_dsn: str, prefix: str, quick: bool, keep: bool = False) -> dict[str, Any]:
    """Measure each size in each mode; returns ``{"rows": [{"files", "mode", "compose_add_s",
    "mount_ready_s", "first_lookup_s", "first_change_s"}], "modes": [...]}`` (seconds;
    ``first_change_s`` None for ``ro``). The tenants are deleted unless ``keep``."""
    rows = []
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        for mode in MODES:
            for n in (QUICK_SIZES if quick else SIZES):
                row = _one(admin, admin_dsn, workdir, prefix, n, mode)
                rows.append(row)
                if not keep:
                    admin.execute("SELECT tarbox.unpublish(%s)", (row["publication"],))
                    for t in row["tenants"]:
                        admin.execute("SELECT tarbox.tenant_delete(%s)", (t,))
    return {"modes": list(MODES), "rows": rows}


def format_compose(result: dict[str, Any]) -> str:
    """The part E table (str)."""
    lines = ["Composition: cost of composing and mounting a published layer of N files",
             f"{'mode':>4}  {'files':>8}  {'compose_add':>12}  {'mount ready':>12}  {'first lookup':>12}"
             f"  {'first change':>12}"]
    for r in result["rows"]:
        change = "" if r.get("first_change_s") is None else f"{r['first_change_s'] * 1000:>10.1f}ms"
        lines.append(f"{r.get('mode', 'ro'):>4}  {r['files']:>8}  {r['compose_add_s'] * 1000:>10.1f}ms"
                     f"  {r['mount_ready_s']:>11.2f}s  {r['first_lookup_s'] * 1000:>10.1f}ms  {change:>12}")
    return "\n".join(lines)
