"""The inode routes (``<base>/api/v1/inodes/...``): what a WASI host (``tarbox wasi run --url``)
needs from a tenant over HTTP, one SQL call each.

Open descriptors address their file by **inode number**, never by path, so a file the guest
holds open keeps working when it is renamed or unlinked meanwhile (an unlinked inode lives on
without links, as POSIX wants, until the tenant's orphans are purged):

* ``GET /inodes/{ino}`` (getattr), ``GET|PATCH /inodes/{ino}/data`` (pread at an offset; pwrite
  at an offset or append, answering the new position), ``POST /inodes/{ino}/close`` (close or
  fsync of a descriptor that wrote: its last held bytes and the text re-chunking of a FUSE
  release, in one call), ``POST /inodes/{ino}/size`` (ftruncate),
  ``POST /inodes/{ino}/allocate``, ``POST /inodes/{ino}/times`` (futimens),
  ``GET /inodes/{ino}/entries`` (readdir with cookies), ``POST /sync`` (fsync);

**path operations** are resolved beneath a base directory inode (a preopened directory or one
opened under it) with the semantics of the ``tarbox.wasi_*`` functions: '..' never pops the
base, symbolic links are expanded in place and may not lead out, absolute paths are refused,
so every escape is EPERM (403), as wasmtime refuses it. The path routes of :mod:`.files` are
clamped to the tenant's root, which cannot enforce a preopen's containment; these can:

* ``POST /inodes/{dir}/open`` (path_open with oflags, answering the attributes),
  ``GET /inodes/{dir}/stat``, ``POST /inodes/{dir}/mkdir|rmdir|unlink|rename|symlink|link``,
  ``GET /inodes/{dir}/readlink``, ``POST /inodes/{dir}/times`` with a ``path``.

Changes commit asynchronously (``synchronous_commit = off``), as a mount's do: atomic when
they answer, durable once ``POST /sync`` answers (fsync), so a small write costs no disk flush.
Paths here are relative UTF-8 text (WASI strings), in JSON bodies or the ``path`` query
parameter. Errors are the usual ``{error, errno, message}`` with the status of the errno
(:mod:`.errors`), so a client tells EPERM (an escape) from EACCES or EROFS by the errno.
``GET /whoami`` names the token's tenant.

Every route here records a failing audited call in the tenant's audit log with its errno, as
a mount's calls do (``report`` of :meth:`tarbox_shell.server.gateway.Gateway.call`), and a
request with a ``Tarbox-Run`` header (``tarbox wasi run`` sends its run's id) labels its
records with it (``details.run``).

A client holding descriptors registers a **lease session** (``POST /sessions``, renewed with
``POST /sessions/{session}``, ended with ``DELETE /sessions/{session}``; ``tarbox.mount_lease``):
while it lives, files unlinked while open are kept for it as they are for a running mount, and
its end purges them (unless another mount still runs).
"""

from __future__ import annotations

import asyncio
import base64
import errno as E
import json
from typing import AsyncIterator

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse

from . import metrics, paths
from .bodies import PIECE, pieces
from .context import call, gateway, token_of
from .errors import HTTPProblem
from .models import (Allocate, ClosePosition, InodeAttr, InodeEntries, Lease, LeaseEnd, LeaseRequest, LinkAt, LinkTarget,
                     OpenAt, OpenedInode, PathAt, Problem, RenameAt, RunNote, RunNoted, SetTimes, SizeChange, SymlinkAt,
                     WritePosition, Whoami)

router = APIRouter(tags=["inodes (WASI)"])

ERRORS = {code: {"model": Problem, "description": text} for code, text in {
    400: "invalid argument, not a directory, is a directory, name too long, too many links "
         "(EINVAL, ENOTDIR, EISDIR, ENAMETOOLONG, ELOOP, EILSEQ), or a rename or link across a "
         "composition's boundary (EXDEV)",
    401: "missing, unknown, expired or revoked bearer token",
    403: "the path leads outside the base directory (EPERM), or a read-only token or "
         "historical layer or read-only composition (EROFS), or no permission (EACCES): the errno says which",
    404: "no such inode, file or directory (ENOENT)",
    409: "exists, not empty or busy (EEXIST, ENOTEMPTY, EBUSY; EBUSY also for a composition's "
         "mount point itself)",
    413: "too large (EFBIG)",
    503: "the database is unavailable; retry",
    507: "quota or space exhausted (EDQUOT, ENOSPC)",
}.items()}

