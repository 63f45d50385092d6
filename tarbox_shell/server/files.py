"""Tarbox's own file routes (``<base>/api/v1/...``). A file is addressed by its path after the
route (``/api/v1/files/{path}``), percent-encoded byte for byte (see :mod:`.paths`).

* ``GET /files/{path}``: the bytes (``Range: bytes=a-b`` -> 206, ``If-None-Match`` -> 304,
  ``?layer=`` reads it as of a layer); ``HEAD``: the same headers without the body;
* ``PUT /files/{path}``: replace the whole file (streamed; one transaction; ``If-Match`` /
  ``If-None-Match: *`` -> 412 when they fail); ``PATCH ?offset=N`` writes at an offset,
  ``PATCH ?append=true`` appends; ``DELETE`` removes (``?recursive=true`` for a tree);
* ``GET /stat/{path}``, ``GET /dir/{path}`` (paged), ``POST /dir/{path}`` (mkdir),
  ``POST /move/{path}?to=`` (rename), ``POST /link/{path}?target=[&symbolic=true]``,
  ``GET /readlink/{path}``, ``POST /attrs/{path}`` (chmod, chown, truncate, utimes),
  ``GET|PUT|DELETE /xattrs/{path}``, ``GET /canonical/{path}``, ``GET /history/{path}``,
  ``GET /difftext/{path}?from=&to=``.

Every response that describes a file carries its ``ETag``; every change accepts ``If-Match``.
"""

from __future__ import annotations

import base64
import errno as E
import re
from typing import Optional

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

from . import paths
from .context import (ENTRY_SQL, call, entry_dict, entry_json, etag, http_date, none_match_star,
                      parse_etags)
from .errors import HTTPProblem
from .models import Attrs, Entry, HistoryRow, Listing, Problem
from .streams import body_of, download, upload

router = APIRouter(tags=["files"])

ERRORS = {code: {"model": Problem, "description": text} for code, text in {
    400: "invalid path or argument (EINVAL, ENOTDIR, EISDIR, ENAMETOOLONG, ELOOP, EILSEQ)",
    401: "missing, unknown, expired or revoked bearer token",
    403: "read-only token, read-only file, or historical layer (EACCES, EPERM, EROFS)",
    404: "no such file, directory or layer (ENOENT)",
    409: "exists, not empty or busy (EEXIST, ENOTEMPTY, EBUSY)",
    412: "If-Match / If-None-Match failed: the file changed (ESTALE)",
    413: "request body over the limit (EFBIG)",
    503: "the database is unavailable; retry",
    507: "quota or space exhausted (EDQUOT, ENOSPC)",
}.items()}

