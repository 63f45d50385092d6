"""Tarbox's audit routes (``<base>/api/v1/audit``...): the token's tenant reads its own audit
records, with the filters of ``tarbox audit`` (since, until, path, op, failed, limit, newest),
and the summaries of the audit views. Each route is one SQL call; row-level security keeps
every other tenant's records out, and nothing here writes a record (the log is written only by
the operations it records)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal

from fastapi import APIRouter, Query, Request

from ..audit import SEARCH_SQL, Filter, parse_filter, record_json, search_params
from .context import call
from .models import AuditRecord, Problem

router = APIRouter(tags=["audit"])

ERRORS = {code: {"model": Problem, "description": text} for code, text in {
    400: "invalid filter: a time, path, operation name or limit that cannot be (EINVAL)",
    401: "missing, unknown, expired or revoked bearer token",
    503: "the database is unavailable; retry",
}.items()}

WHEN = ("ISO 8601 time (2026-12-01T10:00, UTC without a zone) or an age such as 90s, 10m, 2h, 3d, 1w")

#: The summaries a tenant may ask for: the view, its columns (after tenant_id) and its order.
SUMMARIES = {
    "path": ("tarbox.audit_changes_by_path",
             ("path", "changes", "writes", "bytes_written", "first_at", "last_at", "lines_added", "lines_deleted"),
             "last_at DESC, path"),
    "day": ("tarbox.audit_changes_by_day", ("day", "op", "done", "failed", "bytes"), "day DESC, op"),
    "layer": ("tarbox.audit_changes_by_layer", ("layer", "changes", "paths", "first_at", "last_at"), "layer DESC"),
    "last": ("tarbox.audit_last_change", ("path", "at", "op", "layer", "uid", "gid", "pid", "role", "seq"),
             "at DESC, path"),
}


def _filter(since: str | None, until: str | None, path: str | None, op: list[str] | None, failed: bool,
            limit: int, newest: bool) -> Filter:
    """The :class:`tarbox_shell.audit.Filter` of the query parameters, checked as the CLI and
    ``/.tarbox/audit/query`` check theirs (TarboxError EINVAL -> 400)."""
    words = {"since": since, "until": until, "path": path, "op": op or None, "limit": limit,
             "failed": failed, "newest": newest}
    return parse_filter(json.dumps({k: v for k, v in words.items() if v is not None}))


def _json(value):
    return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z") \
        if isinstance(value, dt.datetime) else value.isoformat() if isinstance(value, dt.date) else value


@router.get("/audit", response_model=list[AuditRecord], responses=ERRORS, summary="Audit records",
            description="The tenant's own audit records, oldest first (tarbox.audit_search): those from "
            "`since` (inclusive) to `until` (exclusive), on `path` or below it (as path or destination), of "
            "the operations `op` (repeat it, or comma-separated: write,unlink), only failures with "
            "`failed=true`; at most `limit` records, the oldest ones, or the newest with `newest=true` (the "
            "default, as `tarbox audit`). Times are `at` (RFC 3339) and `at_ns` (ns since the epoch).")
async def audit_records(request: Request,
                        since: str | None = Query(None, max_length=64, description=WHEN),
                        until: str | None = Query(None, max_length=64, description=WHEN),
                        path: str | None = Query(None, max_length=4096, description="absolute path: records of it or below it"),
                        op: list[str] | None = Query(None, description="operation names (create, write, rename, ...)"),
                        failed: bool = Query(False, description="only failed operations"),
                        limit: int = Query(100, ge=1, le=100000, description="at most this many records"),
                        newest: bool = Query(True, description="the newest `limit` records (false: the oldest)")):
    """GET /audit."""
    f = _filter(since, until, path, op, failed, limit, newest)
    rows = await call(request, False, SEARCH_SQL, search_params(f))
    return [record_json(r) for r in rows]


@router.get("/audit/summary/{by}", responses=ERRORS, summary="Audit summaries",
            description="Summaries of the tenant's own audit records, from the audit views: `path` "
            "(successful changes per path: count, writes, bytes written, first and last time, lines "
            "added and deleted), `day` (operations per UTC day: done, failed, bytes), `layer` (changes per "
            "layer) or `last` (the last change of every path: when, what, by whom). Most recent first, at "
            "most `limit` rows.")
async def audit_summary(request: Request, by: Literal["path", "day", "layer", "last"],
                        limit: int = Query(1000, ge=1, le=100000, description="at most this many rows")):
    """GET /audit/summary/{by}."""
    view, cols, order = SUMMARIES[by]
    rows = await call(request, False, f"SELECT {', '.join(cols)} FROM {view} ORDER BY {order} LIMIT %s", (limit,))
    return [{c: _json(v) for c, v in zip(cols, r)} for r in rows]
