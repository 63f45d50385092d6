"""Tar streams over HTTP: ``GET <base>/api/v1/layers/{ref}/export[?path=]`` streams a layer (or
the subtree under ``path`` as of that layer) as a pax tar archive, and ``POST
<base>/api/v1/layers/import?name=[&path=&description=&confirm=]`` imports a tar upload (plain,
gzip, bzip2 or xz) as a new layer.

Both reuse :mod:`tarbox_shell.transfer.tarstream` (the code of ``tarbox export|import``, with
its hostile-archive protections: names outside the archive root, links to members not in it,
paths through symbolic links, oversized extension headers, too many members, truncated
members). That code is synchronous psycopg; here it runs in a worker thread on a pooled
connection of the gateway through :class:`_Bridge`, which hands every statement to the event
loop's async connection, while the tar bytes travel between the thread and the HTTP body
through a small bounded queue (memory per transfer: a few pieces of :data:`bodies.PIECE`).

Each request is one transaction as the token's tenant:

* an export is one ``REPEATABLE READ``, read-only transaction, so the archive is one snapshot
  even of the current layer while the tenant writes; the layer and the path are checked before
  the first byte is sent (a missing one is a JSON 404); an error after that cuts the response
  short (the client sees an incomplete transfer, never a silently short archive);
* an import is the one transaction of ``tarbox.transfer.tarstream.import_tar``: all members or
  none, and no layer on any error (a refused member, a body over the limit, a client that goes
  away). From its checkpoint on it holds the tenant's layer lock, so that tenant's other writes
  wait until the upload ends; a client that sends nothing for
  :data:`IDLE_TIMEOUT_MS` loses the transaction (``idle_in_transaction_session_timeout``).

At most :data:`MAX_TRANSFERS` tar transfers run at once per server process (each holds a pooled
connection for its whole duration); more wait for ``db_timeout`` seconds, then get 503.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno as E
import logging
import os
import threading
from typing import Any, AsyncIterator, Optional

import psycopg
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from ..errors import TarboxError
from ..transfer import tarstream
from . import metrics, paths
from .bodies import PIECE
from .context import gateway, token_of
from .errors import HTTPProblem, problem_of
from .gateway import ENTER
from .models import Problem, TarImport

log = logging.getLogger("tarbox.server")

router = APIRouter(tags=["layers"])

#: Tar transfers (exports and imports) running at once per server process.
MAX_TRANSFERS = 4
#: A transfer's transaction ends when it waits this long for its client (ms).
IDLE_TIMEOUT_MS = 60_000
#: Pieces in flight between the tar thread and the HTTP body.
QUEUE_PIECES = 4
#: Members one import may have (each file's name is remembered for the archive's hard links).
MAX_MEMBERS = 1_000_000

ERRORS = {code: {"model": Problem, "description": text} for code, text in {
    400: "invalid path, name, archive or member (EINVAL, ENOTDIR, EISDIR, ENAMETOOLONG)",
    401: "missing, unknown, expired or revoked bearer token",
    403: "read-only token (EROFS) or not permitted (EACCES, EPERM)",
    404: "no such layer or path (ENOENT)",
    409: "layer name taken (EEXIST), or confirm=true needed: the current layer is historical (EBUSY)",
    413: "request body over the limit (EFBIG) or too many members (E2BIG)",
    503: "the database is unavailable, or too many tar transfers at once; retry",
    507: "quota or space exhausted (EDQUOT, ENOSPC)",
}.items()}

_slots: dict[int, asyncio.Semaphore] = {}


@contextlib.asynccontextmanager
async def _slot(request: Request) -> AsyncIterator[None]:
    """One of the process's :data:`MAX_TRANSFERS` transfer slots, or 503 after db_timeout."""
    loop = asyncio.get_running_loop()
    sem = _slots.setdefault(id(loop), asyncio.Semaphore(MAX_TRANSFERS))
    try:
        await asyncio.wait_for(sem.acquire(), request.app.state.settings.db_timeout)
    except asyncio.TimeoutError:
        raise HTTPProblem(503, E.EAGAIN, f"too many tar transfers at once (at most {MAX_TRANSFERS}); retry later",
                          {"Retry-After": "1"}) from None
    try:
        yield
    finally:
        sem.release()


