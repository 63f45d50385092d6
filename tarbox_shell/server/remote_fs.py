"""The remote-filesystem contract that sandboxed runtimes already speak (RunMat's
``createRemoteFsProvider`` and ``RemoteFsProvider``), served at ``<base>/api/v1/fs/...`` so a
client configured with the base URL ``http://host<base>/api/v1`` works unchanged.

What the contract leaves to the server, decided here:

* a path without a leading '/' is taken from the root; '.' and '..' never leave the tenant's
  root (the database resolves them, '..' of the root is the root);
* ``PUT /fs/write``: ``truncate=true`` cuts the file to ``offset`` first, ``final=true`` makes
  the file end where that chunk ends, ``createNew=true`` answers 409 when the file exists;
  ``hash`` is accepted and ignored; the answer is 204 with the new ``ETag``;
* ``set-readonly`` maps to the mode bits: ``readonly: true`` clears every write bit (like
  ``chmod a-w``), ``false`` sets the owner's (``chmod u+w``); a later write, truncate through
  this API is 403 (EACCES) while no write bit is set;
* ``GET /fs/metadata`` follows symbolic links (``std::fs::metadata``); ``/fs/dir`` reports a
  link as ``symlink``;
* ``GET /fs/read`` answers ``application/octet-stream`` (never JSON: the TypeScript client would
  take a JSON body for ``{downloadUrl}``), streamed in 1 MiB pieces of one file version;
* the large-file routes (``download-url``, ``upload-session/*``) are :mod:`.large_files`:
  URL capabilities and upload sessions staged until ``complete``; ``multipart-upload`` is 404.
"""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from . import paths
from .context import ENTRY_SQL, call, entry_dict, etag, rfc3339
from .models import FsDirEntry, FsMetadata, FsMkdir, FsPath, FsRename, FsSetReadonly, Problem
from .streams import body_of, download, upload

router = APIRouter(tags=["remote filesystem (RunMat contract)"])

ERRORS = {code: {"model": Problem, "description": text} for code, text in {
    400: "invalid path or argument (EINVAL, ENOTDIR, EISDIR, ENAMETOOLONG, ELOOP)",
    401: "missing, unknown, expired or revoked bearer token",
    403: "read-only token, read-only file, or historical layer (EACCES, EPERM, EROFS)",
    404: "no such file or directory (ENOENT)",
    409: "exists, not empty or busy (EEXIST, ENOTEMPTY, EBUSY)",
    413: "request body over the limit (EFBIG)",
    503: "the database is unavailable; retry",
    507: "quota or space exhausted (EDQUOT, ENOSPC)",
}.items()}

PATH_DOC = "absolute path (percent-encoded bytes; a relative one is taken from the root)"


def _kind(t: str) -> str:
    return t if t in ("file", "dir", "symlink") else "other"


def _qpath(request: Request, name: str = "path") -> bytes:
    return paths.tenant_path(paths.query_bytes(request.scope, name), name)


def _jpath(text: str, what: str = "path") -> bytes:
    return paths.tenant_path(text.encode("utf-8"), what)


@router.get("/fs/metadata", response_model=FsMetadata, responses=ERRORS,
            summary="File metadata", description="stat(2) of `path` (symbolic links followed): "
            "`fileType`, `len` (bytes), `modifiedAt` (RFC 3339), `readonly` (no write bit), and the "
            "`ETag` of the file's version. One SQL call (tarbox.remote_stat).")
async def metadata(request: Request, path: str = Query(..., description=PATH_DOC)):
    """GET /fs/metadata."""
    p = _qpath(request)
    e = entry_dict((await call(request, False, f"SELECT {ENTRY_SQL} FROM tarbox.remote_stat(%s) e", (p,)))[0])
    body = {"fileType": _kind(e["type"]), "len": e["size"], "modifiedAt": rfc3339(e["mtime_ns"]),
            "readonly": (e["mode"] & 0o222) == 0, "etag": e["etag"]}
    return JSONResponse(body, headers={"ETag": etag(e["etag"])})


@router.get("/fs/read", response_class=Response, responses={
    200: {"content": {"application/octet-stream": {}}, "description": "the bytes"}, **ERRORS},
    summary="Read bytes", description="Bytes of the regular file `path` from `offset`, `length` of "
    "them (to the end of file without `length`; fewer at the end of file), as "
    "application/octet-stream, streamed in 1 MiB pieces of one version of the file.")
async def read(request: Request, path: str = Query(..., description=PATH_DOC),
               offset: int = Query(0, ge=0, le=2**62, description="first byte"),
               length: Optional[int] = Query(None, ge=0, le=2**62, description="bytes wanted (default: to EOF)")):
    """GET /fs/read."""
    d = await download(request, _qpath(request), offset, length)
    headers = {"ETag": etag(d.etag), "Content-Length": str(d.length)}
    if d.rest is None:
        return Response(d.first, media_type="application/octet-stream", headers=headers)
    return StreamingResponse(body_of(d), media_type="application/octet-stream", headers=headers)


