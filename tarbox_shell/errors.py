"""The one place that maps database errors to errno values and messages.

SQL functions raise SQLSTATE ``TX`` + 3-digit errno (``TX002`` = ENOENT, ...).
Everything else that the database raises is folded into a small set of errnos
here; the CLI and the FUSE layer both call :func:`errno_of` and :func:`message_of`
instead of looking at SQLSTATEs themselves.
"""

from __future__ import annotations

import errno as _errno
import os

import psycopg

#: SQLSTATEs that mean "the transaction lost a race; run it again".
RETRY_SQLSTATES = frozenset({"40001", "40P01"})

#: SQLSTATE classes/codes that are not ``TXnnn`` but still have a natural errno.
_SQLSTATE_ERRNO = {
    "22021": _errno.EILSEQ,  # character_not_in_repertoire (invalid UTF-8)
    "25006": _errno.EROFS,   # read_only_sql_transaction (a change in a read-only request)
    "28000": _errno.EACCES,  # invalid_authorization_specification (an HTTP bearer token refused)
    "57014": _errno.ETIMEDOUT,  # query_canceled (statement_timeout)
    "40001": _errno.EAGAIN,  # serialization_failure (retry)
    "40P01": _errno.EAGAIN,  # deadlock_detected (retry)
}


class ReportedError(Exception):
    """A call's failure that the server reported as a WARNING instead of an error.

    Sessions with ``tarbox.error_mode = 'warning'`` (the mount's connections) get this for
    audited calls: the failed work was undone in a subtransaction, the failure was recorded
    in the audit log by the same transaction, and the warning carries the original SQLSTATE
    and message. :func:`errno_of` and :func:`message_of` treat it like the error it stands for.

    Args:
        sqlstate: the 5-character SQLSTATE of the failure (``TX002`` ...).
        message: the server's primary message.
    """

    def __init__(self, sqlstate: str, message: str):
        super().__init__(one_line(message))
        self.sqlstate = sqlstate
        self.message = one_line(message)


def reported_error(diag: psycopg.errors.Diagnostic) -> ReportedError | None:
    """The :class:`ReportedError` a server notice stands for, or None when the notice is not
    a reported failure (an ordinary NOTICE or WARNING: SQLSTATE class 00 or 01).

    Args:
        diag: what psycopg passes to a notice handler (``Connection.add_notice_handler``).
    """
    state = diag.sqlstate or ""
    if diag.severity_nonlocalized != "WARNING" or len(state) != 5 or state[:2] in ("00", "01"):
        return None
    return ReportedError(state, diag.message_primary or "")


class TarboxError(Exception):
    """An error meant for a person: one line of text plus an errno.

    Args:
        message: one-line, human readable description (no trailing newline).
        errno: an ``errno`` value (int); defaults to ``EIO``.

    The CLI prints ``tarbox: <message>`` and exits 1 for these.
    """

    def __init__(self, message: str, errno: int = _errno.EIO):
        super().__init__(one_line(message))
        self.errno = errno

    @property
    def message(self) -> str:
        """The one-line message (str)."""
        return str(self)


def one_line(text: object) -> str:
    """Collapse ``text`` (any object, via ``str``) into a single stripped line.

    Returns a str with newlines and runs of whitespace replaced by one space.
    Never raises.
    """
    return " ".join(str(text).split())


def sqlstate_of(exc: BaseException) -> str | None:
    """Return the 5-character SQLSTATE of a psycopg error, else ``None``.

    Args:
        exc: any exception.
    """
    if isinstance(exc, psycopg.Error):
        state = exc.sqlstate
        if state is None and exc.diag is not None:
            state = exc.diag.sqlstate
        return state
    if isinstance(exc, ReportedError):
        return exc.sqlstate
    return None


def is_retryable(exc: BaseException) -> bool:
    """True if ``exc`` is a serialization failure or deadlock (40001/40P01), or a commit that
    found the shared NOTIFY queue full (54000 "too many notifications in the NOTIFY queue":
    another session pins the queue; the SQL stops notifying once it sees the queue that full,
    so running the call again succeeds).

    Args:
        exc: any exception. The caller should roll back and run the whole
        transaction again.
    """
    state = sqlstate_of(exc)
    if state in RETRY_SQLSTATES:
        return True
    if state == "54000" and isinstance(exc, psycopg.Error):
        primary = exc.diag.message_primary if exc.diag is not None else None
        return "NOTIFY queue" in (primary or str(exc))
    return False


def errno_of(exc: BaseException) -> int:
    """Map an exception to a positive ``errno`` value (int).

    Args:
        exc: any exception. Recognised:
            * psycopg errors and :class:`ReportedError` with SQLSTATE ``TXnnn`` -> ``nnn``;
            * SQLSTATE 22021 (invalid UTF-8) -> ``EILSEQ``;
            * SQLSTATE 40001/40P01 -> ``EAGAIN`` (callers retry these first);
            * any other database error (including lost connections) -> ``EIO``;
            * :class:`TarboxError` and :class:`OSError` -> their own errno;
            * anything else -> ``EIO``.

    Never raises.
    """
    if isinstance(exc, TarboxError):
        return exc.errno
    state = sqlstate_of(exc)
    if state is not None:
        if len(state) == 5 and state[:2] == "TX" and state[2:].isdigit():
            value = int(state[2:])
            return value if value > 0 else _errno.EIO
        return _SQLSTATE_ERRNO.get(state, _errno.EIO)
    if isinstance(exc, OSError) and exc.errno:
        return exc.errno
    return _errno.EIO


def message_of(exc: BaseException) -> str:
    """Return a one-line, human-readable message for ``exc`` (str).

    Args:
        exc: any exception. For database errors this is the primary message
        the server sent (the SQL functions put the path and the reason there);
        for connection errors the first line of libpq's message.

    Never raises.
    """
    if isinstance(exc, TarboxError):
        return exc.message
    if isinstance(exc, ReportedError):
        state = exc.sqlstate
        if state[:2] != "TX" and state not in _SQLSTATE_ERRNO:
            return one_line(f"{exc.message} (SQLSTATE {state})")
        return exc.message
    if isinstance(exc, psycopg.Error):
        diag = exc.diag
        primary = diag.message_primary if diag is not None else None
        if primary:
            text = primary
            state = sqlstate_of(exc)
            if state and state[:2] != "TX" and state not in _SQLSTATE_ERRNO:
                text = f"{text} (SQLSTATE {state})"
            return one_line(text)
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        return one_line(lines[0] if lines else type(exc).__name__)
    if isinstance(exc, OSError):
        code = exc.errno
        text = (exc.strerror or os.strerror(code)) if code else str(exc)
        if exc.filename is not None:
            name = os.fsdecode(exc.filename)
            return one_line(f"{name}: {text}")
        return one_line(text or type(exc).__name__)
    text = str(exc)
    return one_line(text) if text else type(exc).__name__


def translate(exc: BaseException) -> TarboxError:
    """Wrap any exception into a :class:`TarboxError` (message + errno).

    Args:
        exc: any exception; a :class:`TarboxError` is returned unchanged.
    """
    if isinstance(exc, TarboxError):
        return exc
    return TarboxError(message_of(exc), errno_of(exc))
