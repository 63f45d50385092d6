"""What the route modules share: the gateway and settings of the running app, the bearer
token of a request, the calls that turn a database row into JSON, and entity tags.

Rows of ``tarbox.entry`` (the remote API's description of a file) arrive in the column order
of :data:`ENTRY`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import errno
import re
from typing import Any

from fastapi import Request

from . import paths
from .errors import HTTPProblem, unauthorized
from .gateway import Gateway

#: The columns of tarbox.entry, in order.
ENTRY = ("name", "ino", "type", "mode", "nlink", "uid", "gid", "rdev", "size", "atime_ns",
         "mtime_ns", "ctime_ns", "btime_ns", "target", "etag")
ENTRY_SQL = ", ".join(f"(e).{c}" for c in ENTRY)


def gateway(request: Request) -> Gateway:
    """The app's :class:`Gateway`."""
    return request.app.state.gateway


def token_of(request: Request) -> str:
    """The bearer token of the request's ``Authorization`` header. Raises a 401 problem when
    there is none (the database checks every other case)."""
    header = request.headers.get("authorization")
    if not header:
        raise unauthorized("unauthorized: missing Authorization: Bearer <token> header")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise unauthorized("unauthorized: the Authorization header must be 'Bearer <token>'")
    return value.strip()


#: The request header that names the program run a request belongs to (``tarbox wasi run``
#: in HTTP mode): its audit records carry it as ``details.run``.
RUN_HEADER = "tarbox-run"
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def run_of(request: Request) -> str | None:
    """The run id of the request's ``Tarbox-Run`` header (None without one). Raises a 400
    problem for a malformed one (1-64 letters, digits, ``._:-``)."""
    value = request.headers.get(RUN_HEADER)
    if value is None or value == "":
        return None
    if not _RUN_ID.fullmatch(value):
        raise HTTPProblem(400, errno.EINVAL, "the Tarbox-Run header must be 1-64 letters, digits, '.', '_', ':' or '-'")
    return value


async def call(request: Request, write: bool, query: str, params: Any = None, binary: bool = False,
               durable: bool = True, report: bool = False) -> list[tuple]:
    """Run one API call for this request as its token's tenant, labelled with the request's
    run (``Tarbox-Run``); ``report``: failures of the audited call are recorded (see
    :meth:`Gateway.call`)."""
    return await gateway(request).call(token_of(request), write, query, params, binary, durable,
                                       run=run_of(request), report=report)


def entry_dict(row: tuple) -> dict:
    """A tarbox.entry row as a dict keyed by :data:`ENTRY`."""
    return dict(zip(ENTRY, row))


def rfc3339(ns: int) -> str:
    """Nanoseconds since the epoch as an RFC 3339 UTC time with milliseconds
    (``2026-12-01T22:45:36.663Z``)."""
    t = dt.datetime.fromtimestamp(ns // 1_000_000_000, tz=dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{(ns // 1_000_000) % 1000:03d}Z"


def http_date(ns: int) -> str:
    """Nanoseconds since the epoch as an HTTP date (``Last-Modified``)."""
    return email.utils.formatdate(ns / 1e9, usegmt=True)


def etag(tag: str) -> str:
    """The ``ETag`` header value of a database etag (a strong tag: quoted)."""
    return f'"{tag}"'


def parse_etags(header: str | None) -> list[str] | None:
    """The tags of an ``If-Match`` header (``"a", W/"b"`` -> ``["a", "b"]``; ``*`` -> ``["*"]``);
    None without the header."""
    if header is None:
        return None
    tags = []
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        if len(part) >= 2 and part[0] == part[-1] == '"':
            part = part[1:-1]
        if part:
            tags.append(part)
    return tags


def none_match_star(header: str | None) -> bool:
    """True for ``If-None-Match: *`` (create only)."""
    return header is not None and header.strip() == "*"


def entry_json(e: dict, path: bytes | None = None) -> dict:
    """Tarbox's JSON description of a file (``/api/v1``): names as text and percent-encoded,
    times in ns and RFC 3339, mode in octal text too, the etag."""
    out = {
        "name": paths.text(e["name"]) if e["name"] is not None else "",
        "name_encoded": paths.encode(e["name"]) if e["name"] is not None else "",
        "type": e["type"], "ino": e["ino"], "mode": e["mode"], "perm": f"{e['mode'] & 0o7777:04o}",
        "nlink": e["nlink"], "uid": e["uid"], "gid": e["gid"], "rdev": e["rdev"], "size": e["size"],
        "atime_ns": e["atime_ns"], "mtime_ns": e["mtime_ns"], "ctime_ns": e["ctime_ns"],
        "btime_ns": e["btime_ns"], "mtime": rfc3339(e["mtime_ns"]), "etag": e["etag"],
        "readonly": (e["mode"] & 0o222) == 0,
    }
    if path is not None:
        out["path"] = paths.text(path)
        out["path_encoded"] = paths.encode(path)
    if e["target"] is not None:
        out["target"] = paths.text(bytes(e["target"]))
        out["target_encoded"] = paths.encode(bytes(e["target"]))
    return out
