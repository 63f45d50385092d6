"""The large-file routes of the RunMat remote-filesystem contract: download URLs and upload
sessions, as RunMat's Rust client (``RemoteFsProvider``, runmat-org/runmat
``crates/runmat-filesystem/src/remote/native.rs``) uses them for files of 64 MiB and more
(``direct_read_threshold_bytes`` / ``direct_write_threshold_bytes``).

What that client does, and what answers it here:

* **Read**: ``GET /fs/metadata``, then ``GET /fs/download-url?path=`` (with the token) ->
  ``{downloadUrl}``; then ranged GETs of that URL *without* the token (``Range: bytes=a-b``, 16
  MiB each, 4 in parallel; retried on 429/5xx). The URL is ``<api>/fs/download/<secret>``: a
  capability (``tarbox.remote_download_url``) for one version (inode and etag) of one file,
  tied to the token that asked for it, valid 15 minutes; a range is answered 206 with
  ``Content-Range``, streamed in 1 MiB pieces (``tarbox.remote_download_read``, one SQL call
  each). Once the file changes the URL answers 412 (ESTALE).
* **Write**: ``POST /fs/upload-session/start`` ``{path, sizeBytes, contentSha256}`` ->
  ``{sessionId, blobKey, chunkSizeBytes}`` (16 MiB); ``POST /fs/upload-session/chunks``
  ``{sessionId, blobKey, chunks: [{chunkIndex, offsetBytes, sizeBytes, chunkSha256}]}`` ->
  ``{targets: [{chunkIndex, method, uploadUrl, headers}]}``; one raw ``PUT`` per chunk to its
  ``uploadUrl`` without the token (4 in parallel; any 2xx is success; never retried); then
  ``POST /fs/upload-session/complete`` ``{path, sessionId, blobKey, sizeBytes, contentSha256,
  chunkCount}`` (any 2xx). The chunk URLs are ``<api>/fs/upload-session/chunk/<secret>/<index>``
  with one capability per session. Each chunk is staged in an inode of its own without a
  directory entry (invisible to lookup and readdir, counted in usage and quota), written under
  that chunk's locks only, so the client's parallel PUTs of one session run at the same time;
  every chunk is hashed when its PUT ends and refused (400) unless it has its announced SHA-256.
  ``complete`` splices the chunks' blocks into the file in order (block-map rows move; no data
  is copied) and links it at ``path`` in one transaction. ``DELETE /fs/upload-session/{sessionId}`` abandons a
  session; expired ones are dropped by the next ``start`` and by ``tarbox.gc``.
* ``POST /fs/multipart-upload`` (the client's fallback when ``upload-session/start`` is 404)
  is still answered 404: the client never reaches it against this server.

The routes only parse, call SQL and reply: every check (the capability's hash, expiry, the
token it came from being live, tenant, chunk order, sizes, hashes) is made in SQL. A request
that carries a capability enters its transaction with ``tarbox._gateway_enter_capability`` in
place of the bearer token; a ``download-url`` request with ``tarbox._gateway_enter_issue``, so
that read-only tokens may read large files too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import errno as E
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from psycopg.types.json import Jsonb

from . import metrics, paths
from .bodies import pieces
from .context import ENTRY_SQL, call, entry_dict, etag, gateway, token_of
from .errors import HTTPProblem
from .files import byte_range
from .gateway import ENTER_CAPABILITY, ENTER_ISSUE
from .models import (FsDownloadUrl, FsUploadChunks, FsUploadComplete, FsUploadSession, FsUploadStart,
                     FsUploadTargets, Problem)
from .streams import body_of, download

router = APIRouter(tags=["remote filesystem (RunMat contract)"])

ERRORS = {code: {"model": Problem, "description": text} for code, text in {
    400: "invalid argument: offsets, sizes or hashes that do not match the session (EINVAL)",
    401: "missing, unknown, expired or revoked bearer token, or an unknown or expired URL capability",
    403: "read-only token, read-only target file, or historical layer (EACCES, EROFS)",
    404: "no such file, directory, session or chunk (ENOENT)",
    409: "the session's chunks are described already (EEXIST)",
    412: "the file changed since its download URL was made (ESTALE)",
    413: "a chunk body longer than the chunk, or too many chunks (EFBIG)",
    429: "too many open upload sessions or live download URLs for this tenant (EMFILE)",
    503: "the database is unavailable; retry",
    507: "quota exhausted (EDQUOT)",
}.items()}

DOWNLOAD_SQL = ("SELECT data, offset_, size, etag, mtime_ns, mode "
                "FROM tarbox.remote_download_read(%s, %s, %s)")
CHUNK_SQL = "SELECT tarbox.remote_upload_write(%s, %s, %s, %b, %s)"


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _api_url(request: Request, route: str) -> str:
    """The absolute URL of ``<api>/fs/<route>`` as the client reached this server (same
    scheme, host and base path as the request)."""
    here = request.url.path
    root = here[:here.rindex("/fs/")]
    return str(request.url.replace(path=f"{root}/fs/{route}", query=""))


def _session_id(text: str) -> int:
    """A session id as the client echoes it (decimal digits); 404 for anything else."""
    if not text.isdigit() or len(text) > 18:
        raise HTTPProblem(404, E.ENOENT, f"not found: no upload session {text!r}")
    return int(text)


def _blob_key(session: int) -> str:
    return f"tarbox-upload-{session}"


async def _check_blob_key(request: Request, session: int, key: str) -> None:
    """400 unless ``key`` is the blobKey the session was given (after the token check: an
    unauthenticated caller gets 401 first, as on every route)."""
    if key != _blob_key(session):
        await call(request, False, "SELECT NULL")
        raise HTTPProblem(400, E.EINVAL, f"blobKey {key!r} is not the one upload session {session} gave")


@router.get("/fs/download-url", response_model=FsDownloadUrl, responses=ERRORS, summary="Download URL",
            description="A URL from which the regular file `path` (links followed), in its current version, "
            "can be read without the bearer token: `GET` it, with `Range: bytes=a-b` for a part (206). "
            "It is a capability: a random secret of which only the hash is stored, valid for 15 minutes "
            "(or until the token expires) and only while the token that asked for it is neither revoked "
            "nor expired, for this one file version only (412 once the file changes). Read-only tokens may "
            "ask. At most 256 live URLs per tenant (429). One SQL call (tarbox.remote_download_url).")
async def download_url(request: Request, path: str = Query(..., max_length=12288, description="the file")):
    """GET /fs/download-url."""
    p = paths.tenant_path(paths.query_bytes(request.scope, "path"), "path")
    token = token_of(request)
    rows = await gateway(request).call(
        token, False, "SELECT secret, expires_at, size, etag FROM tarbox.remote_download_url(%s, %s)",
        (token, p), enter=ENTER_ISSUE)
    secret, expires, size, tag = rows[0]
    return {"downloadUrl": _api_url(request, f"download/{secret}"), "expiresAt": _iso(expires),
            "len": size, "etag": tag}


@router.get("/fs/download/{secret}", response_class=Response, responses={
    200: {"content": {"application/octet-stream": {}}, "description": "the whole file version"},
    206: {"content": {"application/octet-stream": {}}, "description": "the requested range"},
    416: {"model": Problem, "description": "range not satisfiable"}, **ERRORS},
    summary="Read through a download URL", description="The bytes of the file version a download URL "
    "names, without a bearer token (the URL is the credential): `Range: bytes=a-b`, `a-` or `-n` answered "
    "206 with `Content-Range`, no Range 200. Streamed in 1 MiB pieces, one SQL call each "
    "(tarbox.remote_download_read), all of the same version.")
async def download_get(request: Request, secret: str = Path(..., max_length=100, description="the capability")):
    """GET /fs/download/{secret}."""
    rng = byte_range(request.headers.get("range"))
    offset, length = rng if rng else (0, None)

    async def reader(pos: int, want: int, _tags) -> tuple:
        rows = await gateway(request).call(secret, False, DOWNLOAD_SQL, (secret, pos, want), binary=True,
                                           enter=ENTER_CAPABILITY)
        return rows[0]

    d = await download(request, b"", offset, length, reader=reader)
    headers = {"ETag": etag(d.etag), "Accept-Ranges": "bytes", "Content-Length": str(d.length),
               "Cache-Control": "private, no-store"}
    status = 200
    if rng is not None:
        if d.offset >= d.size:
            return JSONResponse({"error": "EINVAL", "errno": E.EINVAL,
                                 "message": f"range not satisfiable: the file has {d.size} bytes"},
                                status_code=416, headers={"Content-Range": f"bytes */{d.size}"})
        status = 206
        headers["Content-Range"] = f"bytes {d.offset}-{d.offset + d.length - 1}/{d.size}"
    if d.rest is None:
        return Response(d.first, status_code=status, media_type="application/octet-stream", headers=headers)
    return StreamingResponse(body_of(d), status_code=status, media_type="application/octet-stream", headers=headers)


@router.post("/fs/upload-session/start", response_model=FsUploadSession, responses=ERRORS,
             summary="Start an upload session",
             description="Open a session for writing a file of `sizeBytes` bytes with SHA-256 `contentSha256` "
             "at `path` (its directory must exist; an existing target must be a writable regular file). "
             "The data is staged where no lookup or listing sees it and counts towards the quota; the "
             "file appears whole at `complete`, in one transaction. Answers the chunk size (16 MiB). At "
             "most 8 open sessions per tenant (429); a session lives 1 hour. One SQL call "
             "(tarbox.remote_upload_start).")
async def upload_session_start(request: Request, body: FsUploadStart):
    """POST /fs/upload-session/start."""
    token = token_of(request)
    rows = await call(request, True,
                      "SELECT session_id, chunk_size, expires_at FROM tarbox.remote_upload_start(%s, %s, %s, %s)",
                      (token, paths.tenant_path(body.path.encode("utf-8"), "path"), body.sizeBytes,
                       body.contentSha256))
    session, chunk, expires = rows[0]
    return {"sessionId": str(session), "blobKey": _blob_key(session), "chunkSizeBytes": chunk,
            "expiresAt": _iso(expires)}


@router.post("/fs/upload-session/chunks", response_model=FsUploadTargets, responses=ERRORS,
             summary="Chunk URLs of an upload session",
             description="Describe the session's chunks (`chunkIndex` 0..n-1, byte ranges that follow each "
             "other and cover `sizeBytes`, each at most the chunk size, with its `chunkSha256`) and get one "
             "upload target per chunk: `PUT` the chunk's bytes to `uploadUrl` without the bearer token. "
             "The URLs share one capability of this session (hash stored only; ends with the session or "
             "the token). Once per session. One SQL call (tarbox.remote_upload_chunks).")
async def upload_session_chunks(request: Request, body: FsUploadChunks):
    """POST /fs/upload-session/chunks."""
    session = _session_id(body.sessionId)
    await _check_blob_key(request, session, body.blobKey)
    token = token_of(request)
    rows = await call(request, True, "SELECT secret, expires_at FROM tarbox.remote_upload_chunks(%s, %s, %s)",
                      (token, session, Jsonb([c.model_dump() for c in body.chunks])))
    secret, expires = rows[0]
    base = _api_url(request, f"upload-session/chunk/{secret}")
    return {"targets": [{"chunkIndex": c.chunkIndex, "method": "PUT", "uploadUrl": f"{base}/{c.chunkIndex}",
                         "headers": {}} for c in body.chunks], "expiresAt": _iso(expires)}


@router.put("/fs/upload-session/chunk/{secret}/{index}", status_code=204, responses=ERRORS,
            summary="Upload one chunk", description="The raw body (any or no Content-Type) is chunk `index` "
            "of the session whose chunk URL this is; no bearer token (the URL is the credential). It must "
            "be exactly the chunk's size and have its announced SHA-256 (checked when the body ends: 400, "
            "and nothing of it is kept); a longer body is 413. Sending a chunk again replaces it. Streamed "
            "into one transaction in 1 MiB pieces (tarbox.remote_upload_write), into a staging inode of "
            "this chunk's own: PUTs of different chunks of one session run in parallel.",
            openapi_extra={"requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def upload_session_chunk(request: Request,
                               secret: str = Path(..., max_length=100, description="the capability"),
                               index: int = Path(..., ge=0, le=2**31 - 1, description="chunkIndex")):
    """PUT /fs/upload-session/chunk/{secret}/{index}."""
    async with gateway(request).transaction(secret, True, enter=ENTER_CAPABILITY) as conn:
        pending: asyncio.Task | None = None
        pos = 0
        try:
            async for piece, last in pieces(request.stream()):
                if pending is not None:
                    await pending
                pending = asyncio.ensure_future(conn.execute(CHUNK_SQL, (secret, index, pos, piece, last)))
                metrics.BYTES.labels("in").inc(len(piece))
                pos += len(piece)
            await pending
            pending = None
        finally:
            if pending is not None:  # the body failed: let the statement end before the rollback
                try:
                    await pending
                except Exception:  # noqa: BLE001  (the body's error is the one to report)
                    pass
    return Response(status_code=204)


@router.post("/fs/upload-session/complete", status_code=204,
             responses={204: {"description": "the file is in place; ETag is its version"}, **ERRORS},
             summary="Complete an upload session",
             description="Every chunk has arrived with its SHA-256: the staged file takes its place at `path` "
             "(replacing a writable regular file there, as rename(2) would) in one transaction, and the "
             "session ends. `path`, `sizeBytes`, `contentSha256` and `chunkCount` must be the session's. "
             "One SQL call (tarbox.remote_upload_complete).")
async def upload_session_complete(request: Request, body: FsUploadComplete):
    """POST /fs/upload-session/complete."""
    session = _session_id(body.sessionId)
    await _check_blob_key(request, session, body.blobKey)
    token = token_of(request)
    rows = await call(request, True,
                      f"SELECT {ENTRY_SQL} FROM tarbox.remote_upload_complete(%s, %s, %s, %s, %s, %s) e",
                      (token, session, paths.tenant_path(body.path.encode("utf-8"), "path"), body.sizeBytes,
                       body.contentSha256, body.chunkCount))
    return Response(status_code=204, headers={"ETag": etag(entry_dict(rows[0])["etag"])})


@router.delete("/fs/upload-session/{session_id}", status_code=204, responses=ERRORS,
               summary="Abandon an upload session",
               description="The session ends now and its staged data is freed (otherwise it expires after "
               "1 hour). One SQL call (tarbox.remote_upload_abort).")
async def upload_session_abort(request: Request, session_id: str = Path(..., max_length=40)):
    """DELETE /fs/upload-session/{session_id}."""
    session = _session_id(session_id)
    await call(request, True, "SELECT tarbox.remote_upload_abort(%s, %s)", (token_of(request), session))
    return Response(status_code=204)


@router.post("/fs/multipart-upload", responses=ERRORS, status_code=404,
             summary="Multipart upload (not supported)",
             description="Always 404 (ENOENT) for a valid token: RunMat's Rust client calls it only when "
             "`upload-session/start` is 404, which this server never answers for a valid request; use the "
             "upload-session routes. The body is not read.")
async def multipart_upload(request: Request):
    """POST /fs/multipart-upload."""
    await call(request, False, "SELECT NULL")
    raise HTTPProblem(404, E.ENOENT, "not found: multipart upload is not supported by this server; "
                      "use POST /fs/upload-session/start, /chunks and /complete")