LAYER = Query(None, max_length=128, description="read as of this layer (name, tag, id; default: current)")
PATH_PARAM = "the tenant path, percent-encoded bytes ('/' separates names)"
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
BINARY_BODY = {"requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}


def _path(request: Request) -> bytes:
    static = request.scope["route"].path.split("{", 1)[0]
    api = request.app.state.api_prefix
    return paths.url_path_after(request.scope, static if static.startswith(api + "/") else api + static)


def _entry_response(e: dict, path: bytes, status: int = 200) -> JSONResponse:
    return JSONResponse(entry_json(e, path), status_code=status, headers={"ETag": etag(e["etag"])})


def _if_match(request: Request) -> list[str] | None:
    return parse_etags(request.headers.get("if-match"))


def _file_headers(d, extra: dict | None = None) -> dict:
    h = {"ETag": etag(d.etag), "Last-Modified": http_date(d.mtime_ns), "Accept-Ranges": "bytes",
         "Content-Length": str(d.length)}
    h.update(extra or {})
    return h


def byte_range(header: str | None) -> tuple[int, int | None] | None:
    """The ``(offset, length)`` of an HTTP ``Range`` header of one byte range (offset < 0: a
    suffix, length None: to the end); None without the header. Raises a 416 problem for
    anything else."""
    if not header:
        return None
    m = RANGE_RE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        raise HTTPProblem(416, E.EINVAL, f"unsupported Range {header!r}: give one range bytes=a-b, a- or -n")
    first, last = m.group(1), m.group(2)
    if not first:
        return -int(last), None
    if last and int(last) < int(first):
        raise HTTPProblem(416, E.EINVAL, f"invalid Range {header!r}")
    return int(first), (int(last) - int(first) + 1 if last else None)


FILE_RESPONSES = {
    200: {"content": {"application/octet-stream": {}}, "description": "the file's bytes"},
    206: {"content": {"application/octet-stream": {}}, "description": "the requested range"},
    304: {"description": "not modified (If-None-Match)"},
    416: {"model": Problem, "description": "range not satisfiable"}, **ERRORS}


@router.get("/files/{path:path}", response_class=Response, responses=FILE_RESPONSES, summary="Read a file",
            description="The bytes of a regular file: `Range: bytes=a-b` answered 206, `If-None-Match` 304, "
            "`If-Match` 412, `?layer=` as of a layer. Streamed in 1 MiB pieces of one version of the file.")
async def get_file(request: Request, path: str, layer: Optional[str] = LAYER):
    """GET /files/{path}."""
    return await _serve_file(request, layer, head=False)


@router.head("/files/{path:path}", response_class=Response, responses=FILE_RESPONSES, summary="File metadata",
             description="The headers a GET would answer with (Content-Length, ETag, Last-Modified), no body.")
async def head_file(request: Request, path: str, layer: Optional[str] = LAYER):
    """HEAD /files/{path}."""
    return await _serve_file(request, layer, head=True)


async def _serve_file(request: Request, layer: Optional[str], head: bool) -> Response:
    p = _path(request)
    rng = None if head else byte_range(request.headers.get("range"))  # HEAD ignores Range
    offset, length = rng if rng else (0, 0 if head else None)
    d = await download(request, p, offset, length, layer, _if_match(request))
    inm = parse_etags(request.headers.get("if-none-match"))
    if inm is not None and (d.etag in inm or "*" in inm):
        return Response(status_code=304, headers={"ETag": etag(d.etag)})
    if head:
        d.length = d.size
        return Response(status_code=200, headers=_file_headers(d, {"Content-Type": "application/octet-stream"}))
    status, extra = 200, {}
    if rng is not None:
        if d.offset >= d.size:
            return JSONResponse({"error": "EINVAL", "errno": E.EINVAL,
                                 "message": f"range not satisfiable: the file has {d.size} bytes"},
                                status_code=416, headers={"Content-Range": f"bytes */{d.size}"})
        status, extra = 206, {"Content-Range": f"bytes {d.offset}-{d.offset + d.length - 1}/{d.size}"}
    headers = _file_headers(d, extra)
    if d.rest is None:
        return Response(d.first, status_code=status, media_type="application/octet-stream", headers=headers)
    return StreamingResponse(body_of(d), status_code=status, media_type="application/octet-stream", headers=headers)


@router.put("/files/{path:path}", response_model=Entry, responses=ERRORS, openapi_extra=BINARY_BODY,
    summary="Replace a file", description="The request body becomes the file's whole content "
    "(created if missing, with `mode`); streamed into one transaction, so readers see the old or the "
    "new content, never a mix. `If-Match: \"etag\"` only replaces that version, `If-None-Match: *` "
    "only creates (412 otherwise).")
async def put_file(request: Request, path: str,
                   mode: Optional[str] = Query(None, pattern="^[0-7]{1,4}$", description="octal permission bits for a new file (default 644)")):
    """PUT /files/{path}."""
    p = _path(request)
    e = await upload(request, p, 0, truncate=True, final=True, if_match=_if_match(request),
                     if_none_match=none_match_star(request.headers.get("if-none-match")),
                     mode=int(mode, 8) if mode else None)
    return _entry_response(e, p)


@router.patch("/files/{path:path}", response_model=Entry, responses=ERRORS, openapi_extra=BINARY_BODY,
              summary="Write at an offset or append", description="Write the body at byte `offset` "
              "(a gap becomes a hole), or with `append=true` at the end (O_APPEND, atomic against other "
              "appenders); the file is created if missing. `If-Match` 412s a changed file.")
async def patch_file(request: Request, path: str, offset: int = Query(0, ge=0, le=2**62),
                     append: bool = False):
    """PATCH /files/{path}."""
    p = _path(request)
    e = await upload(request, p, offset, append=append, if_match=_if_match(request))
    return _entry_response(e, p)


@router.delete("/files/{path:path}", status_code=204, responses=ERRORS, summary="Remove",
               description="Remove a file, symbolic link or empty directory; `recursive=true` removes a "
               "directory with everything below it. `If-Match` 412s a changed entry.")
async def delete_file(request: Request, path: str, recursive: bool = False):
    """DELETE /files/{path}."""
    await call(request, True, "SELECT tarbox.remote_remove(%s, 'any', %s, %s)",
               (_path(request), recursive, _if_match(request)))
    return Response(status_code=204)


@router.get("/stat/{path:path}", response_model=Entry, responses=ERRORS, summary="stat",
            description="stat(2) of the path (`follow=false`: lstat(2)) as of `layer`, with its ETag.")
async def stat(request: Request, path: str, follow: bool = True, layer: Optional[str] = LAYER):
    """GET /stat/{path}."""
    p = _path(request)
    e = entry_dict((await call(request, False, f"SELECT {ENTRY_SQL} FROM tarbox.remote_stat(%s, %s, %s) e",
                               (p, follow, layer)))[0])
    return _entry_response(e, p)


@router.get("/dir/{path:path}", response_model=Listing, responses=ERRORS, summary="List a directory",
            description="One page of a directory in name-byte order: up to `limit` entries after the "
            "percent-encoded name `after`; `next` is the `after` of the next page (null at the end).")
async def list_dir(request: Request, path: str, after: Optional[str] = Query(None, max_length=1024),
                   limit: int = Query(1000, ge=1, le=10000), layer: Optional[str] = LAYER):
    """GET /dir/{path}."""
    p = _path(request)
    raw_after = paths.query_bytes(request.scope, "after") if after is not None else None
    rows = await call(request, False, f"SELECT {ENTRY_SQL} FROM tarbox.remote_list(%s, %s, %s, %s) e",
                      (p, raw_after, limit, layer))
    entries = [entry_json(entry_dict(r), paths.join(p, bytes(r[0]))) for r in rows]
    nxt = paths.encode(bytes(rows[-1][0])) if len(rows) == limit else None
    return {"entries": entries, "next": nxt}


@router.post("/dir/{path:path}", response_model=Entry, status_code=201, responses=ERRORS,
             summary="Make a directory", description="mkdir(2) with `mode` (octal, default 755); "
             "`parents=true`: mkdir -p (existing directories are fine).")
async def make_dir(request: Request, path: str, parents: bool = False,
                   mode: str = Query("755", pattern="^[0-7]{1,4}$")):
    """POST /dir/{path}."""
    p = _path(request)
    e = entry_dict((await call(request, True, f"SELECT {ENTRY_SQL} FROM tarbox.remote_mkdir(%s, %s, %s) e",
                               (p, int(mode, 8), parents)))[0])
    return _entry_response(e, p, 201)


@router.post("/move/{path:path}", response_model=Entry, responses=ERRORS, summary="Rename",
             description="rename(2) of the path to `to` (percent-encoded): atomic, replacing a "
             "compatible target unless `noreplace=true` (409). `If-Match` 412s a changed source.")
async def move(request: Request, path: str, to: str = Query(..., max_length=12288), noreplace: bool = False):
    """POST /move/{path}."""
    dst = paths.tenant_path(paths.query_bytes(request.scope, "to"), "to")
    e = entry_dict((await call(request, True, f"SELECT {ENTRY_SQL} FROM tarbox.remote_rename(%s, %s, %s, %s) e",
                               (_path(request), dst, noreplace, _if_match(request))))[0])
    return _entry_response(e, dst)


@router.post("/link/{path:path}", response_model=Entry, status_code=201, responses=ERRORS,
             summary="Make a link", description="A hard link at the path to the existing `target`, or "
             "with `symbolic=true` a symbolic link whose target is `target` as given (percent-encoded bytes).")
async def link(request: Request, path: str, target: str = Query(..., max_length=12288), symbolic: bool = False):
    """POST /link/{path}."""
    p = _path(request)
    raw = paths.query_bytes(request.scope, "target") or b""
    if symbolic:
        rows = await call(request, True, f"SELECT {ENTRY_SQL} FROM tarbox.remote_symlink(%s, %s) e", (raw, p))
    else:
        rows = await call(request, True, f"SELECT {ENTRY_SQL} FROM tarbox.remote_link(%s, %s) e",
                          (paths.tenant_path(raw, "target"), p))
    return _entry_response(entry_dict(rows[0]), p, 201)


@router.get("/readlink/{path:path}", responses=ERRORS, summary="readlink",
            description="The target of a symbolic link: `{target, target_encoded}`.")
async def readlink(request: Request, path: str, layer: Optional[str] = LAYER):
    """GET /readlink/{path}."""
    rows = await call(request, False, "SELECT tarbox.remote_readlink(%s, %s)", (_path(request), layer))
    t = bytes(rows[0][0])
    return {"target": paths.text(t), "target_encoded": paths.encode(t)}


@router.post("/attrs/{path:path}", response_model=Entry, responses=ERRORS, summary="chmod, chown, truncate, utimes",
             description="Change the attributes given in the body (others unchanged): `mode`, `uid`, "
             "`gid`, `size` (truncate), `atime_ns`/`mtime_ns`, `touch` (times not given become now). "
             "`follow=false` changes a symbolic link itself. `If-Match` 412s a changed file.")
async def attrs(request: Request, path: str, body: Attrs, follow: bool = True):
    """POST /attrs/{path}."""
    p = _path(request)
    e = entry_dict((await call(request, True,
                               f"SELECT {ENTRY_SQL} FROM tarbox.remote_setattr(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) e",
                               (p, body.mode, body.uid, body.gid, body.atime_ns, body.mtime_ns, body.size,
                                body.touch, follow, _if_match(request))))[0])
    return _entry_response(e, p)


@router.get("/xattrs/{path:path}", responses=ERRORS, summary="List extended attributes",
            description="`{xattrs: [{name, name_encoded, value_base64}]}`, sorted by name.")
async def xattrs(request: Request, path: str, layer: Optional[str] = LAYER):
    """GET /xattrs/{path}."""
    rows = await call(request, False, "SELECT name, value FROM tarbox.remote_xattrs(%s, %s)", (_path(request), layer))
    return {"xattrs": [{"name": paths.text(bytes(n)), "name_encoded": paths.encode(bytes(n)),
                        "value_base64": base64.b64encode(bytes(v)).decode()} for n, v in rows]}


@router.put("/xattrs/{path:path}", response_model=Entry, responses=ERRORS, openapi_extra=BINARY_BODY,
            summary="Set an extended attribute", description="setxattr(2): the body is the value of "
            "attribute `name` (percent-encoded); `flags` 1 = create only, 2 = replace only.")
async def set_xattr(request: Request, path: str, name: str = Query(..., min_length=1, max_length=768),
                    flags: int = Query(0, ge=0, le=2)):
    """PUT /xattrs/{path}."""
    p = _path(request)
    value = await request.body()
    if len(value) > 65536:
        raise HTTPProblem(413, E.E2BIG, "an extended attribute value holds at most 64 KiB")
    rows = await call(request, True, f"SELECT {ENTRY_SQL} FROM tarbox.remote_setxattr(%s, %s, %s, %s) e",
                      (p, paths.query_bytes(request.scope, "name"), value, flags))
    return _entry_response(entry_dict(rows[0]), p)


@router.delete("/xattrs/{path:path}", response_model=Entry, responses=ERRORS, summary="Remove an extended attribute",
               description="removexattr(2) of attribute `name` (percent-encoded).")
async def remove_xattr(request: Request, path: str, name: str = Query(..., min_length=1, max_length=768)):
    """DELETE /xattrs/{path}."""
    p = _path(request)
    rows = await call(request, True, f"SELECT {ENTRY_SQL} FROM tarbox.remote_setxattr(%s, %s, NULL, 0) e",
                      (p, paths.query_bytes(request.scope, "name")))
    return _entry_response(entry_dict(rows[0]), p)


@router.get("/canonical/{path:path}", responses=ERRORS, summary="Canonical path",
            description="realpath(3): `{path, path_encoded}` with links, `.` and `..` resolved.")
async def canonical(request: Request, path: str, layer: Optional[str] = LAYER):
    """GET /canonical/{path}."""
    rows = await call(request, False, "SELECT tarbox.remote_canonicalize(%s, %s)", (_path(request), layer))
    c = bytes(rows[0][0])
    return {"path": paths.text(c), "path_encoded": paths.encode(c)}


def _utf8(p: bytes) -> str:
    try:
        return p.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPProblem(400, E.EILSEQ, "history and text diffs take UTF-8 paths") from None


@router.get("/history/{path:path}", response_model=list[HistoryRow], responses=ERRORS, summary="History of a path",
            description="The layers where the path was added (A), modified (M) or deleted (D), oldest first "
                        "(tarbox.history). In a composition: the tenant's own changes over the publication. "
                        "404 ENOENT missing directory, 400 EINVAL the root.")
async def history(request: Request, path: str):
    """GET /history/{path}."""
    rows = await call(request, False, "SELECT layer_id, layer_name, change, type, size, mtime::text, ino "
                      "FROM tarbox.history(%s)", (_utf8(_path(request)),))
    keys = ("layer_id", "layer_name", "change", "type", "size", "mtime", "ino")
    return [dict(zip(keys, r)) for r in rows]


@router.get("/difftext/{path:path}", response_class=PlainTextResponse, responses={
    200: {"content": {"text/plain": {}}, "description": "unified diff (empty when equal)"}, **ERRORS},
    summary="Unified diff of a file", description="diff -u of the file between layers `from` and `to` "
    "(default: the current layer).")
async def difftext(request: Request, path: str, from_: str = Query(..., alias="from", max_length=128),
                   to: str = Query("current", max_length=128)):
    """GET /difftext/{path}."""
    rows = await call(request, False, "SELECT tarbox.diff_text(%s, %s, %s)", (_utf8(_path(request)), from_, to))
    return PlainTextResponse(rows[0][0] or "")