INO = "inode number (of the tenant; another tenant's are ENOENT)"
DIR = "inode number of the base directory the path is resolved beneath"
#: The most bytes one read request returns (a read is short beyond it, as POSIX allows).
MAX_READ = 16 << 20
#: Header of a read response: the file's size (bytes) when the read began.
SIZE_HEADER = "X-Tarbox-Size"
async def _call(request: Request, write: bool, query: str, params=None, **options) -> list[tuple]:
    """:func:`tarbox_shell.server.context.call` with failures reported: a failing audited call
    (a path_open of a missing file...) is recorded in the tenant's audit log with its errno, as
    the same call of direct mode or of a mount is, and answered as the error it stands for."""
    return await call(request, write, query, params, report=True, **options)


ATTR_COLS = "ino, mode, nlink, uid, gid, rdev, size, blocks, atime_ns, mtime_ns, ctime_ns, btime_ns"
_TYPES = {0o040000: "dir", 0o100000: "file", 0o120000: "symlink", 0o010000: "fifo",
          0o140000: "socket", 0o020000: "chardev", 0o060000: "blockdev"}
BINARY_BODY = {"requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}


def attr_json(row: tuple) -> dict:
    """A ``tarbox.attr`` row (columns :data:`ATTR_COLS`) as the JSON of :class:`InodeAttr`."""
    keys = ATTR_COLS.split(", ")
    out = dict(zip(keys, row))
    out["type"] = _TYPES.get(out["mode"] & 0o170000, "unknown")
    return out


async def _attr(request: Request, write: bool, function: str, params: tuple) -> dict:
    rows = await _call(request, write, f"SELECT {ATTR_COLS} FROM tarbox.{function} a", params, durable=False)
    return attr_json(rows[0])


def _path_query(request: Request) -> str:
    raw = paths.query_bytes(request.scope, "path")
    if raw is None:
        raise HTTPProblem(400, E.EINVAL, "query parameter path is required")
    if b"\0" in raw:
        raise HTTPProblem(400, E.EINVAL, "path contains a NUL byte")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPProblem(400, E.EILSEQ, "a WASI path must be UTF-8") from None


# ------------------------------------------------------------------ who


@router.get("/whoami", response_model=Whoami, responses=ERRORS, summary="The token's tenant",
            description="The name and id of the tenant the bearer token acts as (a client checks it "
            "is talking to the tenant it was told to use).")
async def whoami(request: Request):
    """GET /whoami."""
    rows = await _call(request, False, "SELECT t.name, t.tenant_id FROM tarbox.tenant t")
    if not rows:
        raise HTTPProblem(403, E.EACCES, "the token's role sees no tenant row")
    return {"tenant": rows[0][0], "tenant_id": rows[0][1]}


# ------------------------------------------------------------------ lease sessions


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


@router.post("/runs", response_model=RunNoted, responses=ERRORS, summary="Note a program run",
             description="Record the start or the end of a program run (`tarbox wasi run` in HTTP mode) in "
             "the tenant's audit log at level basic (tarbox.audit_note with operation wasi_run): `details` "
             "is what the client reports (kept as details.reported, at most 64 KiB); with a `Tarbox-Run` "
             "header the record, like every record of the run's requests, carries it as details.run. "
             "Answers whether a record was written (not at audit level none). A read-only token is "
             "refused (403 EROFS).")
async def run_note(request: Request, body: RunNote):
    """POST /runs."""
    if _has_nul(body.details):  # jsonb holds no NUL character
        raise HTTPProblem(400, E.EINVAL, "details must not contain a NUL character (\\u0000)")
    details = json.dumps(body.details)
    rows = await _call(request, True, "SELECT tarbox.audit_note('wasi_run', %s, %s::jsonb)",
                       (body.path, details), durable=False)
    return {"recorded": bool(rows[0][0])}


@router.post("/sessions", response_model=Lease, status_code=201, responses=ERRORS, summary="Open a lease session",
             description="Register a mount session held by a lease of `lease_seconds` (1..3600) instead of a "
             "connection (tarbox.mount_lease): while it lives, inodes unlinked while open are kept (the client "
             "may hold them by inode) and purge_orphans of other callers removes nothing. At most 64 live "
             "sessions per tenant (507 EDQUOT).")
async def session_open(request: Request, body: LeaseRequest):
    """POST /sessions."""
    rows = await _call(request, True, "SELECT tarbox.mount_lease(NULL, %s)", (body.lease_seconds,), durable=False)
    return {"session": rows[0][0], "lease_seconds": body.lease_seconds}


@router.post("/sessions/{session}", response_model=Lease, responses=ERRORS, summary="Renew a lease session",
             description="The session lives `lease_seconds` from now (404 ENOENT when it expired or ended).")
async def session_renew(request: Request, body: LeaseRequest,
                        session: int = PathParam(..., ge=1, le=2**63 - 1, description="the session id")):
    """POST /sessions/{session}."""
    rows = await _call(request, True, "SELECT tarbox.mount_lease(%s, %s)", (session, body.lease_seconds),
                      durable=False)
    return {"session": rows[0][0], "lease_seconds": body.lease_seconds}


@router.delete("/sessions/{session}", response_model=LeaseEnd, responses=ERRORS, summary="End a lease session",
               description="End the session and purge the tenant's inodes that have no links left, unless "
               "another mount still runs (tarbox.mount_lease_end).")
async def session_end(request: Request, session: int = PathParam(..., ge=1, le=2**63 - 1, description="the session id")):
    """DELETE /sessions/{session}."""
    rows = await _call(request, True, "SELECT tarbox.mount_lease_end(%s)", (session,), durable=False)
    return {"purged": rows[0][0]}


# ------------------------------------------------------------------ descriptors: by inode


def _ino(description: str = INO):
    return PathParam(..., ge=1, le=2**63 - 1, description=description)


@router.get("/inodes/{ino}", response_model=InodeAttr, responses=ERRORS, summary="getattr",
            description="fstat(2) of an inode (tarbox.fs_getattr), at the current layer.")
async def getattr_(request: Request, ino: int = _ino()):
    """GET /inodes/{ino}."""
    return await _attr(request, False, "fs_getattr(%s)", (ino,))


READ_RESPONSES = {200: {"content": {"application/octet-stream": {}},
                        "description": f"the bytes (fewer at the end of file, none past it); header "
                                       f"{SIZE_HEADER}: the file's size when the read began",
                        "headers": {SIZE_HEADER: {"schema": {"type": "integer"},
                                                  "description": "the file's size in bytes"}}},
                  **ERRORS}


@router.get("/inodes/{ino}/data", response_class=Response, responses=READ_RESPONSES, summary="pread",
            description="pread(2): up to `length` bytes of regular file `ino` from byte `offset` "
            "(tarbox.fs_read; holes read as zeros). Up to 1 MiB is one SQL call; a longer read is "
            "streamed in 1 MiB pieces, each read while the previous one travels (each piece is one "
            "version of the file, as a local read racing a writer may see).")
async def read(request: Request, ino: int = _ino(), offset: int = Query(0, ge=0, le=2**62),
               length: int = Query(65536, ge=0, le=MAX_READ)):
    """GET /inodes/{ino}/data."""
    first_len = min(length, PIECE)
    rows = await _call(request, False, "SELECT tarbox.fs_read(%s, %s, %s), (tarbox.fs_getattr(%s)).size",
                      (ino, offset, first_len, ino), binary=True)
    data, size = bytes(rows[0][0]), rows[0][1]
    metrics.BYTES.labels("out").inc(len(data))
    end = min(offset + length, max(size, offset))
    headers = {SIZE_HEADER: str(size)}
    if offset + len(data) >= end or len(data) < first_len:
        return Response(data, media_type="application/octet-stream", headers=headers)

    async def fetch(pos: int) -> bytes:
        more = await _call(request, False, "SELECT tarbox.fs_read(%s, %s, %s)",
                          (ino, pos, min(PIECE, end - pos)), binary=True)
        return bytes(more[0][0])

    async def body() -> AsyncIterator[bytes]:
        yield data
        pos = offset + len(data)
        task: asyncio.Task | None = asyncio.ensure_future(fetch(pos))
        try:
            while task is not None:
                chunk = await task
                pos += len(chunk)
                # a short piece: the file shrank meanwhile, the read ends there
                more = chunk and pos < end and len(chunk) == PIECE
                task = asyncio.ensure_future(fetch(pos)) if more else None
                metrics.BYTES.labels("out").inc(len(chunk))
                if chunk:
                    yield chunk
        finally:
            if task is not None:  # the client went away
                task.cancel()

    return StreamingResponse(body(), media_type="application/octet-stream", headers=headers)


WRITE_SQL = "SELECT tarbox.wasi_write(%s, %s, %b, %s)"


@router.patch("/inodes/{ino}/data", response_model=WritePosition, responses=ERRORS, openapi_extra=BINARY_BODY,
              summary="pwrite or append", description="pwrite(2) of the body at byte `offset` of regular "
              "file `ino`, or with `append=true` at the end of file (O_APPEND, atomic against other "
              "appenders); only the 64 KiB blocks touched are rewritten, a gap becomes a hole "
              "(tarbox.wasi_write). Answers the offset just past the data (with append: the new end of "
              "file). A body over 1 MiB is written in 1 MiB pieces in one transaction.")
async def write(request: Request, ino: int = _ino(), offset: int = Query(0, ge=0, le=2**62),
                append: bool = False):
    """PATCH /inodes/{ino}/data."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) <= PIECE:
        body = await request.body()
        metrics.BYTES.labels("in").inc(len(body))
        rows = await _call(request, True, WRITE_SQL, (ino, offset, body, append), durable=False)
        return {"position": rows[0][0]}
    pos = offset
    async with gateway(request).transaction(token_of(request), True, durable=False) as conn:
        # the first piece appends (under the inode lock, held to the commit), the next ones
        # follow it
        async for piece, _last in pieces(request.stream()):
            cur = await conn.execute(WRITE_SQL, (ino, pos, piece, append))
            pos = (await cur.fetchone())[0]
            append = False
            metrics.BYTES.labels("in").inc(len(piece))
    return {"position": pos}


CLOSE_SQL = "SELECT tarbox.wasi_close(%s, %s, %b, %s, %s)"


@router.post("/inodes/{ino}/close", response_model=ClosePosition, responses=ERRORS, openapi_extra=BINARY_BODY,
             summary="close (release) of a descriptor that wrote",
             description="close(2) of a descriptor that wrote regular file `ino` (with `sync=true`: its "
             "fsync(2)), in one transaction: first the body (the writes the client still held; may be "
             "empty) at byte `offset`, or at the end of file with `append=true`, as PATCH "
             "/inodes/{ino}/data writes it; then what was written since the last release is stored as "
             "text chunks with its line statistics, as a FUSE release does (tarbox.wasi_close). With "
             "`sync=true` every change committed before is durable when it answers. Answers the offset "
             "just past the body (null for an empty body). A body over 1 MiB is written in 1 MiB pieces "
             "in the same transaction.")
async def close(request: Request, ino: int = _ino(), offset: int = Query(0, ge=0, le=2**62),
                append: bool = False, sync: bool = False):
    """POST /inodes/{ino}/close."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) <= PIECE:
        body = await request.body()
        metrics.BYTES.labels("in").inc(len(body))
        rows = await _call(request, True, CLOSE_SQL, (ino, offset, body or None, append, sync), durable=sync)
        return {"position": rows[0][0]}
    pos: int | None = None
    async with gateway(request).transaction(token_of(request), True, durable=sync) as conn:
        async for piece, _last in pieces(request.stream()):
            cur = await conn.execute(WRITE_SQL, (ino, offset if pos is None else pos, piece, append and pos is None))
            pos = (await cur.fetchone())[0]
            metrics.BYTES.labels("in").inc(len(piece))
        await conn.execute(CLOSE_SQL, (ino, 0, None, False, sync))
    return {"position": pos}


@router.post("/inodes/{ino}/size", response_model=InodeAttr, responses=ERRORS, summary="ftruncate",
             description="ftruncate(2): cut or extend (with a hole) regular file `ino` to `size` bytes "
             "(tarbox.fs_setattr).")
async def truncate(request: Request, body: SizeChange, ino: int = _ino()):
    """POST /inodes/{ino}/size."""
    return await _attr(request, True, "fs_setattr(%s, NULL, NULL, NULL, %s, NULL, NULL)", (ino, body.size))


@router.post("/inodes/{ino}/allocate", response_model=InodeAttr, responses=ERRORS, summary="fallocate",
             description="posix_fallocate(3): make regular file `ino` at least `offset + length` bytes "
             "long (tarbox.wasi_allocate).")
async def allocate(request: Request, body: Allocate, ino: int = _ino()):
    """POST /inodes/{ino}/allocate."""
    return await _attr(request, True, "wasi_allocate(%s, %s, %s)", (ino, body.offset, body.length))


@router.post("/inodes/{ino}/times", response_model=InodeAttr, responses=ERRORS, summary="futimens / utimensat",
             description="Set the access and modification times (WASI fstflags: 1 atim, 2 atim_now, "
             "4 mtim, 8 mtim_now; times in ns) of inode `ino`, or, with `path`, of the inode at that "
             "path beneath directory `ino` (following a final link when `follow`); tarbox.wasi_set_times.")
async def set_times(request: Request, body: SetTimes, ino: int = _ino()):
    """POST /inodes/{ino}/times."""
    return await _attr(request, True, "wasi_set_times(%s, %s, %s, %s, %s, %s)",
                       (ino, body.path, body.follow, body.atim, body.mtim, body.fst_flags))


@router.get("/inodes/{ino}/entries", response_model=InodeEntries, responses=ERRORS, summary="readdir",
            description="Up to `limit` entries of directory `ino` after `cookie` (0: from the start; `.` "
            "and `..` come first), each with the cookie that resumes after it; cookies stay valid while "
            "entries are added or removed. A composition's mount point is listed as the mount lists it: with "
            "the number and mode of the composition's root, and not at all while its publication is not "
            "shared with the tenant (tarbox.wasi_readdir).")
async def readdir(request: Request, ino: int = _ino(), cookie: int = Query(0, ge=0, le=2**63 - 1),
                  limit: int = Query(1000, ge=1, le=10000)):
    """GET /inodes/{ino}/entries."""
    rows = await _call(request, False, "SELECT name, next_offset, (a).ino, (a).mode FROM tarbox.wasi_readdir(%s, %s, %s)",
                      (ino, cookie, limit))
    return {"entries": [{"name": paths.text(bytes(n)), "name_encoded": paths.encode(bytes(n)), "next": nxt,
                         "ino": i, "mode": m} for n, nxt, i, m in rows]}


@router.post("/sync", status_code=204, responses=ERRORS, summary="fsync",
             description="fsync(2): when it answers, every change of the tenant committed before is on "
             "disk (tarbox.fs_fsync; the changes of the inode routes commit asynchronously, as a page "
             "cache holds them, and are durable once this answers).")
async def sync(request: Request):
    """POST /sync."""
    await _call(request, True, "SELECT tarbox.fs_fsync()")
    return Response(status_code=204)


# ------------------------------------------------------------------ paths beneath a directory inode


@router.post("/inodes/{dir}/open", response_model=OpenedInode, responses=ERRORS, summary="path_open",
             description="openat(2) of `path` beneath directory `dir` with WASI `oflags` (1 creat, 2 "
             "directory, 4 excl, 8 trunc): resolve, create or truncate, and answer the opened inode's "
             "attributes, in one call (tarbox.wasi_open); with `read_ahead`, also the first bytes of a "
             "regular file, read in the same statement (so a small file is opened and read in one "
             "request). Leaving `dir` is EPERM (403).")
async def open_at(request: Request, body: OpenAt, dir: int = _ino(DIR)):
    """POST /inodes/{dir}/open. The read-ahead runs in the statement that opens. An opened file
    of size 0 (made or emptied by this wasi_open) needs no read; otherwise fs_read reads it (the
    audited wrapper calls the STABLE reader in a statement of its own, so it sees what wasi_open
    did; a STABLE reader called directly in this statement would not)."""
    writes = body.write or bool(body.oflags & (1 | 8))
    rows = await _call(request, writes,
                      f"SELECT {ATTR_COLS}, CASE WHEN %s > 0 AND (a.mode & 61440) = 32768 "
                      "THEN CASE WHEN a.size = 0 THEN ''::bytea ELSE tarbox.fs_read(a.ino, 0, %s) END END "
                      "FROM tarbox.wasi_open(%s, %s, %s, %s, %s) a",
                      (body.read_ahead, body.read_ahead, dir, body.path, body.follow, body.oflags, body.write),
                      durable=False)
    out = attr_json(rows[0][:-1])
    data = rows[0][-1]
    out["data_base64"] = base64.b64encode(bytes(data)).decode() if data is not None else None
    if data is not None:
        metrics.BYTES.labels("out").inc(len(data))
    return out


@router.get("/inodes/{dir}/stat", response_model=InodeAttr, responses=ERRORS, summary="path_filestat_get",
            description="fstatat(2) of `path` beneath directory `dir` (`follow`: a final symbolic link "
            "is followed), resolved without leaving it (tarbox.wasi_stat).")
async def stat_at(request: Request, dir: int = _ino(DIR), path: str = Query(..., max_length=12288),
                  follow: bool = False):
    """GET /inodes/{dir}/stat."""
    return await _attr(request, False, "wasi_stat(%s, %s, %s)", (dir, _path_query(request), follow))


@router.post("/inodes/{dir}/mkdir", response_model=InodeAttr, status_code=201, responses=ERRORS,
             summary="path_create_directory", description="mkdirat(2) of `path` (mode 0755) beneath "
             "directory `dir` (tarbox.wasi_mkdir).")
async def mkdir_at(request: Request, body: PathAt, dir: int = _ino(DIR)):
    """POST /inodes/{dir}/mkdir."""
    return await _attr(request, True, "wasi_mkdir(%s, %s)", (dir, body.path))


@router.post("/inodes/{dir}/rmdir", status_code=204, responses=ERRORS, summary="path_remove_directory",
             description="unlinkat(2, AT_REMOVEDIR) of the empty directory `path` beneath `dir` "
             "(tarbox.wasi_rmdir).")
async def rmdir_at(request: Request, body: PathAt, dir: int = _ino(DIR)):
    """POST /inodes/{dir}/rmdir."""
    await _call(request, True, "SELECT tarbox.wasi_rmdir(%s, %s)", (dir, body.path), durable=False)
    return Response(status_code=204)


@router.post("/inodes/{dir}/unlink", status_code=204, responses=ERRORS, summary="path_unlink_file",
             description="unlinkat(2) of the non-directory `path` beneath `dir` (tarbox.wasi_unlink); "
             "an inode left without links stays readable by inode while it is open.")
async def unlink_at(request: Request, body: PathAt, dir: int = _ino(DIR)):
    """POST /inodes/{dir}/unlink."""
    await _call(request, True, "SELECT tarbox.wasi_unlink(%s, %s)", (dir, body.path), durable=False)
    return Response(status_code=204)


@router.post("/inodes/{dir}/rename", status_code=204, responses=ERRORS, summary="path_rename",
             description="renameat(2), atomic: `path` beneath `dir` to `new_path` beneath `new_dir`, "
             "replacing a compatible target (tarbox.wasi_rename).")
async def rename_at(request: Request, body: RenameAt, dir: int = _ino(DIR)):
    """POST /inodes/{dir}/rename."""
    await _call(request, True, "SELECT tarbox.wasi_rename(%s, %s, %s, %s)",
               (dir, body.path, body.new_dir, body.new_path), durable=False)
    return Response(status_code=204)


@router.post("/inodes/{dir}/symlink", response_model=InodeAttr, status_code=201, responses=ERRORS,
             summary="path_symlink", description="symlinkat(2): `path` beneath `dir` becomes a symbolic "
             "link to `target` (relative; an absolute target is EPERM, as wasmtime answers); "
             "tarbox.wasi_symlink.")
async def symlink_at(request: Request, body: SymlinkAt, dir: int = _ino(DIR)):
    """POST /inodes/{dir}/symlink."""
    return await _attr(request, True, "wasi_symlink(%s, %s, %s)", (body.target, dir, body.path))


@router.get("/inodes/{dir}/readlink", response_model=LinkTarget, responses=ERRORS, summary="path_readlink",
            description="readlinkat(2) of `path` beneath `dir` (tarbox.wasi_readlink).")
async def readlink_at(request: Request, dir: int = _ino(DIR), path: str = Query(..., max_length=12288)):
    """GET /inodes/{dir}/readlink."""
    rows = await _call(request, False, "SELECT tarbox.wasi_readlink(%s, %s)", (dir, _path_query(request)))
    t = bytes(rows[0][0])
    return {"target": paths.text(t), "target_encoded": paths.encode(t)}


@router.post("/inodes/{dir}/link", response_model=InodeAttr, status_code=201, responses=ERRORS,
             summary="path_link", description="linkat(2): a hard link `new_path` beneath `new_dir` to the "
             "inode at `path` beneath `dir` (a final link is linked itself unless `follow`); "
             "tarbox.wasi_link.")
async def link_at(request: Request, body: LinkAt, dir: int = _ino(DIR)):
    """POST /inodes/{dir}/link."""
    return await _attr(request, True, "wasi_link(%s, %s, %s, %s, %s)",
                       (dir, body.path, body.follow, body.new_dir, body.new_path))
