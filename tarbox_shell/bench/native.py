"""Part D of the benchmark: a read-write native mount (a host directory passed through inside
a Tarbox mount, issue 15) against bindfs over the same host directory, on the Django extract
and the small-file workloads, in one run. Both are FUSE passthroughs of one directory of the
local disk: the figure is what Tarbox's bridge (pyfuse3, trio, the dispatcher, the
passthrough component) costs against a C passthrough. The target is within 2x bindfs.

The Tarbox side mounts a fresh tenant with ``--config`` (one ``[[native_mount]]`` at
``/work``) and runs the workloads in ``MNT/work``; the directory is emptied before bindfs
mounts it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

from . import floor as bench_floor
from . import targets as bench_targets

#: The workloads compared (the issue's "Django extract and the small-file rows").
WORKLOADS = ["extract", "small: create", "small: stat", "small: read", "small: rename", "small: unlink"]
TARGET_RATIO = 2.0


class NativeTarboxTarget(bench_targets.TarboxTarget):
    """``tarbox mount --config`` of a fresh tenant with a read-write native mount of
    ``source`` at ``/work``; the workloads run in ``MNT/work``."""

    name = "tarbox-native"

    def __init__(self, workdir: Path, admin_conninfo: str, tenant: str, source: Path):
        super().__init__(workdir, admin_conninfo, tenant)
        self.source = source
        cfg = workdir / "native-bench.toml"
        cfg.write_text(f'[[native_mount]]\nmount_path = "/work"\nsource_path = "{source}"\nmode = "rw"\n')
        self.extra_args = ["--config", str(cfg)]

    @property
    def data_dir(self) -> Path:
        """The native mount point inside the mount."""
        return self.mountpoint / "work"


class BindfsSameDir(bench_targets.BindfsTarget):
    """bindfs over the same host directory as :class:`NativeTarboxTarget`'s source."""

    name = "bindfs-same-dir"


def _empty(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)


def run(measure: Callable[[bench_targets.Target, list[str]], dict], workdir: Path, admin_dsn: str,
        tenant: str) -> dict[str, Any]:
    """Measure both, one after the other, with ``measure(target, workloads)`` (the harness's
    ``run_filesystem``). Returns ``{"source", "workloads", "filesystems": {name: result},
    "rows": [{"workload", "unit", "tarbox_native_s", "bindfs_s", "ratio"}], "target_ratio",
    "floor"}``; ``floor`` is :func:`.floor.measure` of both mounted at once next to a pyfuse3
    filesystem that does nothing (what one request costs through the bridge's libraries)."""
    source = workdir / "native-source"
    out: dict[str, Any] = {"source": str(source), "workloads": WORKLOADS, "filesystems": {},
                           "target_ratio": TARGET_RATIO}
    try:
        for target in (NativeTarboxTarget(workdir, admin_dsn, tenant, source), BindfsSameDir(workdir, source)):
            _empty(source)
            print(f"== {target.name} ({source})", flush=True)
            out["filesystems"][target.name] = measure(target, WORKLOADS)
        _empty(source)
        print("== the per-request floor: pyfuse3 + trio with a handler that does nothing", flush=True)
        try:
            with NativeTarboxTarget(workdir, admin_dsn, tenant + "-floor", source) as t, \
                    BindfsSameDir(workdir, source) as b:
                out["floor"] = bench_floor.measure(workdir, {"tarbox native": t.data_dir, "bindfs": b.data_dir})
        except (bench_targets.TargetUnavailable, RuntimeError, OSError) as exc:
            out["floor"] = {"error": str(exc)}
    finally:
        shutil.rmtree(source, ignore_errors=True)
    by = {name: {r["name"]: r for r in info.get("results", [])} for name, info in out["filesystems"].items()}
    rows = []
    for w in WORKLOADS:
        t = by.get("tarbox-native", {}).get(w, {})
        b = by.get("bindfs-same-dir", {}).get(w, {})
        ratio = None
        if t.get("seconds") and b.get("seconds") and t.get("ok", True) and b.get("ok", True):
            ratio = t["seconds"] / b["seconds"]
        rows.append({"workload": w, "unit": t.get("rate_unit") or b.get("rate_unit") or "",
                     "tarbox_native_s": t.get("seconds"), "tarbox_native_rate": t.get("rate"),
                     "bindfs_s": b.get("seconds"), "bindfs_rate": b.get("rate"), "ratio": ratio,
                     "error": t.get("error") or b.get("error")})
    out["rows"] = rows
    return out


def _fmt(v: float | None, width: int) -> str:
    if v is None:
        return "-".rjust(width)
    return (f"{v:,.0f}" if v >= 100 else f"{v:.3g}").rjust(width)


def format_native(native: dict[str, Any]) -> str:
    """The comparison as text: per workload the seconds and rate of each, and the ratio."""
    out = [f"Native mount (rw, Tarbox) vs bindfs over the same host directory "
           f"({native['source']}); ratio = Tarbox seconds / bindfs seconds, target <= {native['target_ratio']:g}",
           f"{'workload [rate unit]':30} | {'tarbox native':^20} | {'bindfs':^20} | ratio",
           "-" * 84]
    for r in native["rows"]:
        label = f"{r['workload']} [{r['unit']}]" if r["unit"] else r["workload"]
        cells = []
        for key in ("tarbox_native", "bindfs"):
            s = r.get(f"{key}_s")
            cells.append("FAIL".center(20) if s is None else _fmt(s, 8) + " " + _fmt(r.get(f"{key}_rate"), 11))
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        out.append(f"{label:30} | {cells[0]:<20} | {cells[1]:<20} | {ratio}")
        if r.get("error"):
            out.append(f"    {r['workload']}: {r['error']}")
    for name, info in native["filesystems"].items():
        if info.get("status") != "ok":
            out.append(f"{name}: {info.get('status')}: {info.get('error', '')}")
    floor = native.get("floor")
    if floor and "median_us" in floor:
        out.append(bench_floor.format_floor(floor))
    elif floor:
        out.append(f"per-request floor not measured: {floor.get('error')}")
    return "\n".join(out)