class _Rows:
    """The rows of one statement, with the two cursor methods tarstream uses."""

    def __init__(self, rows: list[tuple]):
        self.rows = rows

    def fetchone(self) -> tuple | None:
        """The first row, or None."""
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple]:
        """Every row."""
        return self.rows


class _Transaction:
    """``with bridge.transaction():`` — the async connection's transaction (a savepoint when
    nested), entered and left on the event loop."""

    def __init__(self, bridge: "_Bridge"):
        self.bridge = bridge
        self.tx = None

    def __enter__(self):
        self.tx = self.bridge.conn.transaction()
        self.bridge.run(self.tx.__aenter__())
        return self

    def __exit__(self, kind, value, tb):
        return self.bridge.run(self.tx.__aexit__(kind, value, tb))


class _Bridge:
    """What :mod:`tarstream` needs of a ``psycopg.Connection`` (``execute``, ``transaction``,
    ``cursor``, ``info``), for a thread, over an async connection of the event loop ``loop``: every call is
    run on the loop and waited for (one statement, one round trip, as on a sync connection)."""

    def __init__(self, conn, loop: asyncio.AbstractEventLoop):
        self.conn = conn
        self.loop = loop

    @property
    def info(self):
        """The connection's ``info`` (transaction status)."""
        return self.conn.info

    def run(self, coro) -> Any:
        """Run a coroutine on the loop and wait for its result (from the worker thread)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    async def _execute(self, query: str, params) -> list[tuple]:
        # File data comes back in binary (no hex text); other results in text (the enum and
        # composite columns tarstream reads are decoded from text).
        cur = await self.conn.execute(query, params, binary=query.startswith("SELECT tarbox.fs_read("))
        return await cur.fetchall() if cur.description is not None else []

    def execute(self, query: str, params=None) -> _Rows:
        """Run one statement; returns its rows."""
        return _Rows(self.run(self._execute(query, params)))

    def transaction(self) -> _Transaction:
        """A transaction block (savepoint when nested)."""
        return _Transaction(self)

    def cursor(self) -> "_Bridge":
        """A cursor: the bridge itself (its ``execute`` returns the rows, as a sync cursor's
        does; the bulk import of :mod:`tarstream` executes through a cursor)."""
        return self


class _BodyReader:
    """A read-only binary file over the request body, for the tar thread: ``read`` waits for
    the pieces a task of the event loop receives into the bounded asyncio queue ``q``."""

    def __init__(self, q: asyncio.Queue, loop: asyncio.AbstractEventLoop):
        self.q = q
        self.loop = loop
        self.buf = b""
        self.eof = False

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (fewer only at the end of the body)."""
        while not self.eof and (size < 0 or len(self.buf) < size):
            item = asyncio.run_coroutine_threadsafe(self.q.get(), self.loop).result()
            if isinstance(item, BaseException):
                raise item
            if item is None:
                self.eof = True
            else:
                self.buf += item
        if size < 0:
            out, self.buf = self.buf, b""
        else:
            out, self.buf = self.buf[:size], self.buf[size:]
        return out


class _Cancelled(OSError):
    """The HTTP client of an export went away."""

    def __init__(self):
        super().__init__(E.EPIPE, "the client closed the connection")


class _BodyWriter:
    """A write-only binary file for the tar thread of an export: bytes are gathered into pieces
    of :data:`PIECE` bytes and handed to the response through the bounded asyncio queue ``q``;
    once ``cancelled`` is set (the client went away) every write raises EPIPE."""

    def __init__(self, q: asyncio.Queue, loop: asyncio.AbstractEventLoop, cancelled: threading.Event):
        self.q = q
        self.loop = loop
        self.cancelled = cancelled
        self.buf = bytearray()

    def write(self, data) -> int:
        """Buffer ``data``; hand on every full piece."""
        if self.cancelled.is_set():
            raise _Cancelled()
        self.buf += data
        while len(self.buf) >= PIECE:
            self.put(bytes(self.buf[:PIECE]))
            del self.buf[:PIECE]
        return len(data)

    def put(self, item) -> None:
        """Queue one item, waiting for room (EPIPE when the client went away meanwhile)."""
        fut = asyncio.run_coroutine_threadsafe(self.q.put(item), self.loop)
        while True:
            try:
                fut.result(timeout=0.5)
                return
            except concurrent.futures.TimeoutError:
                if self.cancelled.is_set():
                    fut.cancel()
                    raise _Cancelled() from None

    def flush(self) -> None:
        """Hand on what is buffered."""
        if self.buf:
            self.put(bytes(self.buf))
            self.buf.clear()


