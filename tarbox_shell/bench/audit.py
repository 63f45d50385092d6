"""What auditing costs, measured (``python -m tarbox_shell.bench --audit on``).

1. Through the mount: the same workloads (:mod:`tarbox_shell.bench.workloads`) on three fresh
   tenants mounted one after the other, audited at level none, standard and full: the Django
   extract, find+stat and the small-file rows (where standard must stay within 15% of none),
   and the read rows (small: read, grep -r, seq read, 4K random read: full within 30%). The
   time ratio of each level to none is in the table. The tenants run in turn, not at once, so
   drift of the machine between them shows in the figures: with ``rounds`` > 1 the levels run
   again in reversed order each round (none, standard, standard, none, ...), each on a fresh
   tenant, and the table gives each workload's median over the rounds (one sequential run per
   level gave standard/none 1.55 for small: stat, which writes no record at standard, and 1.0
   when the levels alternated).
2. Per call, without FUSE: the cost of single audited calls (fs_lookup, fs_setattr, fs_write
   of 4 KiB, fs_read of 4 KiB) at each level, from a connection in warning mode like the
   mount's, levels alternating round by round; the median of the rounds' means, as wall time
   per call and, when the server runs on this machine, as CPU time of its backend per call
   (/proc/<pid>/stat: less disturbed by other work on a busy machine than wall time).
3. The log's size: bytes of tarbox.audit_log (heap and indexes, all partitions) per 10,000
   records written by the mount workloads at level standard, and of the seals over them.
4. ``audit verify`` per million records: records of a scratch tenant made in bulk (as the
   superuser), sealed with ``tarbox.audit_seal``, then verified with ``tarbox.audit_verify``;
   the time is scaled to one million records.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any, Callable

import psycopg
from psycopg import sql

LEVELS = ["none", "standard", "full"]
#: Rows where level standard is compared with none (target: at most 15% slower).
STANDARD_ROWS = ["extract", "find+stat", "small: create", "small: stat", "small: rename", "small: unlink"]
#: Rows where level full is compared with none (target: at most 30% slower).
FULL_ROWS = ["small: read", "grep -r", "seq read", "4K random read"]
#: The workloads to run (prerequisites included), in the order of workloads.WORKLOADS.
WORKLOADS = ["extract", "find+stat", "grep -r", "small: create", "small: stat", "small: read",
             "small: rename", "small: unlink", "seq write", "seq read", "4K random read"]

LOG_SIZE = """
SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'tarbox.audit_log'::regclass
"""


def _admin(dsn: str) -> psycopg.Connection:
    return psycopg.connect(dsn, autocommit=True)


def _records(conn: psycopg.Connection, tenant: str) -> int:
    return conn.execute("SELECT count(*) FROM tarbox.audit_log WHERE tenant_id = "
                        "(SELECT tenant_id FROM tarbox.tenant WHERE name = %s)", (tenant,)).fetchone()[0]


def mount_rows(admin_dsn: str, workdir: Path, tarball: Path, quick: bool, timeout: float, drop: bool,
               prefix: str, run_filesystem: Callable[..., dict], make_target: Callable[..., Any],
               levels: list[str], rounds: int = 1) -> dict:
    """Part 1 and 3: the workloads on a fresh tenant per level and round, the levels in reversed
    order every other round. Returns ``{"rounds", "levels": {level: {"results" (each workload's
    median seconds over the rounds, the rounds' figures in ``seconds_runs``), "status",
    "records", "log_bytes", "seal_bytes"}}, "table": [...]}``; records and log sizes are
    those of the first round."""
    runs: dict[str, list[dict]] = {level: [] for level in levels}
    for rnd in range(rounds):
        for level in (levels if rnd % 2 == 0 else list(reversed(levels))):
            runs[level].append(_mount_run(admin_dsn, workdir, tarball, quick, timeout, drop,
                                          f"{prefix}-{level}" + (f"-{rnd + 1}" if rounds > 1 else ""),
                                          run_filesystem, make_target, level,
                                          f" (round {rnd + 1} of {rounds})" if rounds > 1 else ""))
    out: dict = {"rounds": rounds, "levels": {level: _merge_runs(entries) for level, entries in runs.items()}}
    out["table"] = _table(out["levels"])
    std = out["levels"].get("standard", {})
    if std.get("records"):
        out["log_bytes_per_10k_records"] = round(std["log_bytes"] * 10000 / std["records"])
        if std.get("seal_bytes") is not None:
            out["seal_bytes_per_10k_records"] = round(std["seal_bytes"] * 10000 / std["records"])
    return out


def _mount_run(admin_dsn: str, workdir: Path, tarball: Path, quick: bool, timeout: float, drop: bool,
               tenant: str, run_filesystem: Callable[..., dict], make_target: Callable[..., Any],
               level: str, label: str) -> dict:
    """One run of the workloads on a new tenant ``tenant`` audited at ``level``: its results,
    status, and the records and log bytes it wrote (sealed afterwards, to size the seals)."""
    with _admin(admin_dsn) as conn:
        before = conn.execute(LOG_SIZE).fetchone()[0]
    target = make_target(tenant, level)
    print(f"== audit: tarbox at level {level}{label}", flush=True)
    res = run_filesystem(target, tarball, quick, timeout, drop, workdir, only=WORKLOADS)
    entry = {"status": res["status"], "error": res.get("error"), "results": res["results"]}
    # the tenant is gone with the target, its records stay until retention: count them by id
    with _admin(admin_dsn) as conn:
        tid = (res.get("config") or {}).get("role", "").removeprefix("tarbox_tenant_")
        if tid.isdigit():
            entry["records"] = conn.execute("SELECT count(*) FROM tarbox.audit_log WHERE tenant_id = %s",
                                            (int(tid),)).fetchone()[0]
            entry["log_bytes"] = conn.execute(LOG_SIZE).fetchone()[0] - before
            if entry["records"]:
                seal_before = conn.execute("SELECT pg_total_relation_size('tarbox.audit_seal')").fetchone()[0]
                conn.execute("SELECT * FROM tarbox.audit_seal(now() + interval '2 seconds')")
                entry["seal_bytes"] = conn.execute(
                    "SELECT pg_total_relation_size('tarbox.audit_seal')").fetchone()[0] - seal_before
    return entry


def _merge_runs(entries: list[dict]) -> dict:
    """One level's runs as one entry: the first run's fields, each workload's seconds the
    median over the runs that measured it (all of them in ``seconds_runs``, its rate scaled to
    the median); the status is the first that is not ok."""
    merged = dict(entries[0])
    merged["status"] = next((e["status"] for e in entries if e["status"] != "ok"), "ok")
    merged["error"] = next((e.get("error") for e in entries if e["status"] != "ok"), entries[0].get("error"))
    results = []
    for first in entries[0]["results"]:
        secs = [r["seconds"] for e in entries for r in e["results"]
                if r.get("name") == first.get("name") and r.get("seconds") is not None]
        row = dict(first)
        if secs:
            row["seconds"] = statistics.median(secs)
            row["seconds_runs"] = secs
            if first.get("rate") and first.get("seconds"):  # the same work in the median's time
                row["rate"] = first["rate"] * first["seconds"] / row["seconds"]
        results.append(row)
    merged["results"] = results
    return merged


def _table(levels: dict) -> list[dict]:
    secs = {lv: {r["name"]: r.get("seconds") for r in e.get("results", [])} for lv, e in levels.items()}
    rows = []
    for name in WORKLOADS:
        row: dict[str, Any] = {"workload": name}
        base = secs.get("none", {}).get(name)
        for lv in levels:
            s = secs[lv].get(name)
            row[lv] = s
            if lv != "none" and s is not None and base:
                row[f"{lv}/none"] = round(s / base, 3)
        row["target"] = ("standard <= 1.15" if name in STANDARD_ROWS else
                         "full <= 1.30" if name in FULL_ROWS else "")
        rows.append(row)
    return rows


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by process ``pid``, None when not readable
    (the server runs elsewhere)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def call_costs(admin_dsn: str, tenant: str, rounds: int, calls: int) -> dict:
    """Part 2: mean wall time and backend CPU time per call (us) of single audited calls at
    each level, levels alternating within each round; the median over the rounds."""
    with _admin(admin_dsn) as admin:
        role = admin.execute("SELECT role_name FROM tarbox.tenant_create(%s)", (tenant,)).fetchone()[0]
        try:
            conn = psycopg.connect(admin_dsn, autocommit=True)
            conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
            conn.execute("SET synchronous_commit = off")
            conn.execute("SET tarbox.error_mode = 'warning'")
            d = conn.execute("SELECT (tarbox.fs_mkdir(1, 'd'::bytea, 493, 0, 0)).ino").fetchone()[0]
            f = conn.execute("SELECT (tarbox.fs_create(%s, 'f'::bytea, 420, 0, 0)).ino", (d,)).fetchone()[0]
            conn.execute("SELECT tarbox.fs_write(%s, 0, %s::bytea)", (f, bytes(65536)))
            block = bytes(range(256)) * 16
            calls_sql = {
                "fs_lookup": ("SELECT (tarbox.fs_lookup(%s::bigint, 'f'::bytea, NULL::int, 0::bigint, 0::bigint, 1::int)).ino", (d,)),
                "fs_setattr": ("SELECT (tarbox.fs_setattr(%s::bigint, 420, NULL, NULL, NULL, NULL, NULL, NULL, 0::bigint, 0::bigint, 1::int)).ino", (f,)),
                "fs_write 4K": ("SELECT tarbox.fs_write(%s::bigint, 4096::bigint, %s::bytea, false, false, 0::bigint, 0::bigint, 1::int)", (f, block)),
                "fs_read 4K (per call)": ("SELECT length(tarbox.fs_read(%s::bigint, 0::bigint, 4096, NULL::int, NULL::bigint, 0::bigint, 0::bigint, 1::int))", (f,)),
                "fs_read 4K (handle)": ("SELECT length(tarbox.fs_read(%s::bigint, 0::bigint, 4096, NULL::int, 7::bigint, 0::bigint, 0::bigint, 1::int))", (f,)),
            }
            means: dict[str, dict[str, list[float]]] = {c: {lv: [] for lv in LEVELS} for c in calls_sql}
            cpus: dict[str, dict[str, list[float]]] = {c: {lv: [] for lv in LEVELS} for c in calls_sql}
            backend = conn.info.backend_pid
            for _ in range(rounds):
                for lv in LEVELS:
                    admin.execute("SELECT tarbox.audit_set_level(%s, %s)", (tenant, lv))
                    for name, (q, p) in calls_sql.items():
                        for _ in range(20):
                            conn.execute(q, p, prepare=True)
                        c0, t0 = _backend_cpu(backend), time.perf_counter()
                        for _ in range(calls):
                            conn.execute(q, p, prepare=True)
                        means[name][lv].append((time.perf_counter() - t0) / calls * 1e6)
                        c1 = _backend_cpu(backend)
                        if c0 is not None and c1 is not None:
                            cpus[name][lv].append((c1 - c0) / calls * 1e6)
            conn.close()
            out = {}
            for name, per in means.items():
                med = {lv: round(statistics.median(v), 1) for lv, v in per.items()}
                out[name] = {"us": med, **{f"{lv}/none": round(med[lv] / med["none"], 3)
                                            for lv in LEVELS if lv != "none"}}
                if all(cpus[name][lv] for lv in LEVELS):
                    cmed = {lv: round(statistics.median(v), 1) for lv, v in cpus[name].items()}
                    out[name]["cpu_us"] = cmed
                    out[name].update({f"cpu {lv}/none": round(cmed[lv] / cmed["none"], 3) if cmed["none"] else None
                                      for lv in LEVELS if lv != "none"})
            return {"rounds": rounds, "calls": calls, "per_call": out}
        finally:
            admin.execute("SELECT tarbox.tenant_delete(%s)", (tenant,))


def verify_cost(admin_dsn: str, tenant: str, records: int) -> dict:
    """Part 4: seal and verify ``records`` bulk-made records of a scratch tenant; seconds, and
    seconds per million records."""
    with _admin(admin_dsn) as conn:
        tid = conn.execute("SELECT tenant_id FROM tarbox.tenant_create(%s)", (tenant,)).fetchone()[0]
        try:
            t0 = time.perf_counter()
            conn.execute("""
                INSERT INTO tarbox.audit_log (tenant_id, at_ns, op, ok, path, ino, layer, uid, gid, pid, role,
                                              bytes, duration_ns, details)
                SELECT %s, (extract(epoch FROM now() - interval '1 hour') * 1000000)::bigint * 1000 + g * 1000,
                       (ARRAY['write', 'create', 'setattr', 'lookup', 'rename'])[1 + g %% 5], true,
                       '/django/django/db/models/fields/f' || (g %% 5000) || '.py', 2 + g %% 5000, 1,
                       1000, 1000, 4242, 'tarbox', 4096, 150000, jsonb_build_object('offset', g %% 65536)
                  FROM generate_series(1, %s) g""", (tid, records))
            made = time.perf_counter() - t0
            t0 = time.perf_counter()
            conn.execute("SELECT * FROM tarbox.audit_seal()")
            sealed = time.perf_counter() - t0
            t0 = time.perf_counter()
            rows = conn.execute("SELECT problem, detail FROM tarbox.audit_verify(%s)", (tenant,)).fetchall()
            verified = time.perf_counter() - t0
            problems = [r for r in rows if r[0] != "verified"]
            return {"records": records, "insert_s": round(made, 2), "seal_s": round(sealed, 2),
                    "verify_s": round(verified, 2),
                    "seal_s_per_million": round(sealed * 1e6 / records, 2),
                    "verify_s_per_million": round(verified * 1e6 / records, 2),
                    "problems": len(problems), "summary": [r[1] for r in rows if r[0] == "verified"]}
        finally:
            conn.execute("SELECT tarbox.tenant_delete(%s)", (tenant,))
            conn.execute("DELETE FROM tarbox.audit_seal WHERE tenant_id = %s", (tid,))
            conn.execute("DELETE FROM tarbox.audit_log WHERE tenant_id = %s", (tid,))


def format_audit(report: dict) -> str:
    """The audit section as text."""
    lines = []
    mnt = report.get("mount")
    if mnt:
        levels = list(mnt["levels"])
        lines.append(f"{'workload':<16}" + "".join(f"{lv + ' s':>12}" for lv in levels)
                     + "".join(f"{lv + '/none':>15}" for lv in levels if lv != "none") + "   target")
        for row in mnt["table"]:
            cells = "".join(f"{row.get(lv):>12.2f}" if row.get(lv) is not None else f"{'-':>12}" for lv in levels)
            ratios = "".join(f"{row.get(lv + '/none'):>15.3f}" if row.get(lv + "/none") is not None else f"{'-':>15}"
                             for lv in levels if lv != "none")
            lines.append(f"{row['workload']:<16}{cells}{ratios}   {row['target']}")
        if mnt.get("rounds", 1) > 1:
            lines.append(f"(medians of {mnt['rounds']} rounds, the levels in reversed order every other round)")
        for lv, e in mnt["levels"].items():
            if e.get("status") != "ok":
                lines.append(f"level {lv}: {e.get('status')} {e.get('error') or ''}")
            lines.append(f"level {lv}: {e.get('records', '?')} records, {e.get('log_bytes', '?')} bytes of log")
        if "log_bytes_per_10k_records" in mnt:
            lines.append(f"log size at level standard: {mnt['log_bytes_per_10k_records']:,} bytes per 10,000 records"
                         + (f" (+ {mnt['seal_bytes_per_10k_records']:,} bytes of seals)"
                            if "seal_bytes_per_10k_records" in mnt else ""))
    calls = report.get("calls")
    if calls:
        lines.append(f"per call, us (median of {calls['rounds']} rounds x {calls['calls']} calls; warning mode):")
        for name, c in calls["per_call"].items():
            lines.append(f"  {name:<22} wall " + "  ".join(f"{lv} {c['us'][lv]:>7.1f}" for lv in LEVELS)
                         + "   " + "  ".join(f"{lv}/none {c[lv + '/none']:.3f}" for lv in LEVELS if lv != "none"))
            if "cpu_us" in c:
                lines.append(f"  {'':<22} cpu  " + "  ".join(f"{lv} {c['cpu_us'][lv]:>7.1f}" for lv in LEVELS)
                             + "   " + "  ".join(f"{lv}/none {c['cpu ' + lv + '/none'] or 0:.3f}"
                                                 for lv in LEVELS if lv != "none"))
    ver = report.get("verify")
    if ver:
        lines.append(f"audit verify: {ver['records']:,} records sealed in {ver['seal_s']} s, verified in "
                     f"{ver['verify_s']} s ({ver['verify_s_per_million']} s per million; sealing "
                     f"{ver['seal_s_per_million']} s per million), {ver['problems']} problem(s)")
    return "\n".join(lines)


def run(admin_dsn: str, workdir: Path, tarball: Path, quick: bool, timeout: float, drop: bool, prefix: str,
        run_filesystem: Callable[..., dict], make_target: Callable[..., Any], parts: set[str],
        levels: list[str] | None = None, rounds: int = 1) -> dict:
    """Run the audit measurements named in ``parts`` (mount, calls, verify); the mount rows
    ``rounds`` times (see :func:`mount_rows`)."""
    report: dict = {}
    if "mount" in parts:
        report["mount"] = mount_rows(admin_dsn, workdir, tarball, quick, timeout, drop, f"{prefix}-m",
                                     run_filesystem, make_target, levels or LEVELS, rounds)
    if "calls" in parts:
        print("== audit: per call", flush=True)
        report["calls"] = call_costs(admin_dsn, f"{prefix}-c", rounds=3 if quick else 7, calls=200 if quick else 2000)
    if "verify" in parts:
        print("== audit: seal and verify", flush=True)
        report["verify"] = verify_cost(admin_dsn, f"{prefix}-v", 50_000 if quick else 1_000_000)
    return report
