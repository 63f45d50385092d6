"""Tarbox benchmark: ``python -m tarbox_shell.bench [--quick] [--out FILE.json]``.

A benchmark, not a test: it prints measured figures and saves them as JSON
(``bench-results/fs-<timestamp>.json`` by default). It never fails on slow figures;
it exits non-zero only when it could not run at all.

Part A compares filesystems in one run on this machine with the same workloads
(:mod:`tarbox_shell.bench.workloads`): a Tarbox mount of a fresh tenant, JuiceFS with
PostgreSQL as metadata engine and object storage on the same PostgreSQL server, bindfs
over a local directory (the cost of FUSE itself) and tmpfs (the ceiling); see
:mod:`tarbox_shell.bench.targets`. Each filesystem runs in a child process with a time limit.

Part B measures layers with direct SQL as tenant roles (:mod:`tarbox_shell.bench.layers`).

Part C runs CPython for WASI on small files and one large file, with its filesystem in a
tenant (``tarbox wasi run``), on a FUSE mount and on tmpfs (:mod:`tarbox_shell.bench.wasi`).

Part D compares a read-write native mount of a Tarbox mount with bindfs over the same host
directory, on the extract and small-file workloads (:mod:`tarbox_shell.bench.native`).
Part E measures composing and mounting a published layer of 10 and 10,000 files
(:mod:`tarbox_shell.bench.compose`).
Part E measures storage sizes, garbage and the append cost (:mod:`tarbox_shell.bench.storage`).

The database is the one Tarbox uses: ``--dsn`` / ``$TARBOX_DSN``, else the embedded
cluster (started and initialised with ``tarbox init`` if needed). Needs root for
``mount -t tmpfs`` and for dropping the page cache (without root, tmpfs is skipped and
the caches are not dropped, which the output says).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from .. import db
from . import audit as bench_audit
from . import compose as bench_compose
from . import layers as bench_layers
from . import native as bench_native
from . import storage as bench_storage
from . import report as bench_report
from . import http as bench_http
from . import sqlapi as bench_sqlapi
from . import targets as bench_targets
from . import wasi as bench_wasi
from . import workloads as bench_workloads

REPO = Path(__file__).resolve().parents[2]
DJANGO_VERSION = "5.1.4"


def django_tarball(cache: Path = REPO / ".cache") -> Path:
    """Return the Django sdist tarball in ``cache``, downloading it with pip if missing.

    Raises RuntimeError when it is missing and cannot be downloaded.
    """
    for name in (f"Django-{DJANGO_VERSION}.tar.gz", f"django-{DJANGO_VERSION}.tar.gz"):
        if (cache / name).exists():
            return cache / name
    cache.mkdir(parents=True, exist_ok=True)
    res = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary",
                          ":all:", f"django=={DJANGO_VERSION}", "-d", str(cache)],
                         capture_output=True, text=True)
    for name in (f"Django-{DJANGO_VERSION}.tar.gz", f"django-{DJANGO_VERSION}.tar.gz"):
        if (cache / name).exists():
            return cache / name
    raise RuntimeError(f"cannot download the Django {DJANGO_VERSION} sdist: {res.stderr.strip()[-300:]}")


def prepare_database(dsn: str | None) -> str:
    """Make sure the Tarbox database is up and installed (``tarbox init``: starts the
    embedded cluster when no DSN is given) and return the admin DSN to use."""
    env = dict(os.environ)
    if dsn:
        env["TARBOX_DSN"] = dsn
    res = subprocess.run([sys.executable, "-m", "tarbox_shell", "init"], capture_output=True,
                         text=True, env=env, cwd=str(REPO))
    if res.returncode != 0:
        raise RuntimeError(f"tarbox init failed: {(res.stderr or res.stdout).strip()}")
    return db.resolve_dsn(dsn)


#: The local PostgreSQL postmaster's pid (found by :func:`postmaster_pid`), for CPU figures.
POSTMASTER_PID: list[int | None] = [None]


def postmaster_pid(admin_dsn: str) -> int | None:
    """The pid of the PostgreSQL server's postmaster when it runs on this machine and its
    data directory is readable (first line of ``postmaster.pid``), else None."""
    try:
        with psycopg.connect(admin_dsn, connect_timeout=10) as conn:
            data = conn.execute("SHOW data_directory").fetchone()[0]
        pid = int((Path(data) / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
        return pid
    except (psycopg.Error, OSError, ValueError, IndexError):
        return None


def extract_figures(fs_results: dict[str, dict]) -> list[str]:
    """One line per filesystem with the extract's FUSE requests and SQL calls per entry and
    the CPU seconds of the mount, of PostgreSQL and of the tool (what is known of each)."""
    lines = []
    for fs, info in fs_results.items():
        for r in info.get("results", []):
            if r.get("name") != "extract" or not r.get("detail"):
                continue
            d = r["detail"]
            cpu = d.get("cpu_s", {})
            parts = []
            if "fuse_requests_per_entry" in d:
                parts.append(f"{d['fuse_requests_per_entry']} FUSE requests and {d['sql_calls_per_entry']} SQL "
                             f"calls per entry ({d['fuse_requests']} and {d['sql_calls']})")
            parts.append("CPU s: " + ", ".join(f"{k} {v}" for k, v in cpu.items()))
            lines.append(f"extract on {fs}: " + "; ".join(parts))
    return lines


def host_info(admin_dsn: str) -> dict:
    """Describe the machine and the PostgreSQL server (JSON-ready dict)."""
    info = {"kernel": platform.release(), "python": platform.python_version(),
            "cpus": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().split()
        info["mem_gib"] = round(int(mem[1]) / 1024 / 1024, 1)
    except (OSError, IndexError, ValueError):
        pass
    try:
        with psycopg.connect(admin_dsn, connect_timeout=10) as conn:
            info["postgres"] = conn.execute("SELECT version()").fetchone()[0]
            for k in ("shared_buffers", "synchronous_commit", "fsync", "data_directory"):
                try:
                    info[f"pg_{k}"] = conn.execute(f"SHOW {k}").fetchone()[0]
                except psycopg.Error:
                    conn.rollback()
    except psycopg.Error as exc:
        info["postgres"] = f"unreachable: {exc}"
    conninfo = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    info["database"] = {k: v for k, v in conninfo.items() if k != "password"}
    return info


def run_filesystem(target: bench_targets.Target, tarball: Path, quick: bool, timeout: float,
                   drop: bool, workdir: Path, only: list[str] | None = None) -> dict:
    """Mount ``target``, run the workloads (all, or those named in ``only``) on it in a child
    process (at most ``timeout`` seconds) in ``target.data_dir``, unmount. Returns
    ``{"status", "error", "config", "results", "notes", "seconds"}``; status is ``ok``,
    ``unavailable``, ``timeout`` or ``error``."""
    out: dict = {"status": "ok", "results": [], "notes": [], "config": {}, "loadavg_before": _loadavg()}
    jsonl = workdir / f"results-{target.name}.jsonl"
    jsonl.unlink(missing_ok=True)
    t0 = time.monotonic()
    try:
        with target:
            out["config"] = target.config
            print(f"[{target.name}] mounted on {target.mountpoint}", flush=True)
            cmd = [sys.executable, "-m", "tarbox_shell.bench.workloads", "--dir", str(target.data_dir),
                   "--out", str(jsonl), "--tarball", str(tarball)]
            if quick:
                cmd.append("--quick")
            if only:
                cmd += ["--only", ",".join(only)]
            if not drop:
                cmd.append("--no-drop-caches")
            pid = target.daemon_pid()
            if pid:
                cmd += ["--mount-pid", str(pid)]
            if POSTMASTER_PID[0]:
                cmd += ["--postmaster-pid", str(POSTMASTER_PID[0])]
            # own process group: tar/git/grep children are killed with it
            proc = subprocess.Popen(cmd, cwd=str(REPO), stdin=subprocess.DEVNULL, start_new_session=True)
            try:
                proc.wait(timeout=timeout)
                if proc.returncode != 0:
                    out["status"], out["error"] = "error", f"workload process exited {proc.returncode}"
            except subprocess.TimeoutExpired:
                out["status"], out["error"] = "timeout", f"workloads did not finish in {timeout:.0f}s"
                print(f"[{target.name}] timeout: aborting the mount", flush=True)
                _stop_group(proc, target)
            except BaseException:  # interrupted: stop the workloads before unmounting
                _stop_group(proc, target)
                raise
            if target.name == "juicefs":
                out["config"]["local_cache_bytes_at_end"] = _du(workdir / "juicefs-cache")
            _attach_log(out, target)
    except bench_targets.TargetUnavailable as exc:
        out["status"], out["error"] = "unavailable", str(exc)
        print(f"[{target.name}] not measured: {exc}", flush=True)
    except Exception as exc:
        out["status"], out["error"] = "error", f"{type(exc).__name__}: {exc}"
        print(f"[{target.name}] error: {exc}", flush=True)
    out["seconds"] = round(time.monotonic() - t0, 1)
    out["loadavg_after"] = _loadavg()
    if jsonl.exists():
        for line in jsonl.read_text().splitlines():
            try:
                d = json.loads(line)
            except json.JSONDecodeError:
                continue
            if d.get("name") == "_notes":
                out["notes"].extend(d.get("notes", []))
            else:
                out["results"].append(d)
        jsonl.unlink(missing_ok=True)
    return out


def _stop_group(proc: subprocess.Popen, target: bench_targets.Target) -> None:
    """Kill the workload process group; if it does not die (stuck in a hung FUSE
    request), abort the mount and kill again."""
    for attempt in range(2):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            if attempt == 0:
                target.abort()


def _raise_interrupt(signum, _frame) -> None:
    """SIGTERM handler: unwind like Ctrl-C so that mounts, tenants and databases are cleaned up."""
    raise KeyboardInterrupt(f"signal {signum}")


def _attach_log(out: dict, target: bench_targets.Target, lines: int = 40) -> None:
    """When a workload failed, keep the last ``lines`` lines of the mount's log in ``out``."""
    failed = out["status"] != "ok" or any(not r.get("ok", True) for r in _read_jsonl(out, target))
    log = getattr(target, "log", None)
    if failed and log is not None and Path(log).exists():
        text = Path(log).read_text(errors="replace").splitlines()
        out["mount_log_tail"] = text[-lines:]


