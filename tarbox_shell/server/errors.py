"""The one mapping from errno to HTTP status, and the JSON error body every route answers with.

A database error arrives as SQLSTATE ``TXnnn`` (errno ``nnn``) or one of the few SQLSTATEs that
:mod:`tarbox_shell.errors` folds into an errno; :func:`status_of` turns the errno into the HTTP
status here and nowhere else. Two conditions are not errnos: a refused bearer token (SQLSTATE
28000, 401) and a database that cannot be reached (503).
"""

from __future__ import annotations

import errno as E
import http

import psycopg
import psycopg_pool

from ..errors import TarboxError, errno_of, message_of, sqlstate_of

#: errno -> HTTP status. Anything not listed is 500 (with its errno and message, never a
#: traceback).
STATUS_OF_ERRNO: dict[int, int] = {
    E.ENOENT: 404,
    E.ENODATA: 404,
    E.EACCES: 403, E.EPERM: 403, E.EROFS: 403,
    E.EEXIST: 409, E.ENOTEMPTY: 409, E.EBUSY: 409,
    E.EREMOTE: 409,         # a path the call does not serve (below a native mount; a
                            # large-file upload below a copy-on-write composition): the
                            # resource's state, not the request's syntax, refuses it
    E.EINVAL: 400, E.ENAMETOOLONG: 400, E.ENOTDIR: 400, E.EISDIR: 400, E.ELOOP: 400,
    E.EILSEQ: 400, E.EXDEV: 400, E.EMLINK: 400, E.ERANGE: 400, E.E2BIG: 413,
    E.EFBIG: 413,
    E.EDQUOT: 507, E.ENOSPC: 507,
    E.EMFILE: 429,          # too many open upload sessions / download URLs of one tenant
    E.ESTALE: 412,          # If-Match / If-None-Match failed: the file changed
    E.EAGAIN: 503,          # lost a race too often (serialization failure, deadlock)
    E.ETIMEDOUT: 503,       # statement_timeout, or no database connection in time
    E.EOPNOTSUPP: 400,      # e.g. an xattr name outside user./trusted./security.: the request's
                            # fault, not the server's (the fuzz test allows no 5xx but 503)
}

#: SQLSTATE of a refused bearer token (tarbox.tenant_token_auth).
UNAUTHORIZED_SQLSTATE = "28000"


class HTTPProblem(Exception):
    """An error answered as ``status`` with the JSON body ``{error, errno, message}``.

    Args:
        status: HTTP status code (int).
        errno_value: the POSIX errno (int) the error stands for.
        message: one line for a person.
        headers: extra response headers (e.g. ``WWW-Authenticate``).
    """

    def __init__(self, status: int, errno_value: int, message: str,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.errno = errno_value
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict:
        """The JSON body: ``{"error": "ENOENT", "errno": 2, "message": "..."}``."""
        return {"error": errno_name(self.errno), "errno": self.errno, "message": self.message}


def errno_name(value: int) -> str:
    """The symbolic name of an errno (``2`` -> ``"ENOENT"``; unknown -> ``"EIO"``)."""
    return E.errorcode.get(value, "EIO")


def status_of(errno_value: int) -> int:
    """The HTTP status (int) for an errno: :data:`STATUS_OF_ERRNO`, else 500."""
    return STATUS_OF_ERRNO.get(errno_value, 500)


def unauthorized(message: str) -> HTTPProblem:
    """A 401 problem whose message contains "unauthorized" (the RunMat clients match it)."""
    if "unauthorized" not in message:
        message = f"unauthorized: {message}"
    return HTTPProblem(401, E.EACCES, message, {"WWW-Authenticate": 'Bearer realm="tarbox"'})


def problem_of(exc: BaseException) -> HTTPProblem:
    """Turn any exception of a request into the :class:`HTTPProblem` to answer.

    Args:
        exc: a psycopg error (SQLSTATE TXnnn and the others :func:`tarbox_shell.errors.errno_of`
            knows; 28000 is 401), a pool timeout or lost connection (503), a
            :class:`TarboxError` (its errno), an :class:`HTTPProblem` (unchanged), anything
            else (500, "internal error" and the exception's type: no traceback leaves the
            server).
    """
    if isinstance(exc, HTTPProblem):
        return exc
    if isinstance(exc, psycopg_pool.PoolTimeout):
        return HTTPProblem(503, E.ETIMEDOUT, "the database is unavailable (no connection in time); retry later",
                           {"Retry-After": "1"})
    state = sqlstate_of(exc)
    if state == UNAUTHORIZED_SQLSTATE:
        return unauthorized(message_of(exc))
    if isinstance(exc, psycopg.DataError) and state is None:
        # refused by psycopg before it reached the server (e.g. a NUL in a text argument)
        return HTTPProblem(400, E.EINVAL, f"invalid argument: {message_of(exc)}")
    if isinstance(exc, psycopg.OperationalError) and (state is None or state[:2] in ("08", "57")) \
            and state != "57014":
        return HTTPProblem(503, E.EIO, f"the database is unavailable: {message_of(exc)}", {"Retry-After": "1"})
    if isinstance(exc, (psycopg.Error, TarboxError, OSError)):
        value = errno_of(exc)
        status = status_of(value)
        headers = {"Retry-After": "1"} if status == 503 else None
        return HTTPProblem(status, value, message_of(exc), headers)
    return HTTPProblem(500, E.EIO, f"internal error ({type(exc).__name__})")


def reason(status: int) -> str:
    """The HTTP reason phrase of a status (``404`` -> ``"Not Found"``)."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"
