"""Tenant paths are bytes (a Linux name is any bytes but '/' and NUL), so the HTTP API carries
them percent-encoded, byte for byte (RFC 3986): ``%FF`` is the byte 0xFF, ``%2F`` a '/', which
separates names like a plain '/' (no name can hold one). A path is decoded from the raw URL
(``scope["raw_path"]``, ``scope["query_string"]``), never from the text the ASGI server already
decoded as UTF-8 (that would replace invalid bytes). '.' and '..' are resolved by the database
against the tenant's root ('..' of the root is the root), so no spelling leaves the tenant.

Outgoing names are given twice in JSON: as text (UTF-8; bytes that are not UTF-8 become U+FFFD)
and percent-encoded (``*_encoded``: exact, and usable as is in a URL of this API).
"""

from __future__ import annotations

from urllib.parse import quote_from_bytes, unquote_to_bytes

from .errors import HTTPProblem

import errno as E

#: Bytes kept as they are when encoding a path (RFC 3986 unreserved characters and '/').
SAFE = "/-._~"


def query_bytes(scope: dict, name: str) -> bytes | None:
    """The raw bytes of query parameter ``name`` (the first occurrence), percent-decoded
    ('+' is a space, as in HTML forms and URLSearchParams); None when absent."""
    raw: bytes = scope.get("query_string", b"")
    key = name.encode("ascii")
    for part in raw.split(b"&"):
        k, sep, v = part.partition(b"=")
        if unquote_to_bytes(k.replace(b"+", b" ")) == key:
            return unquote_to_bytes(v.replace(b"+", b" ")) if sep else b""
    return None


def tenant_path(raw: bytes | None, what: str = "path") -> bytes:
    """A tenant path from client bytes: absolute ('/' prepended to a relative one, which is
    taken from the root, as the RunMat clients expect); NUL refused (400)."""
    if raw is None:
        raise HTTPProblem(400, E.EINVAL, f"query parameter {what} is required")
    if b"\0" in raw:
        raise HTTPProblem(400, E.EINVAL, f"{what} contains a NUL byte")
    if not raw.startswith(b"/"):
        raw = b"/" + raw
    return raw


def url_path_after(scope: dict, prefix: str) -> bytes:
    """The tenant path in the URL after ``prefix`` (e.g. ``/api/v1/files``), as bytes from the
    raw request path; '' (nothing after the prefix) is the root."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
    decoded = unquote_to_bytes(raw.split(b"?", 1)[0])
    pre = prefix.rstrip("/").encode("utf-8")
    if not decoded.startswith(pre):
        raise HTTPProblem(400, E.EINVAL, "path outside the route prefix")
    return tenant_path(decoded[len(pre):] or b"/")


def encode(path: bytes) -> str:
    """Percent-encode a tenant path (or name) for JSON and URLs: exact, ASCII."""
    return quote_from_bytes(path, safe=SAFE)


def text(path: bytes | None) -> str:
    """A tenant path (or name) as text for people: UTF-8, invalid bytes as U+FFFD."""
    return "" if path is None else path.decode("utf-8", "replace")


def join(directory: bytes, name: bytes) -> bytes:
    """``directory/name`` for a listing (no doubled '/')."""
    return directory.rstrip(b"/") + b"/" + name
