"""File data in and out, in pieces of :data:`bodies.PIECE` bytes.

An upload is one transaction: a body that fits in one piece is one pipelined call
(``tarbox.remote_write``: token check, role, write, all in one round trip); a longer one is
streamed into an explicit transaction on one connection, one ``remote_write`` per piece, so
the file changes atomically at commit and the server holds about one piece in memory.

A download is a series of read calls pinned to one version of the file: the first piece
returns the file's etag, and every later piece is read with ``If-Match`` that etag, so the
bytes all come from one version or the response is cut short (the client sees fewer bytes than
its ``Content-Length``); readers never hold a connection while a client is slow, and
concurrent readers of one file do not wait for each other. The next piece is read (or written)
while the current one travels, so the database and the network work at the same time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import AsyncIterator, Awaitable, Callable

from fastapi import Request

from . import metrics
from .bodies import PIECE, pieces
from .context import ENTRY_SQL, call, entry_dict, gateway, token_of

# File data travels in PostgreSQL's binary format (%b, binary results): no hex text to encode
# and parse on either side.
WRITE_SQL = (f"SELECT {ENTRY_SQL} FROM tarbox.remote_write(%s, %b, %s, %s, %s, %s, %s, %s, %s, %s) e")
READ_SQL = "SELECT data, offset_, size, etag, mtime_ns, mode FROM tarbox.remote_read(%s, %s, %s, %s, %s)"


async def upload(request: Request, path: bytes, offset: int = 0, truncate: bool = False,
                 final: bool = False, create_new: bool = False, if_match: list[str] | None = None,
                 if_none_match: bool = False, append: bool = False, mode: int | None = None) -> dict:
    """Write the request body into ``path`` at ``offset`` (see ``tarbox.remote_write`` for the
    flags: the first piece carries truncate / create-new / the preconditions, the last one
    ``final``). Returns the file's new entry (dict, :data:`context.ENTRY` keys)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) <= PIECE:
        body = await request.body()
        metrics.BYTES.labels("in").inc(len(body))
        rows = await call(request, True, WRITE_SQL, (path, body, offset, truncate, final, create_new,
                                                     if_match, if_none_match, append, mode))
        return entry_dict(rows[0])
    row = None
    async with gateway(request).transaction(token_of(request), True) as conn:
        # One statement in flight on the connection while the next piece arrives from the
        # client (receiving and writing overlap; memory: about two pieces).
        pending: asyncio.Task | None = None

        async def write(args: tuple):
            cur = await conn.execute(WRITE_SQL, args)
            return await cur.fetchone()

        pos, first = offset, True
        try:
            async for piece, last in pieces(request.stream()):
                if pending is not None:
                    row = await pending
                pending = asyncio.ensure_future(write((
                    path, piece, pos, truncate and first, final and last, create_new and first,
                    if_match if first else None, if_none_match and first, append, mode if first else None)))
                metrics.BYTES.labels("in").inc(len(piece))
                pos += len(piece)
                first = False
            row = await pending
            pending = None
        finally:
            if pending is not None:  # the body failed (too large, client gone): let the
                try:                 # statement finish before the transaction rolls back
                    await pending
                except Exception:  # noqa: BLE001  (the body's error is the one to report)
                    pass
    return entry_dict(row)


@dataclass
class Download:
    """The first piece of a download and what follows: ``first`` (bytes), ``offset`` (where
    it starts), ``size`` (the file's size), ``length`` (bytes the whole response carries),
    ``etag``, ``mtime_ns``, ``mode``, and ``rest`` (an async iterator of the further pieces, or
    None when ``first`` is everything)."""

    first: bytes
    offset: int
    size: int
    length: int
    etag: str
    mtime_ns: int
    mode: int
    rest: AsyncIterator[bytes] | None


async def download(request: Request, path: bytes, offset: int = 0, length: int | None = None,
                   layer: str | None = None, if_match: list[str] | None = None,
                   reader: Callable[[int, int, list[str] | None], Awaitable[tuple]] | None = None) -> Download:
    """Read ``length`` bytes (None = to the end; a negative ``offset`` = the last -offset
    bytes) of ``path`` as of ``layer``. Returns a :class:`Download`.

    ``reader(offset, length, if_match)``, when given, reads one piece instead (one SQL call
    returning the row of ``tarbox.remote_read``; ``path`` and ``layer`` are then unused): a
    download URL reads through its capability (:mod:`.large_files`)."""
    if reader is None:
        async def reader(pos: int, want: int, tags: list[str] | None) -> tuple:
            rows = await call(request, False, READ_SQL, (path, pos, want, layer, tags), binary=True)
            return rows[0]
    want = PIECE if length is None else min(length, PIECE)
    data, start, size, tag, mtime_ns, mode = await reader(offset, want, if_match)
    data = bytes(data)
    end = size if length is None else min(size, start + length)
    total = max(end - start, 0)
    metrics.BYTES.labels("out").inc(len(data))
    if total <= len(data):
        return Download(data[:total], start, size, total, tag, mtime_ns, mode, None)

    async def fetch(pos: int) -> bytes:
        more = await reader(pos, min(PIECE, end - pos), [tag])
        return bytes(more[0])

    async def rest() -> AsyncIterator[bytes]:
        # The next piece is read while this one is sent (database and network overlap).
        pos = start + len(data)
        task = asyncio.ensure_future(fetch(pos))
        try:
            while task is not None:
                chunk = await task
                pos += len(chunk)
                task = asyncio.ensure_future(fetch(pos)) if chunk and pos < end else None
                metrics.BYTES.labels("out").inc(len(chunk))
                yield chunk
        finally:
            if task is not None:  # the client went away: do not leave the read running
                task.cancel()

    return Download(data, start, size, total, tag, mtime_ns, mode, rest())


async def body_of(d: Download) -> AsyncIterator[bytes]:
    """The whole response body of a :class:`Download` as an async iterator."""
    yield d.first
    if d.rest is not None:
        async for chunk in d.rest:
            yield chunk