async def _until_done(task: asyncio.Future, q: asyncio.Queue, unblock=None) -> None:
    """Wait until the worker thread's ``task`` has ended, emptying ``q`` meanwhile (the thread
    may wait for room in it) and, when given, calling ``unblock()`` (which may queue something
    for a thread waiting to read). The thread must end before its pooled connection is given
    back: never abandon it, even when this task is being cancelled."""
    async def wait() -> None:
        while not task.done():
            with contextlib.suppress(asyncio.QueueEmpty):
                while True:
                    q.get_nowait()
            if unblock is not None:
                unblock()
            await asyncio.wait({task}, timeout=0.05)

    waiter = asyncio.ensure_future(wait())
    while not waiter.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(waiter)
    with contextlib.suppress(BaseException):
        task.result()


class _TarResponse(StreamingResponse):
    """A streamed export that, however the response ends (complete, an error, a client that
    went away before or during the body), stops its thread and only then gives back the
    connection (``finish``, a coroutine function)."""

    def __init__(self, content, finish, **kwargs):
        super().__init__(content, **kwargs)
        self.finish = finish

    async def __call__(self, scope, receive, send):
        """Send the response, then finish (also when cancelled)."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            done = asyncio.ensure_future(self.finish())
            while not done.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(done)
            done.result()


async def _enter(conn, token: str, write: bool, snapshot: bool = False) -> None:
    """The first statements of a transfer's transaction: isolation, token and tenant role,
    and the idle timeout."""
    if snapshot:
        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    await conn.execute(ENTER, (token, write))
    await conn.execute("SELECT pg_catalog.set_config('idle_in_transaction_session_timeout', %s, true)",
                       (str(IDLE_TIMEOUT_MS),))


def _tenant_path(request: Request) -> bytes:
    if request.query_params.get("path") is None:
        return b"/"
    return paths.tenant_path(paths.query_bytes(request.scope, "path"), "path")


@router.get("/layers/{ref}/export", response_class=StreamingResponse, responses={
    200: {"content": {"application/x-tar": {}}, "description": "the pax tar archive"}, **ERRORS},
    summary="Export a layer as tar", description="The tree as of layer `ref` (name, tag, id, `current` "
    "or `head`), or only the subtree under `path`, as a POSIX.1-2001 (pax) tar stream: byte names, "
    "nanosecond mtimes, numeric owners, hard links, symbolic links, FIFOs and devices, `user.*` xattrs "
    "as SCHILY.xattr records; member names relative to `path` (which is `.`). One REPEATABLE READ "
    "transaction: one snapshot. An error after the first byte cuts the response short.")
async def export_layer(request: Request, ref: str,
                       path: Optional[str] = Query(None, max_length=12288, description="subtree to export "
                                                   "(absolute, percent-encoded; default /)")):
    """GET /layers/{ref}/export."""
    token = token_of(request)
    where = _tenant_path(request)
    stack = contextlib.AsyncExitStack()
    await stack.enter_async_context(_slot(request))
    try:
        conn = await stack.enter_async_context(gateway(request).pool.connection())
        await stack.enter_async_context(conn.transaction())
        await _enter(conn, token, False, snapshot=True)
        cur = await conn.execute("SELECT layer_id, name FROM tarbox.layer_info(%s)", (ref,))
        layer_id, layer_name = await cur.fetchone()
        await conn.execute("SELECT ino FROM tarbox.stat(%s::bytea, true, %s)", (where, str(layer_id)))
    except BaseException:
        await stack.aclose()
        raise
    loop = asyncio.get_running_loop()
    pieces: asyncio.Queue = asyncio.Queue(QUEUE_PIECES)
    cancelled = threading.Event()
    done = object()

    def produce() -> dict:
        out = _BodyWriter(pieces, loop, cancelled)
        try:
            counts = tarstream.export_tar(_Bridge(conn, loop), out, layer=str(layer_id), path=os.fsdecode(where))
            out.flush()
            return counts
        finally:
            out.put(done)

    state: dict = {"task": None}

    async def body() -> AsyncIterator[bytes]:
        state["task"] = task = asyncio.ensure_future(asyncio.to_thread(produce))
        try:
            while True:
                piece = await pieces.get()
                if piece is done:
                    break
                metrics.BYTES.labels("out").inc(len(piece))
                yield piece
            await task
        except TarboxError as exc:
            log.error("export of layer %s of %r cut short: %s", layer_name, where, exc)
            raise
        finally:
            cancelled.set()  # no await here: this may run in a cancelled scope

    async def finish() -> None:
        cancelled.set()
        if state["task"] is not None:
            await _until_done(state["task"], pieces)
        await stack.aclose()

    name = os.fsdecode(where).strip("/").replace("/", "_") or "root"
    filename = f"{layer_name}-{name}.tar".encode("ascii", "replace").decode().replace('"', "_")
    return _TarResponse(body(), finish, media_type="application/x-tar",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/layers/import", status_code=201, response_model=TarImport, responses=ERRORS,
             # any Content-Type is taken (application/x-tar, application/gzip, none); the schema
             # names the generic one, which fuzzers and code generators can serialize
             openapi_extra={"requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
             summary="Import a tar stream as a new layer", description="Checkpoint (a new layer `name` on "
             "top; `confirm=true` when the current layer is historical, which deletes the later ones), then "
             "create every member of the tar body (plain, gzip, bzip2 or xz; any Content-Type) under `path` (created if "
             "missing), replacing files of the same name, with owners, modes, nanosecond mtimes, links, "
             "FIFOs, devices and SCHILY.xattr records. Members with absolute names or `..`, hard links to "
             "members not in the archive, paths through a symbolic link, and unsupported types are refused "
             "(400). One transaction: on any error there is no new layer and nothing changed.")
async def import_layer(request: Request,
                       name: str = Query(..., min_length=1, max_length=128, description="the new layer's name"),
                       description: Optional[str] = Query(None, max_length=4096),
                       path: Optional[str] = Query(None, max_length=12288, description="where to unpack "
                                                   "(absolute, percent-encoded; default /)"),
                       confirm: bool = False):
    """POST /layers/import."""
    token = token_of(request)
    where = os.fsdecode(_tenant_path(request))
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue = asyncio.Queue(QUEUE_PIECES * 16)

    async def feed() -> None:
        try:
            async for chunk in request.stream():
                if chunk:
                    metrics.BYTES.labels("in").inc(len(chunk))
                    await chunks.put(chunk)
            await chunks.put(None)
        except Exception as exc:  # body over the limit, client gone: the import fails with it
            await chunks.put(exc)

    async with _slot(request):
        async with gateway(request).pool.connection() as conn:
            bridge = _Bridge(conn, loop)

            def begin(_conn) -> None:
                try:
                    bridge.run(_enter(conn, token, True))
                except psycopg.Error as exc:  # a refused token is 401 (import_tar would make it an errno)
                    raise problem_of(exc) from exc

            feeder = asyncio.ensure_future(feed())
            work = asyncio.ensure_future(asyncio.to_thread(
                tarstream.import_tar, bridge, _BodyReader(chunks, loop), name, description, where, None,
                confirm, begin, MAX_MEMBERS))

            def interrupt() -> None:  # a thread waiting for the body gets an error instead
                with contextlib.suppress(asyncio.QueueFull):
                    chunks.put_nowait(TarboxError("the upload was interrupted", E.EIO))

            try:
                counts = await asyncio.shield(work)
            finally:
                feeder.cancel()  # the import may stop before the body ends
                if not work.done():  # cancelled: the thread must end before the connection goes back
                    await _until_done(work, asyncio.Queue(), interrupt)
                with contextlib.suppress(BaseException):
                    await feeder
    return JSONResponse({"layer_id": counts["layer_id"], "name": name, "entries": counts["entries"],
                         "bytes": counts["bytes"]}, status_code=201)
