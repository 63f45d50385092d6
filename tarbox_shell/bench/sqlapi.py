"""Direct SQL path API vs the AgentFS Python SDK (``agentfs-sdk`` on PyPI: SQLite in process).

The same small-file operations, one API call per operation, on 2,000 files of 1 KiB (full
sizes): Tarbox over psycopg as a tenant role (``tarbox.write``, ``stat``, ``read``, ``mv``,
``rm``; one autocommit transaction each) and AgentFS's ``write_file``, ``stat``,
``read_file``, ``rename``, ``unlink`` on a database file in the bench's work directory; a
listing of the whole directory after the writes. The two systems alternate round by round
(Tarbox, AgentFS, Tarbox, AgentFS, ...) so that drift of the machine touches both alike.

Figures are operations per second (entries per second for the listing); the ratio is Tarbox
over AgentFS (above 1: Tarbox faster). AgentFS missing (not installed) is reported, not
faked.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import time
from pathlib import Path
from typing import Any, Callable

import psycopg

from .. import db

OPS = ["write", "stat", "read", "rename", "unlink", "list"]


def _content(i: int, size: int) -> bytes:
    head = f"file {i}\n".encode()
    return (head + random.Random(i).randbytes(size))[:size]


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def tarbox_round(conn: psycopg.Connection, n: int, size: int, tag: str) -> dict[str, float]:
    """One round on Tarbox: ``n`` files under ``/sqlapi-<tag>``; returns ops/s per operation.
    Raises RuntimeError when a read returns other bytes than were written."""
    base = f"/sqlapi-{tag}"
    conn.execute("SELECT tarbox.mkdir(%s)", (base,))
    names = [f"{base}/f{i:05d}" for i in range(n)]
    data = [_content(i, size) for i in range(n)]
    rates: dict[str, float] = {}

    def write() -> None:
        for p, d in zip(names, data):
            conn.execute("SELECT tarbox.write(%s, %s::bytea)", (p, d))

    def stat() -> None:
        for p in names:
            conn.execute("SELECT size FROM tarbox.stat(%s)", (p,)).fetchone()

    got: list[bytes] = []

    def read() -> None:
        cur = conn.cursor(binary=True)
        for p in names:
            got.append(bytes(cur.execute("SELECT tarbox.read(%s)", (p,)).fetchone()[0]))

    listed: list[Any] = []

    def listing() -> None:
        listed.extend(conn.execute("SELECT name FROM tarbox.ls(%s)", (base,)).fetchall())

    renamed = [p + ".r" for p in names]

    def rename() -> None:
        for a, b in zip(names, renamed):
            conn.execute("SELECT tarbox.mv(%s, %s)", (a, b))

    def unlink() -> None:
        for p in renamed:
            conn.execute("SELECT tarbox.rm(%s)", (p,))

    rates["write"] = n / _timed(write)
    rates["stat"] = n / _timed(stat)
    rates["read"] = n / _timed(read)
    if got != data:
        raise RuntimeError("tarbox: read returned other bytes than were written")
    rates["list"] = n / _timed(listing)
    if len(listed) != n:
        raise RuntimeError(f"tarbox: listing returned {len(listed)} of {n} entries")
    rates["rename"] = n / _timed(rename)
    rates["unlink"] = n / _timed(unlink)
    conn.execute("SELECT tarbox.rmdir(%s)", (base,))
    return rates


async def _agentfs_round(workdir: Path, n: int, size: int, tag: str) -> dict[str, float]:
    from agentfs_sdk import AgentFS, AgentFSOptions

    path = workdir / f"agentfs-{tag}.db"
    agent = await AgentFS.open(AgentFSOptions(path=str(path)))
    fs = agent.fs
    base = f"/sqlapi-{tag}"
    names = [f"{base}/f{i:05d}" for i in range(n)]
    data = [_content(i, size) for i in range(n)]
    rates: dict[str, float] = {}
    try:
        await fs.mkdir(base)
        t0 = time.perf_counter()
        for p, d in zip(names, data):
            await fs.write_file(p, d)
        rates["write"] = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for p in names:
            await fs.stat(p)
        rates["stat"] = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        got = [await fs.read_file(p, encoding=None) for p in names]
        rates["read"] = n / (time.perf_counter() - t0)
        if [bytes(g) for g in got] != data:
            raise RuntimeError("agentfs: read returned other bytes than were written")
        t0 = time.perf_counter()
        listed = await fs.readdir(base)
        rates["list"] = n / (time.perf_counter() - t0)
        if len(listed) != n:
            raise RuntimeError(f"agentfs: listing returned {len(listed)} of {n} entries")
        t0 = time.perf_counter()
        for p in names:
            await fs.rename(p, p + ".r")
        rates["rename"] = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for p in names:
            await fs.unlink(p + ".r")
        rates["unlink"] = n / (time.perf_counter() - t0)
    finally:
        await agent.close()
    return rates


def agentfs_round(workdir: Path, n: int, size: int, tag: str) -> dict[str, float]:
    """One round on AgentFS (database file in ``workdir``); returns ops/s per operation.
    Raises ImportError when agentfs-sdk is not installed."""
    return asyncio.run(_agentfs_round(workdir, n, size, tag))


def run(admin_dsn: str, workdir: Path, tenant: str, quick: bool = False, rounds: int = 2) -> dict:
    """Alternate ``rounds`` rounds of each system; returns ``{"files", "bytes", "tarbox":
    [rates...], "agentfs": [rates...] or None, "agentfs_error", "ratio": {op: best tarbox /
    best agentfs}}``. The bench tenant is created here and deleted at the end."""
    n, size = (200, 1024) if quick else (2000, 1024)
    out: dict = {"files": n, "bytes": size, "tarbox": [], "agentfs": [], "agentfs_error": None}
    scratch = workdir / "sqlapi"
    scratch.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute("SELECT tarbox.tenant_create(%s)", (tenant,))
    try:
        conn = db.tenant_connection(tenant, admin_dsn)
        try:
            for r in range(rounds):
                out["tarbox"].append(tarbox_round(conn, n, size, f"r{r}"))
                if out["agentfs_error"] is None:
                    try:
                        out["agentfs"].append(agentfs_round(scratch, n, size, f"r{r}"))
                    except ImportError as exc:
                        out["agentfs_error"] = f"agentfs-sdk not installed: {exc}"
        finally:
            conn.close()
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute("SELECT tarbox.tenant_delete(%s)", (tenant,))
        shutil.rmtree(scratch, ignore_errors=True)
    if out["agentfs"]:
        out["ratio"] = {op: max(r[op] for r in out["tarbox"]) / max(r[op] for r in out["agentfs"])
                        for op in OPS}
    else:
        out["agentfs"] = None
    return out


def format_sqlapi(result: dict) -> str:
    """The comparison as a text table: per operation, each round's rate on both systems and the
    ratio of the best rates."""
    lines = [f"{'operation':<10} | {'tarbox (ops/s, per round)':<30} | {'agentfs (ops/s, per round)':<30} | ratio"]
    for op in OPS:
        t = ", ".join(f"{r[op]:,.0f}" for r in result["tarbox"])
        a = ", ".join(f"{r[op]:,.0f}" for r in result["agentfs"]) if result["agentfs"] else "-"
        ratio = f"{result['ratio'][op]:.2f}" if result.get("ratio") else "-"
        lines.append(f"{op:<10} | {t:<30} | {a:<30} | {ratio}")
    if result.get("agentfs_error"):
        lines.append(f"(AgentFS not measured: {result['agentfs_error']})")
    return "\n".join(lines)