def _read_jsonl(out: dict, target: bench_targets.Target) -> list[dict]:
    path = target.workdir / f"results-{target.name}.jsonl"
    rows = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return rows


def _loadavg() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (other work on the machine skews figures)."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return None


def _du(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


NOTES = [
    "Each filesystem is freshly mounted (Tarbox: a new tenant; JuiceFS: a new database, "
    "formatted with --trash-days 0) and measured alone, in this order of workloads: extract, "
    "verify, find+stat, grep -r, git, small-file phases, sequential write, sequential read, "
    "random reads.",
    "Before every workload: sync, then `echo 3 > /proc/sys/vm/drop_caches` (page cache, dentries "
    "and inodes; PostgreSQL's own shared_buffers are not dropped). The sequential read therefore "
    "reads the file written just before through a cold kernel cache on the same mount (not a "
    "fresh mount).",
    "seq write includes fsync + close (data made durable); small-file creates are not fsync'ed.",
    "extract = `tar -xzf` (gunzip included, the same for all); verify compares every file's bytes, "
    "every symlink target and every file mode with the tarball.",
    "JuiceFS keeps a local disk cache of blocks (its default, unless --juicefs-cache-size); "
    "drop_caches does not empty it, so its reads may be served from local disk rather than "
    "PostgreSQL (see local_cache_bytes_at_end in the JSON).",
]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: run the benchmark, print the table and figures, save JSON."""
    ap = argparse.ArgumentParser(prog="python -m tarbox_shell.bench",
                                 description="Tarbox benchmark (prints figures; not a test).")
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--out", default=None,
                    help="JSON output (default bench-results/fs-<timestamp>.json)")
    ap.add_argument("--dsn", default=None, help="admin libpq DSN (default $TARBOX_DSN, else the "
                    "embedded cluster)")
    ap.add_argument("--fs", default=",".join(bench_report.FS_ORDER),
                    help="comma-separated filesystems to measure (default: %(default)s); '' = none")
    ap.add_argument("--layers", default="1,2,3,4",
                    help="layer figures to measure (default: %(default)s); '' = none")
    ap.add_argument("--storage", default="S1,S2,S3,S4,S5",
                    help="storage figures to measure (default: %(default)s); '' = none")
    ap.add_argument("--sqlapi", default="on", choices=["on", "off"],
                    help="direct SQL path API vs the AgentFS SDK (default: %(default)s)")
    ap.add_argument("--http", default="on", choices=["on", "off"],
                    help="the HTTP API (tarbox serve) vs the direct SQL path API (default: %(default)s)")
    ap.add_argument("--workdir", default="/var/tmp/tarbox-bench",
                    help="scratch directory on a local disk (default: %(default)s)")
    ap.add_argument("--fs-timeout", type=float, default=None,
                    help="seconds allowed per filesystem (default 3600, --quick 900)")
    ap.add_argument("--juicefs-cache-size", type=int, default=None, metavar="MIB",
                    help="JuiceFS --cache-size in MiB (default: JuiceFS's own; 0 = no local disk "
                         "cache, every read goes to PostgreSQL)")
    ap.add_argument("--wasi", default="direct,http,fuse,tmpfs",
                    help="WASI targets to measure (default: %(default)s); '' = none")
    ap.add_argument("--native", default="on", choices=["on", "off"],
                    help="a read-write native mount vs bindfs over the same host directory "
                         "(default: %(default)s)")
    ap.add_argument("--compose", default="on", choices=["on", "off"],
                    help="the cost of composing and mounting a published layer of 10 and 10,000 files "
                         "(default: %(default)s)")
    ap.add_argument("--keep-tenants", action="store_true", help="do not delete the bench tenants")
    ap.add_argument("--audit", default="mount,calls,verify",
                    help="audit cost figures to measure: mount (workloads at levels none/standard/full), "
                         "calls (per SQL call), verify (seal and verify); '' = none (default: %(default)s)")
    ap.add_argument("--audit-levels", default=",".join(bench_audit.LEVELS),
                    help="levels of the audit mount rows (default: %(default)s)")
    ap.add_argument("--audit-rounds", type=int, default=2,
                    help="rounds of the audit mount rows, the levels in reversed order every other "
                         "round; the table gives medians (default: %(default)s, --quick 1)")
    args = ap.parse_args(argv)

    signal.signal(signal.SIGTERM, _raise_interrupt)
    started = dt.datetime.now(dt.timezone.utc)
    stamp = started.strftime("%Y%m%dt%H%M%S")
    out_path = Path(args.out) if args.out else REPO / "bench-results" / f"fs-{stamp}.json"
    fs_names = [s.strip() for s in args.fs.split(",") if s.strip()]
    layer_keys = {s.strip() for s in args.layers.split(",") if s.strip()}
    storage_keys = {s.strip().upper() for s in args.storage.split(",") if s.strip()}
    timeout = args.fs_timeout or (900.0 if args.quick else 3600.0)
    notes = list(NOTES)
    is_root = os.geteuid() == 0
    if not is_root:
        notes.append("not root: tmpfs skipped and the page cache is not dropped")
        fs_names = [n for n in fs_names if n != "tmpfs"]

    try:
        admin_dsn = prepare_database(args.dsn)
        tarball = django_tarball()
        POSTMASTER_PID[0] = postmaster_pid(admin_dsn)
    except Exception as exc:
        print(f"bench: cannot start: {exc}", file=sys.stderr)
        return 1

    workdir = Path(args.workdir) / stamp
    workdir.mkdir(parents=True, exist_ok=True)
    report: dict = {
        "started": started.isoformat(), "quick": args.quick, "command": " ".join(
            ["python -m tarbox_shell.bench"] + (argv if argv is not None else sys.argv[1:])),
        "host": host_info(admin_dsn), "tarball": str(tarball),
        "sizes": vars(bench_workloads.Sizes.quick() if args.quick else bench_workloads.Sizes.full()),
        "notes": notes, "filesystems": {}, "layers": None, "sqlapi": None, "http": None, "audit": None,
        "wasi": None, "native": None, "compose": None,
        "storage": None,
        "loadavg_start": _loadavg(),
    }
    print(f"Tarbox benchmark{' (--quick)' if args.quick else ''}: {report['host'].get('postgres', '')}")
    print(f"database: {admin_dsn}; work dir {workdir}")

    try:
        tenant = f"bench-{stamp}-fs"
        targets = bench_targets.make_targets(
            [n for n in ["tmpfs", "bindfs", "juicefs", "tarbox"] if n in fs_names]
            + [n for n in fs_names if n not in ("tmpfs", "bindfs", "juicefs", "tarbox")],
            workdir, admin_dsn, tenant, args.juicefs_cache_size)
        for target in targets:
            print(f"== {target.name}", flush=True)
            report["filesystems"][target.name] = run_filesystem(
                target, tarball, args.quick, timeout, is_root, workdir)
            bench_report.save_json(out_path, report)  # partial results survive an interruption
        if args.native == "on":
            print("== native mount vs bindfs over the same host directory", flush=True)
            report["native"] = bench_native.run(
                lambda t, only: run_filesystem(t, tarball, args.quick, timeout, is_root, workdir, only),
                workdir, admin_dsn, f"bench-{stamp}-n")
            bench_report.save_json(out_path, report)
        if args.compose == "on":
            print("== composition: compose and mount a published layer", flush=True)
            report["compose"] = bench_compose.run(workdir, admin_dsn, f"bench-{stamp}-c", args.quick,
                                                  keep=args.keep_tenants)
            bench_report.save_json(out_path, report)
        if layer_keys:
            print("== layers (SQL, as tenant roles)", flush=True)
            sizes = bench_layers.LayerSizes.quick() if args.quick else bench_layers.LayerSizes.full()
            lb = bench_layers.LayerBench(admin_dsn, f"bench-{stamp}-l", sizes,
                                         keep=args.keep_tenants)
            report["layers"] = lb.run(layer_keys)
        audit_parts = {s.strip() for s in args.audit.split(",") if s.strip()}
        if audit_parts:
            report["audit"] = bench_audit.run(
                admin_dsn, workdir, tarball, args.quick, timeout, is_root, f"bench-{stamp}-a",
                run_filesystem,
                lambda name, level: bench_targets.TarboxTarget(workdir, admin_dsn, name, audit_level=level),
                audit_parts, [s.strip() for s in args.audit_levels.split(",") if s.strip()],
                1 if args.quick else max(1, args.audit_rounds))
            bench_report.save_json(out_path, report)
        if args.sqlapi == "on":
            print("== direct SQL path API vs AgentFS", flush=True)
            report["sqlapi"] = bench_sqlapi.run(admin_dsn, workdir, f"bench-{stamp}-q", args.quick)
            bench_report.save_json(out_path, report)
        if args.http == "on":
            print("== HTTP API (tarbox serve) vs direct SQL", flush=True)
            report["http"] = bench_http.run(admin_dsn, f"bench-{stamp}-h", args.quick)
            bench_report.save_json(out_path, report)
        wasi_names = [s.strip() for s in args.wasi.split(",") if s.strip()]
        if wasi_names:
            print("== wasi (CPython for WASI)", flush=True)
            wb = bench_wasi.WasiBench(admin_dsn, workdir, f"bench-{stamp}-w",
                                      files=20 if args.quick else 200,
                                      big=(1 if args.quick else 10) * 2**20)
            report["wasi"] = wb.run(wasi_names)
            bench_report.save_json(out_path, report)
        if storage_keys:
            print("== storage (sizes, garbage, append cost)", flush=True)
            sb = bench_storage.StorageBench(admin_dsn, f"bench-{stamp}-s", tarball, args.quick, workdir,
                                            keep=args.keep_tenants)
            report["storage"] = sb.run(storage_keys)
            bench_report.save_json(out_path, report)
    finally:
        report["finished"] = dt.datetime.now(dt.timezone.utc).isoformat()
        report["loadavg_end"] = _loadavg()
        if report["filesystems"]:
            report["table"] = bench_report.table_rows(report["filesystems"])
        bench_report.save_json(out_path, report)
        bench_targets.unmount_all_under(workdir)
        shutil.rmtree(workdir, ignore_errors=True)
        try:
            workdir.parent.rmdir()
        except OSError:
            pass

    print()
    if report["filesystems"]:
        print(bench_report.format_table(
            report["filesystems"], f"Filesystems ({'quick' if args.quick else 'full'} sizes; "
            f"{report['host'].get('cpus')} CPUs, kernel {report['host'].get('kernel')}; "
            f"1-min load average {report['loadavg_start'][0] if report['loadavg_start'] else '?'} at start, "
            f"{report['loadavg_end'][0] if report['loadavg_end'] else '?'} at end)"))
        print()
        for line in extract_figures(report["filesystems"]):
            print(line)
        for n in notes:
            print(f"* {n}")
        print()
    if report["native"]:
        print(bench_native.format_native(report["native"]))
        print()
    if report.get("compose"):
        print(bench_compose.format_compose(report["compose"]))
        print()
    if report["layers"]:
        print("Layers (SQL, as tenant roles)")
        print(bench_report.format_layers(report["layers"]))
        print()
    if report["audit"]:
        print("Audit: level standard and full against none (time ratios: below 1.15 / 1.30 is the target)")
        print(bench_audit.format_audit(report["audit"]))
        print()
    if report["storage"]:
        print("Storage (sizes, garbage, append cost)")
        print(bench_report.format_layers(report["storage"]))
    if report["sqlapi"]:
        print(f"Direct SQL path API vs AgentFS ({report['sqlapi']['files']} x "
              f"{report['sqlapi']['bytes']} B files; ratio = best Tarbox / best AgentFS)")
        print(bench_sqlapi.format_sqlapi(report["sqlapi"]))
        print()
    if report["http"]:
        print(f"HTTP API vs direct SQL path API ({report['http']['files']} files of {report['http']['bytes']} B, "
              f"{report['http']['seconds']:.0f} s per figure; clients are processes on this machine)")
        print(bench_http.format_http(report["http"]))
        print()
    if report["wasi"]:
        print(bench_wasi.format_wasi(report["wasi"]))
        print()
    print(f"saved {out_path}")
    return 0


def run() -> int:
    """``main()`` with Ctrl-C / SIGTERM reported as one line (exit 130) after cleanup."""
    try:
        return main()
    except KeyboardInterrupt:
        print("bench: interrupted (partial results saved)", file=sys.stderr)
        return 130

