"""The large-file routes of the RunMat remote-filesystem contract, answered on purpose with
404 Not Found: ``GET /fs/download-url``, ``POST /fs/upload-session/start|chunks|complete`` and
``POST /fs/multipart-upload``.

The contract lets a server answer 404 here "until large files are supported", and 404 is the
one status RunMat's Rust client (the only caller, for files of ``direct_read_threshold_bytes``
/ ``direct_write_threshold_bytes`` and more, 64 MiB by default) treats as "not offered": on a
404 from ``upload-session/start`` it tries ``multipart-upload``. It has no further fallback,
though (read in runmat-org/runmat ``crates/runmat-filesystem/src/remote/native.rs``): a 404
from ``multipart-upload`` or ``download-url`` fails the write or read of that large file with
``ErrorKind::NotFound``. So against this server the Rust client transfers files below its
thresholds only, unless it is configured with larger thresholds, in which case it uses the
plain ranged ``GET /fs/read`` and chunked ``PUT /fs/write`` that Tarbox streams with bounded
memory. The TypeScript client never calls these routes. A 2xx is not an option until the
routes are real: it would promise URLs usable without the bearer token.

The routes exist (rather than falling through to the generic "no such route" 404) so that
they are documented in the OpenAPI schema, check the bearer token first (401 like every other
route: an unauthenticated caller learns nothing), and say in the error message what to use
instead. Supporting them would take: upload sessions in a tenant-owned table (tenant_id
leading the key: session id, path, next offset, expiry), chunk URLs signed with a server key
(an HMAC of tenant, session, offset and expiry) so that the raw PUTs need no token, a
``complete`` that commits the staged file in one transaction, and signed download URLs (an
HMAC of tenant, path, etag and expiry) read without the token.

"""

from __future__ import annotations

import errno as E

from fastapi import APIRouter, Query, Request

from .context import call
from .errors import HTTPProblem
from .models import Problem

router = APIRouter(tags=["remote filesystem (RunMat contract)"])

RESPONSES = {
    401: {"model": Problem, "description": "missing, unknown, expired or revoked bearer token"},
    404: {"model": Problem, "description": "not supported: large-file sessions and download URLs are not "
          "served (ENOENT); the clients fall back to /fs/read and /fs/write"},
    503: {"model": Problem, "description": "the database is unavailable; retry"},
}

FALLBACK = {
    "download": "read the file with ranged GET /fs/read?path=&offset=&length= instead",
    "upload": "write the file with chunked PUT /fs/write?path=&offset= (truncate on the first chunk, "
              "final on the last) instead",
}


async def _not_supported(request: Request, what: str, direction: str) -> None:
    """Check the token (401 first, as on every route), then answer 404 naming the fallback."""
    await call(request, False, "SELECT NULL")
    raise HTTPProblem(404, E.ENOENT, f"not found: {what} is not supported by this server; {FALLBACK[direction]}")


@router.get("/fs/download-url", responses=RESPONSES, status_code=404, summary="Download URL (not supported)",
            description="Always 404 (ENOENT) for a valid token: Tarbox hands out no URL readable without the "
            "bearer token; the Rust client then reads with ranged `GET /fs/read`.")
async def download_url(request: Request, path: str = Query(..., max_length=12288, description="the file")):
    """GET /fs/download-url."""
    await _not_supported(request, "a download URL", "download")


@router.post("/fs/upload-session/start", responses=RESPONSES, status_code=404,
             summary="Start an upload session (not supported)",
             description="Always 404 (ENOENT) for a valid token, on which the Rust client falls back to "
             "chunked `PUT /fs/write`. The body is not read.")
async def upload_session_start(request: Request):
    """POST /fs/upload-session/start."""
    await _not_supported(request, "an upload session", "upload")


@router.post("/fs/upload-session/chunks", responses=RESPONSES, status_code=404,
             summary="Upload-session chunk URLs (not supported)",
             description="Always 404 (ENOENT) for a valid token: no session can exist. The body is not read.")
async def upload_session_chunks(request: Request):
    """POST /fs/upload-session/chunks."""
    await _not_supported(request, "an upload session", "upload")


@router.post("/fs/upload-session/complete", responses=RESPONSES, status_code=404,
             summary="Complete an upload session (not supported)",
             description="Always 404 (ENOENT) for a valid token: no session can exist. The body is not read.")
async def upload_session_complete(request: Request):
    """POST /fs/upload-session/complete."""
    await _not_supported(request, "an upload session", "upload")


@router.post("/fs/multipart-upload", responses=RESPONSES, status_code=404,
             summary="Multipart upload (not supported)",
             description="Always 404 (ENOENT) for a valid token; the client then writes with chunked "
             "`PUT /fs/write`. The body is not read.")
async def multipart_upload(request: Request):
    """POST /fs/multipart-upload."""
    await _not_supported(request, "a multipart upload", "upload")
