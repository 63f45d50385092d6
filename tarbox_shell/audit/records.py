"""Audit filters (``since``, ``until``, ``path``, ``op``, ``failed``, ``limit``, ``newest``) and
record formats (one text line, or JSON) for ``tarbox.audit_search`` rows."""

from __future__ import annotations

import datetime as dt
import errno
import json
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..errors import TarboxError

#: The columns of ``tarbox.audit`` (and of ``tarbox.audit_search`` rows), in order.
COLUMNS = ("tenant_id", "at", "at_ns", "seq", "op", "ok", "errno", "message", "path", "path2", "ino",
           "layer", "uid", "gid", "pid", "role", "client_addr", "bytes", "duration_ns", "lines_added",
           "lines_deleted", "native", "native_source", "details")

#: The one SQL call behind every listing; parameters from :func:`search_params`.
SEARCH_SQL = ("SELECT " + ", ".join(COLUMNS) + " FROM tarbox.audit_search("
              "%s::timestamptz, %s::timestamptz, %s::text, %s::text[], %s::boolean, %s::int, %s::boolean)")

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)$")
_UNIT = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_OP = re.compile(r"^[a-z][a-z_]{0,31}$")


def parse_when(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """A point in time from ``text``: an ISO 8601 time (``2026-12-01``, ``2026-12-01T10:00``,
    ``...+02:00``; UTC when it has no zone), or a duration ago (``90s``, ``10m``, ``2h``,
    ``3d``, ``1w``). Raises :class:`TarboxError` (EINVAL) otherwise."""
    now = now or dt.datetime.now(dt.timezone.utc)
    value = text.strip()
    m = _RELATIVE.match(value)
    if m:
        return now - dt.timedelta(seconds=float(m.group(1)) * _UNIT[m.group(2)])
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise TarboxError(f"invalid time {text!r}: use ISO 8601 (2026-12-01T10:00) or an age "
                          "such as 10m, 2h, 3d", errno.EINVAL) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


@dataclass
class Filter:
    """Which records to show: from ``since`` to ``until`` (datetimes, None = open), on path
    ``path`` or below it, of operations ``ops`` (empty = all), only failures (``failed``),
    at most ``limit`` of them, the newest ones when ``newest``."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    path: str | None = None
    ops: list[str] = field(default_factory=list)
    failed: bool = False
    limit: int = 100
    newest: bool = True


def _ops(values: Sequence[str]) -> list[str]:
    ops = [o.strip() for v in values for o in str(v).split(",") if o.strip()]
    for o in ops:
        if not _OP.match(o):
            raise TarboxError(f"invalid operation name {o!r}", errno.EINVAL)
    return ops


def parse_filter(text: str, now: dt.datetime | None = None) -> Filter:
    """A :class:`Filter` from what is written to ``/.tarbox/audit/query``: words
    ``since=10m until=2026-12-01 path=/src op=write,unlink failed limit=50 oldest``, or the
    same as a JSON object (``{"since": "1h", "op": ["write"], "failed": true}``). An empty
    text is the default filter (the newest 100 records). Raises :class:`TarboxError` (EINVAL)
    for anything else."""
    text = text.strip()
    f = Filter()
    if not text:
        return f
    if text.startswith("{"):
        try:
            args = json.loads(text)
        except ValueError as exc:
            raise TarboxError(f"invalid JSON filter: {exc}", errno.EINVAL) from None
        if not isinstance(args, dict):
            raise TarboxError("a JSON filter must be an object", errno.EINVAL)
        items = list(args.items())
    else:
        items = []
        for word in text.split():
            key, eq, value = word.partition("=")
            items.append((key, value if eq else True))
    for key, value in items:
        if key == "since":
            f.since = parse_when(str(value), now)
        elif key == "until":
            f.until = parse_when(str(value), now)
        elif key == "path":
            f.path = str(value)
            if not f.path.startswith("/"):
                raise TarboxError(f"path {f.path!r} is not absolute", errno.EINVAL)
        elif key in ("op", "ops"):
            f.ops = _ops(value if isinstance(value, list) else [value])
        elif key == "failed":
            f.failed = value not in (False, "false", "no", "0")
        elif key == "limit":
            try:
                f.limit = int(value)
            except (TypeError, ValueError):
                raise TarboxError(f"invalid limit {value!r}", errno.EINVAL) from None
            if not 1 <= f.limit <= 100000:
                raise TarboxError(f"limit {f.limit}: 1 to 100000", errno.EINVAL)
        elif key == "oldest":
            f.newest = value in (False, "false", "no", "0")
        elif key == "newest":
            f.newest = value not in (False, "false", "no", "0")
        else:
            raise TarboxError(f"unknown filter word {key!r} (since, until, path, op, failed, limit, "
                              "oldest)", errno.EINVAL)
    return f


def search_params(f: Filter) -> tuple:
    """The parameters of :data:`SEARCH_SQL` for filter ``f``."""
    return (f.since, f.until, f.path, f.ops or None, f.failed, f.limit, f.newest)


def record_json(row: Sequence[Any]) -> dict:
    """A record (a row of :data:`COLUMNS`) as a JSON-ready dict (time in ISO 8601)."""
    d = dict(zip(COLUMNS, row))
    if isinstance(d.get("at"), dt.datetime):
        d["at"] = d["at"].astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if d.get("client_addr") is not None:
        d["client_addr"] = str(d["client_addr"])
    return d


def _size(n: int) -> str:
    return f"{n} B" if n < 10240 else (f"{n / 1024:.1f} KiB" if n < 10 * 1048576 else f"{n / 1048576:.1f} MiB")


def format_record(row: Sequence[Any]) -> str:
    """A record as one line: UTC time, operation, outcome (``ok`` or ``ERRNO message``), path
    (``-> destination``), then what is known of inode, layer, caller, bytes, duration,
    line changes, native source, and the details as JSON."""
    d = dict(zip(COLUMNS, row))
    at = d["at"].astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if d["at"] else "?"
    parts = [at, f"{d['op']:<12}", "ok" if d["ok"] else f"{d['errno'] or 'E?'}"]
    if d["path"] is not None:
        parts.append(d["path"] + (f" -> {d['path2']}" if d["path2"] is not None else ""))
    if not d["ok"] and d["message"]:
        parts.append(f"({d['message']})")
    if d["ino"] is not None:
        parts.append(f"ino={d['ino']}")
    if d["layer"] is not None:
        parts.append(f"layer={d['layer']}")
    if d["pid"] is not None or d["uid"] is not None:
        parts.append(f"uid={d['uid']} gid={d['gid']} pid={d['pid']}")
    else:
        parts.append(f"role={d['role']}" + (f"@{d['client_addr']}" if d["client_addr"] else ""))
    if d["bytes"] is not None:
        parts.append(_size(int(d["bytes"])))
    if d["duration_ns"] is not None:
        parts.append(f"{int(d['duration_ns']) / 1e6:.2f}ms")
    if d["lines_added"] is not None:
        parts.append(f"+{d['lines_added']}/-{d['lines_deleted']} lines")
    if d["native"]:
        parts.append(f"native={d['native_source']}")
    if d["details"]:
        parts.append(json.dumps(d["details"], sort_keys=True, separators=(",", ":")))
    return "  ".join(parts)
