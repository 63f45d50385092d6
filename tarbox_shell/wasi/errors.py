"""errno -> WASI errno: the one place that maps them, and the client's error type.

WASI preview 1 numbers its errno values in alphabetical order of their names (``success`` 0,
``2big`` 1, ... ``notcapable`` 76), unlike Linux; the SQL functions raise Linux errno values
(SQLSTATE ``TXnnn``), :mod:`tarbox_shell.errors` recovers them, and :func:`wasi_errno`
translates them for the guest.
"""

from __future__ import annotations

import errno as _e

from ..errors import TarboxError, errno_of, message_of

#: WASI preview 1 errno names in their numeric order (index = WASI errno).
WASI_ERRNO_NAMES = (
    "success 2big acces addrinuse addrnotavail afnosupport again already badf badmsg busy "
    "canceled child connaborted connrefused connreset deadlk destaddrreq dom dquot exist "
    "fault fbig hostunreach idrm ilseq inprogress intr inval io isconn isdir loop mfile "
    "mlink msgsize multihop nametoolong netdown netreset netunreach nfile nobufs nodev "
    "noent noexec nolck nolink nomem nomsg noprotoopt nospc nosys notconn notdir notempty "
    "notrecoverable notsock notsup notty nxio overflow ownerdead perm pipe proto "
    "protonosupport prototype range rofs spipe srch stale timedout txtbsy xdev notcapable"
).split()

#: WASI errno numbers used by the host directly.
SUCCESS = 0
EBADF = WASI_ERRNO_NAMES.index("badf")
EFAULT = WASI_ERRNO_NAMES.index("fault")
EINVAL = WASI_ERRNO_NAMES.index("inval")
EIO = WASI_ERRNO_NAMES.index("io")
ENOTDIR = WASI_ERRNO_NAMES.index("notdir")
ENOTSUP = WASI_ERRNO_NAMES.index("notsup")


def _table() -> dict[int, int]:
    table: dict[int, int] = {}
    for number, name in enumerate(WASI_ERRNO_NAMES):
        if number == 0:
            continue
        symbol = "E" + name.upper()
        value = getattr(_e, symbol, None)
        if value is not None:
            table[value] = number
    # Linux spells two of them differently, and has aliases.
    table[_e.E2BIG] = WASI_ERRNO_NAMES.index("2big")
    table[_e.EOPNOTSUPP] = WASI_ERRNO_NAMES.index("notsup")
    table[_e.EWOULDBLOCK] = WASI_ERRNO_NAMES.index("again")
    table[getattr(_e, "ENODATA", 61)] = WASI_ERRNO_NAMES.index("nomsg")  # no such xattr
    return table


_WASI_OF_ERRNO = _table()


def wasi_errno(value: int) -> int:
    """The WASI errno number (int) of a Linux errno ``value``; EIO (29) for one WASI lacks."""
    return _WASI_OF_ERRNO.get(value, EIO)


class WasiError(TarboxError):
    """A failed client operation: a one-line message plus an errno (Linux numbering, as
    :class:`tarbox_shell.errors.TarboxError`), with :attr:`wasi_errno` for the guest.

    Args:
        message: one line naming the path or descriptor and the reason.
        errno: the errno value (int).
    """

    @property
    def wasi_errno(self) -> int:
        """The WASI errno number (int) this error is answered with."""
        return wasi_errno(self.errno)

    @classmethod
    def of(cls, exc: BaseException) -> "WasiError":
        """A :class:`WasiError` for any exception (``exc`` itself when it is one)."""
        if isinstance(exc, WasiError):
            return exc
        return cls(message_of(exc), errno_of(exc))


class DatabaseUnavailable(WasiError):
    """The database connection is lost or the server is gone (errno EIO): the host ends the
    run rather than let the guest carry on with a filesystem that answers nothing."""

    def __init__(self, message: str):
        super().__init__(message, _e.EIO)


__all__ = ["DatabaseUnavailable", "WASI_ERRNO_NAMES", "WasiError", "wasi_errno"]
