"""Formatting of the benchmark's results: the filesystem table, the layer figures, the JSON file.

The table has one row per workload and, per filesystem, the timed seconds and a rate
(the unit is in the row's label); the last column is Tarbox's time divided by
JuiceFS's time for that workload (below 1: Tarbox is faster; above 1: JuiceFS is).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .workloads import UNITS

#: Filesystem columns in display order.
FS_ORDER = ["tarbox", "juicefs", "bindfs", "tmpfs"]


def _num(v: float | None, width: int) -> str:
    if v is None:
        return "-".rjust(width)
    if v >= 10_000:
        s = f"{v:,.0f}"
    elif v >= 100:
        s = f"{v:.0f}"
    elif v >= 10:
        s = f"{v:.1f}"
    elif v >= 1:
        s = f"{v:.2f}"
    else:
        s = f"{v:.3f}"
    return s.rjust(width)


def table_rows(fs_results: dict[str, dict]) -> list[dict]:
    """Merge per-filesystem results into rows, one per workload (in run order).

    Args:
        fs_results: ``{fs_name: {"status": str, "results": [result dict, ...], ...}}``.

    Returns a list of dicts ``{"workload", "unit", "cells": {fs: {"seconds", "rate",
    "ok", "error"}}, "tarbox_over_juicefs": float | None}``.
    """
    order: list[str] = []
    units: dict[str, str] = dict(UNITS)
    cells: dict[str, dict[str, dict]] = {}
    for fs, info in fs_results.items():
        for r in info.get("results", []):
            name = r["name"]
            if name.startswith("_"):
                continue
            if name not in order:
                order.append(name)
            if r.get("rate_unit"):
                units[name] = r["rate_unit"]
            cells.setdefault(name, {})[fs] = {"seconds": r.get("seconds"), "rate": r.get("rate"),
                                              "ok": r.get("ok", True), "error": r.get("error")}
    rows = []
    for name in order:
        c = cells[name]
        t, j = c.get("tarbox", {}), c.get("juicefs", {})
        ratio = None
        if t.get("seconds") and j.get("seconds") and t.get("ok") and j.get("ok"):
            ratio = t["seconds"] / j["seconds"]
        rows.append({"workload": name, "unit": units.get(name, ""), "cells": c,
                     "tarbox_over_juicefs": ratio})
    return rows


def format_table(fs_results: dict[str, dict], title: str = "") -> str:
    """Return the filesystem comparison table as text (one line per workload).

    A cell shows ``seconds rate``; ``FAIL`` when the workload failed, ``!`` after the
    seconds when it ran but its verification found a mismatch; ``-`` when the
    filesystem was not measured.
    """
    names = [fs for fs in FS_ORDER if fs in fs_results] + [fs for fs in fs_results if fs not in FS_ORDER]
    rows = table_rows(fs_results)
    label_w = max([len(f"{r['workload']} [{r['unit']}]") for r in rows] + [24])
    cw = 20
    out = []
    if title:
        out.append(title)
    head = "workload [rate unit]".ljust(label_w) + "".join(f" | {fs:^{cw}}" for fs in names) + \
        " | Tarbox/JuiceFS"
    sub = "".ljust(label_w) + "".join(f" | {'s':>8} {'rate':>11}" for _ in names) + " | time ratio"
    out += [head, sub, "-" * len(head)]
    for r in rows:
        line = f"{r['workload']} [{r['unit']}]".ljust(label_w)
        for fs in names:
            c = r["cells"].get(fs)
            status = fs_results[fs].get("status")
            if c is None:
                cell = ("not run" if status == "ok" else status or "-").center(cw)[:cw]
            elif c.get("seconds") is None:
                cell = "FAIL".center(cw)
            else:
                mark = "" if c.get("ok", True) else "!"
                cell = (_num(c["seconds"], 7) + (mark or " ") + " " + _num(c.get("rate"), 11))
            line += f" | {cell:<{cw}}"
        ratio = r["tarbox_over_juicefs"]
        line += " | " + (f"{ratio:10.2f}" if ratio is not None else "-".rjust(10))
        out.append(line)
    out.append("-" * len(head))
    out.append("Tarbox/JuiceFS = Tarbox seconds / JuiceFS seconds: below 1 Tarbox is faster, above 1 "
               "JuiceFS is faster.")
    for fs in names:
        info = fs_results[fs]
        if info.get("status") != "ok":
            out.append(f"{fs}: {info.get('status')}: {info.get('error', '')}")
        for r in info.get("results", []):
            if r.get("error") and not r["name"].startswith("_"):
                out.append(f"{fs} / {r['name']}: {r['error']}")
    return "\n".join(out)


def format_layers(layers: dict[str, Any]) -> str:
    """Return the layer figures as text: per figure its value, unit and the SQL behind it."""
    out = []
    section = None
    for f in layers.get("figures", []):
        if f["section"] != section:
            section = f["section"]
            out.append(section)
        v = f["value"]
        val = "-" if v is None else (f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:.3g}")
        out.append(f"  {f['label']:<58} {val:>10} {f['unit']}")
        if f.get("command"):
            out.append(f"      {f['command']}")
    for key, val in (layers.get("summary") or {}).items():
        out.append(f"  ({key}: {json.dumps(val)})")
    for e in layers.get("errors", []):
        out.append(f"  ERROR {e}")
    return "\n".join(out)


def save_json(path: str | os.PathLike, data: dict) -> Path:
    """Write ``data`` as indented JSON to ``path`` (parents created); return the Path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(tmp, p)
    return p
