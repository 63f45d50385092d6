"""Request bodies without unbounded buffering, and file data in block-sized pieces.

:class:`BodyLimit` is ASGI middleware: a request whose ``Content-Length`` is over its limit is
answered 413 before any of the body is read, and a body without a length (chunked) is counted
while it streams and stopped at the limit (413; the transaction it fed rolls back). File data
(PUT/PATCH, tar imports) has the large limit, everything else (JSON) the small one.

:func:`pieces` regroups a streamed body into pieces of :data:`PIECE` bytes (a multiple of the
64 KiB block, so whole blocks are written without read-modify-write) for one SQL call each;
memory per upload stays at about one piece.
"""

from __future__ import annotations

import errno as E
import json
from typing import AsyncIterator

from .errors import HTTPProblem

#: Bytes per SQL call when file data streams in or out (16 blocks of 64 KiB).
PIECE = 1 << 20

#: Default limits (bytes): file data, and everything else (JSON bodies).
DEFAULT_DATA_LIMIT = 16 << 30
DEFAULT_JSON_LIMIT = 1 << 20


class BodyTooLarge(HTTPProblem):
    """413: the request body is over the limit (``limit`` bytes)."""

    def __init__(self, limit: int):
        super().__init__(413, E.EFBIG, f"request body over the limit of {limit} bytes")


def is_data_request(method: str, path: str) -> bool:
    """True when the body of this request is file data (the large limit applies): PUT, PATCH,
    a tar import, and the held bytes of an inode close (``POST .../inodes/{ino}/close``)."""
    if method in ("PUT", "PATCH"):
        return True
    path = path.rstrip("/")
    return method == "POST" and (path.endswith("/import") or (path.endswith("/close") and "/inodes/" in path))


class BodyLimit:
    """ASGI middleware bounding request bodies (see the module docstring).

    Args:
        app: the ASGI application.
        data_limit: bytes allowed for file data bodies.
        json_limit: bytes allowed for any other body.
    """

    def __init__(self, app, data_limit: int = DEFAULT_DATA_LIMIT, json_limit: int = DEFAULT_JSON_LIMIT):
        self.app = app
        self.data_limit = data_limit
        self.json_limit = json_limit

    async def __call__(self, scope, receive, send):
        """Handle one ASGI event stream (only ``http`` scopes are bounded)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.data_limit if is_data_request(scope["method"], scope["path"]) else self.json_limit
        length = None
        for key, value in scope.get("headers", ()):
            if key == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await _reply(send, HTTPProblem(400, E.EINVAL, "invalid Content-Length"))
                    return
        if length is not None and length > limit:
            await _reply(send, BodyTooLarge(limit))
            return
        seen = 0

        async def bounded_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, bounded_receive, send)


async def _reply(send, problem: HTTPProblem) -> None:
    body = json.dumps(problem.body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def pieces(stream: AsyncIterator[bytes], size: int = PIECE) -> AsyncIterator[tuple[bytes, bool]]:
    """Regroup the chunks of a streamed body into pieces of ``size`` bytes, one held back so
    the last is known. Yields ``(piece, is_last)``; an empty body is one empty last piece."""
    buf = bytearray()
    pending: bytes | None = None
    async for chunk in stream:
        if not chunk:
            continue
        buf += chunk
        while len(buf) >= size:
            if pending is not None:
                yield pending, False
            pending = bytes(buf[:size])
            del buf[:size]
    if buf or pending is None:
        if pending is not None:
            yield pending, False
        yield bytes(buf), True
    else:
        yield pending, True