@router.put("/fs/write", status_code=204, responses={204: {"description": "written; ETag is the new version"}, **ERRORS},
            summary="Write a chunk", description="Write the raw request body (any or no Content-Type) "
            "at `offset` of `path`, creating the file if missing. `truncate`: cut the file to `offset` "
            "first (the first chunk of an upload); `final`: the file ends where this chunk ends (the "
            "last chunk); `createNew`: 409 when the file exists. An empty file is one empty PUT with "
            "offset=0&truncate=true&final=true. One transaction (tarbox.remote_write).",
            openapi_extra={"requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def write(request: Request, path: str = Query(..., description=PATH_DOC),
                offset: int = Query(0, ge=0, le=2**62), truncate: bool = False, final: bool = False,
                createNew: bool = False, hash: Optional[str] = Query(None, max_length=256, description="ignored")):
    """PUT /fs/write."""
    e = await upload(request, _qpath(request), offset=offset, truncate=truncate, final=final, create_new=createNew)
    return Response(status_code=204, headers={"ETag": etag(e["etag"])})


@router.delete("/fs/file", status_code=204, responses=ERRORS, summary="Remove a file",
               description="unlink(2) of `path` (a directory is 400 EISDIR).")
async def remove_file(request: Request, path: str = Query(..., description=PATH_DOC)):
    """DELETE /fs/file."""
    await call(request, True, "SELECT tarbox.remote_remove(%s, 'file', false)", (_qpath(request),))
    return Response(status_code=204)


@router.get("/fs/dir", response_model=list[FsDirEntry], responses=ERRORS, summary="List a directory",
            description="Every entry of directory `path` with its absolute `path`, `fileName` and "
            "`fileType` (a symbolic link is `symlink`), in name order.")
async def list_dir(request: Request, path: str = Query(..., description=PATH_DOC)):
    """GET /fs/dir."""
    p = _qpath(request)
    out, after = [], None
    while True:
        rows = await call(request, False, "SELECT name, type FROM tarbox.remote_list(%s, %s, 10000)", (p, after))
        for name, kind in rows:
            name = bytes(name)
            out.append({"path": paths.text(paths.join(p if p != b"/" else b"", name)),
                        "fileName": paths.text(name), "fileType": _kind(kind)})
        if len(rows) < 10000:
            return out
        after = bytes(rows[-1][0])


@router.post("/fs/mkdir", status_code=204, responses=ERRORS, summary="Make a directory",
             description="mkdir(2) of `path`; with `recursive` the missing parents too, and an existing "
             "directory (also `/`) is fine.")
async def mkdir(request: Request, body: FsMkdir):
    """POST /fs/mkdir."""
    await call(request, True, "SELECT (tarbox.remote_mkdir(%s, 493, %s)).ino", (_jpath(body.path), body.recursive))
    return Response(status_code=204)


@router.delete("/fs/dir", status_code=204, responses=ERRORS, summary="Remove a directory",
               description="rmdir(2) of `path` (409 ENOTEMPTY when not empty), or with `recursive=true` "
               "the directory and everything below it.")
async def remove_dir(request: Request, path: str = Query(..., description=PATH_DOC), recursive: bool = False):
    """DELETE /fs/dir."""
    await call(request, True, "SELECT tarbox.remote_remove(%s, 'dir', %s)", (_qpath(request), recursive))
    return Response(status_code=204)


@router.post("/fs/rename", status_code=204, responses=ERRORS, summary="Rename",
             description="rename(2) of `from` to `to`: atomic, replacing a compatible target.")
async def rename(request: Request, body: FsRename):
    """POST /fs/rename."""
    await call(request, True, "SELECT (tarbox.remote_rename(%s, %s)).ino", (_jpath(body.from_, "from"), _jpath(body.to, "to")))
    return Response(status_code=204)


@router.post("/fs/set-readonly", status_code=204, responses=ERRORS, summary="Set or clear read-only",
             description="`readonly: true` clears every write permission bit of `path` (chmod a-w), "
             "`false` sets the owner's (chmod u+w). While no write bit is set, writes and truncation "
             "through this API are refused with 403 (EACCES).")
async def set_readonly(request: Request, body: FsSetReadonly):
    """POST /fs/set-readonly."""
    await call(request, True, "SELECT (tarbox.remote_set_readonly(%s, %s)).ino", (_jpath(body.path), body.readonly))
    return Response(status_code=204)


@router.get("/fs/canonicalize", response_model=FsPath, responses=ERRORS, summary="Canonical path",
            description="realpath(3) of `path`: absolute, every symbolic link, `.` and `..` resolved.")
async def canonicalize(request: Request, path: str = Query(..., description=PATH_DOC)):
    """GET /fs/canonicalize."""
    rows = await call(request, False, "SELECT tarbox.remote_canonicalize(%s)", (_qpath(request),))
    return {"path": paths.text(bytes(rows[0][0]))}
