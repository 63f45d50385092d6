"""The backend interface of the WASI client, and the direct backend over SQL.

A backend makes exactly one round trip per operation: :class:`DirectBackend` one call of one
SQL function in one transaction (autocommit) as the tenant role,
:class:`tarbox_shell.wasi.remote.HttpBackend` one HTTP request. Nodes are the backend's
handles for inodes (inode numbers for both, so an open descriptor survives renames and
unlinks); the client stores them in its descriptors and hands them back.

Three properties tell the client how much it may answer itself: :attr:`Backend.write_buffer`
(contiguous small writes held per descriptor until a flush point; 0 in direct mode: every
write is an SQL call, as every write(2) is a FUSE request on a mount),
:attr:`Backend.attr_ttl` (how long the attributes an open returned may answer
``fd_filestat_get`` while no other round trip happened) and :attr:`Backend.read_ahead` (bytes
an open for reading fetches in the same round trip). Direct mode answers a small file's open,
fstat and reads in one SQL call: its attributes and read-ahead live :data:`ATTR_TTL` seconds,
the attribute cache time of a FUSE mount without change notifications, and only while the
client made no other round trip.
"""

from __future__ import annotations

import abc
import json
import time
from dataclasses import dataclass
from typing import Any

import psycopg

from .. import db
from ..errors import ReportedError, is_retryable, message_of, reported_error
from .errors import DatabaseUnavailable, WasiError
from .types import ClientConfig


@dataclass(frozen=True)
class Attr:
    """Attributes of an inode as a backend returns them (times in ns since the epoch).

    ``node`` is the backend's handle for the inode, ``ino`` its inode number."""

    node: Any
    ino: int
    mode: int
    nlink: int
    size: int
    atime_ns: int
    mtime_ns: int
    ctime_ns: int


class Backend(abc.ABC):
    """What a :class:`tarbox_shell.wasi.WasiClient` needs from its tenant: one method per
    WASI operation that reaches the tenant, each one round trip. Paths are relative paths
    (text) resolved beneath a directory node without leaving it (EPERM as wasmtime
    answers). Every method raises :class:`tarbox_shell.wasi.WasiError` (errno) on failure and
    :class:`tarbox_shell.wasi.DatabaseUnavailable` when the tenant cannot be reached."""

    #: Round trips made so far (SQL calls or HTTP requests).
    calls: int = 0
    #: Bytes of contiguous small writes the client may hold per descriptor before sending
    #: them in one write (0: every fd_write is a round trip).
    write_buffer: int = 0
    #: Seconds for which attributes this backend returned may answer ``fd_filestat_get`` and
    #: end-of-file reads locally, as long as the client made no other round trip meanwhile
    #: (0: never).
    attr_ttl: float = 0.0
    #: Bytes from the start of a file an open for reading fetches with the open (0: none); they
    #: answer reads as the attributes do (same freshness).
    read_ahead: int = 0

    @abc.abstractmethod
    def root(self, path: str) -> Attr:
        """The directory at absolute tenant path ``path`` (a preopen). ENOTDIR if not one."""

    @abc.abstractmethod
    def open(self, base: Any, path: str, follow: bool, oflags: int, write: bool) -> Attr:
        """``path_open``: resolve, create or truncate as WASI ``oflags`` say; the opened inode."""

    def open_read(self, base: Any, path: str, follow: bool, oflags: int, write: bool,
                  read_ahead: int) -> tuple[Attr, bytes | None]:
        """:meth:`open`, and the first ``read_ahead`` bytes of the opened inode when it is a
        regular file (None otherwise, or when the backend does not fetch them)."""
        return self.open(base, path, follow, oflags, write), None

    @abc.abstractmethod
    def stat(self, base: Any, path: str, follow: bool) -> Attr:
        """``path_filestat_get``."""

    @abc.abstractmethod
    def getattr(self, node: Any) -> Attr:
        """``fd_filestat_get``."""

    @abc.abstractmethod
    def read(self, node: Any, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes from byte ``offset`` (short at the end of file)."""

    def read_sized(self, node: Any, offset: int, length: int) -> tuple[bytes, int | None]:
        """:meth:`read`, and the file's size when the read was made if the backend learns it
        with the read (None otherwise)."""
        return self.read(node, offset, length), None

    @abc.abstractmethod
    def write(self, node: Any, offset: int, data: bytes, append: bool) -> int:
        """Write ``data`` at ``offset`` (at the end with ``append``); the offset after it."""

    @abc.abstractmethod
    def truncate(self, node: Any, size: int) -> Attr:
        """``fd_filestat_set_size``."""

    @abc.abstractmethod
    def allocate(self, node: Any, offset: int, length: int) -> Attr:
        """``fd_allocate``: grow the file to at least ``offset + length`` bytes."""

    @abc.abstractmethod
    def set_times(self, base: Any, path: str | None, follow: bool, atim: int, mtim: int,
                  fst_flags: int) -> Attr:
        """``path_filestat_set_times`` (``path`` None: ``fd_filestat_set_times`` of ``base``)."""

    @abc.abstractmethod
    def readdir(self, node: Any, cookie: int, limit: int) -> list[tuple[bytes, int, int, int]]:
        """Up to ``limit`` entries after ``cookie``: (name, next cookie, ino, st_mode)."""

    @abc.abstractmethod
    def mkdir(self, base: Any, path: str) -> Attr:
        """``path_create_directory``."""

    @abc.abstractmethod
    def rmdir(self, base: Any, path: str) -> None:
        """``path_remove_directory``."""

    @abc.abstractmethod
    def unlink(self, base: Any, path: str) -> None:
        """``path_unlink_file``."""

    @abc.abstractmethod
    def rename(self, base: Any, path: str, new_base: Any, new_path: str) -> None:
        """``path_rename``."""

    @abc.abstractmethod
    def symlink(self, target: str, base: Any, path: str) -> Attr:
        """``path_symlink``."""

    @abc.abstractmethod
    def readlink(self, base: Any, path: str) -> bytes:
        """``path_readlink``."""

    @abc.abstractmethod
    def link(self, base: Any, path: str, follow: bool, new_base: Any, new_path: str) -> Attr:
        """``path_link``."""

    @abc.abstractmethod
    def sync(self, node: Any) -> None:
        """``fd_sync``/``fd_datasync``: everything written so far is durable on return."""

    @abc.abstractmethod
    def release(self, node: Any, data: bytes, offset: int, append: bool, sync: bool = False) -> int | None:
        """``fd_close`` (with ``sync``: ``fd_sync``) of a descriptor that wrote, in one round
        trip: write the held bytes ``data`` (may be empty) at ``offset`` (at the end with
        ``append``), then store what was written as text chunks, as a FUSE release does
        (``tarbox.wasi_close``). Returns the offset just past ``data`` (None when empty)."""

    @abc.abstractmethod
    def note_run(self, path: str | None, details: dict) -> bool:
        """Record the start or the end of a program run in the tenant's audit log
        (``tarbox.audit_note('wasi_run', path, details)``: ``path`` the tenant directory it
        runs in, ``details`` what the shell reports). Returns whether a record was written (not
        at audit level none)."""

    @abc.abstractmethod
    def checkpoint(self, name: str) -> int:
        """Freeze the tenant's current layer and open layer ``name`` on it (a checkpoint);
        returns the new layer's id."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection (never raises)."""


#: Serialization-failure retries per call.
_RETRIES = 8
#: Seconds for which direct mode's attributes and read-ahead answer locally (no other round
#: trip meanwhile): the short kernel cache time of a FUSE mount (its attribute, entry and
#: page cache are no fresher).
ATTR_TTL = 1.0
#: Bytes from the start of a file that direct mode reads with an open for reading (one 64 KiB
#: block: a small file is opened, fstat-ed and read in one SQL call).
READ_AHEAD = 1 << 16
#: The open with read-ahead, in one statement: an opened file of size 0 (made or emptied by
#: this wasi_open) needs no read; otherwise the audited fs_read reads it in a statement of its
#: own, so it sees what wasi_open did (as the HTTP open route does).
_OPEN_READ = ("SELECT a.*, CASE WHEN (a.mode & 61440) = 32768 THEN CASE WHEN a.size = 0 "
              "THEN ''::bytea ELSE tarbox.fs_read(a.ino, 0, %s) END END "
              "FROM tarbox.wasi_open(%s, %s, %s, %s, %s) a")


class DirectBackend(Backend):
    """The backend over SQL: one call of a ``tarbox.wasi_*`` or ``tarbox.fs_*`` function per
    operation on one autocommit connection acting as the tenant role, committed with
    ``synchronous_commit = off`` like the FUSE bridge (``fd_sync`` makes it durable).

    The connection registers as a mount session (``tarbox.mount_register``), so files the
    guest unlinks while it holds them open survive FUSE mounts and SQL callers meanwhile; at
    :meth:`close` it unregisters and purges such orphans unless another mount still runs.

    It runs with ``tarbox.error_mode = 'warning'``, as a mount's connections do: a failing
    audited call (opening a missing file...) is recorded in the audit log with its errno and
    comes back as a WARNING carrying its SQLSTATE, raised here as the error it stands for (no
    second round trip). With ``run``, every record its calls write carries ``details.run``
    (the setting ``tarbox.audit_run``).

    Args:
        conn: an autocommit psycopg connection that acts as the tenant (``SET ROLE`` done).
        run: the id of the program run the calls belong to (1-64 letters, digits, ``._:-``),
            or None.
    """

    attr_ttl = ATTR_TTL
    read_ahead = READ_AHEAD

    def __init__(self, conn: psycopg.Connection, run: str | None = None):
        self.conn = conn
        self.calls = 0
        self._session: int | None = None
        self._reported: list[ReportedError] = []
        conn.add_notice_handler(self._notice)
        conn.execute("SELECT set_config('synchronous_commit', 'off', false), "
                     "set_config('tarbox.error_mode', 'warning', false), "
                     "set_config('tarbox.audit_run', %s, false)", (run or "",))
        row = self._one("SELECT tarbox.mount_register(false)")
        self._session = int(row[0])
        conn.execute("SELECT set_config('tarbox.mount_session', %s, false)", (str(self._session),))

    def _notice(self, diag: psycopg.errors.Diagnostic) -> None:
        err = reported_error(diag)
        if err is not None:
            self._reported.append(err)

    @classmethod
    def connect(cls, tenant: str, dsn: str | None = None, run: str | None = None) -> "DirectBackend":
        """Connect as ``tenant`` (``dsn``: admin DSN, None = ``$TARBOX_DSN`` or the embedded
        cluster; ``run``: see the class). Raises :class:`tarbox_shell.errors.TarboxError`
        (ENOENT unknown tenant, EIO no database)."""
        conn = db.tenant_connection(tenant, dsn)
        try:
            conn.execute("SET application_name = 'tarbox-wasi'")
            return cls(conn, run)
        except BaseException:
            conn.close()
            raise

    # -- one round trip ---------------------------------------------------------------------
    def _execute(self, query: str, params: Any = None, binary: bool = False) -> psycopg.Cursor:
        # binary: results in PostgreSQL's binary format (file data: no hex text to decode)
        attempt = 0
        while True:
            self.calls += 1
            self._reported.clear()
            try:
                cur = self.conn.execute(query, params, binary=binary)
                if self._reported:  # a failure the server recorded and reported as a warning
                    raise WasiError.of(self._reported[0])
                return cur
            except psycopg.Error as exc:
                if self.conn.broken or self.conn.closed:
                    raise DatabaseUnavailable(
                        f"the database connection was lost: {message_of(exc)}") from exc
                if is_retryable(exc) and attempt < _RETRIES:
                    attempt += 1
                    time.sleep(min(0.5, 0.005 * 2 ** attempt))
                    continue
                raise WasiError.of(exc) from exc

    def _one(self, query: str, params: Any = None, binary: bool = False) -> tuple:
        row = self._execute(query, params, binary).fetchone()
        if row is None:
            raise WasiError(f"{query.split('(')[0]} returned no row", 5)
        return row

    def _attr(self, query: str, params: Any) -> Attr:
        return self._attr_of(self._one(query, params))

    @staticmethod
    def _attr_of(r: tuple) -> Attr:
        return Attr(node=r[0], ino=r[0], mode=r[1], nlink=r[2], size=r[6], atime_ns=r[8],
                    mtime_ns=r[9], ctime_ns=r[10])

    # -- operations ---------------------------------------------------------------------------
    def root(self, path: str) -> Attr:
        r = self._one("SELECT ino, mode, nlink, size, atime_ns, mtime_ns, ctime_ns "
                      "FROM tarbox.stat(%s)", (path,))
        attr = Attr(node=r[0], ino=r[0], mode=r[1], nlink=r[2], size=r[3], atime_ns=r[4],
                    mtime_ns=r[5], ctime_ns=r[6])
        if attr.mode & 0o170000 != 0o040000:
            raise WasiError(f"{path}: not a directory", 20)
        return attr

    def open(self, base, path, follow, oflags, write):
        return self._attr("SELECT * FROM tarbox.wasi_open(%s, %s, %s, %s, %s)",
                          (base, path, follow, oflags, write))

    def open_read(self, base, path, follow, oflags, write, read_ahead):
        r = self._one(_OPEN_READ, (read_ahead, base, path, follow, oflags, write), binary=True)
        return self._attr_of(r), (None if r[-1] is None else bytes(r[-1]))

    def stat(self, base, path, follow):
        return self._attr("SELECT * FROM tarbox.wasi_stat(%s, %s, %s)", (base, path, follow))

    def getattr(self, node):
        return self._attr("SELECT * FROM tarbox.fs_getattr(%s)", (node,))

    def read(self, node, offset, length):
        return bytes(self._one("SELECT tarbox.fs_read(%s, %s, %s)", (node, offset, length), binary=True)[0])

    def read_sized(self, node, offset, length):
        # the size in the same statement: a read that reaches the end of file tells the
        # client so, and the program's next read (at the end) needs no call
        r = self._one("SELECT tarbox.fs_read(%s, %s, %s), (tarbox.fs_getattr(%s)).size",
                      (node, offset, length, node), binary=True)
        return bytes(r[0]), int(r[1])

    def write(self, node, offset, data, append):
        return int(self._one("SELECT tarbox.wasi_write(%s, %s, %s, %s)",
                             (node, offset, data, append))[0])

    def truncate(self, node, size):
        return self._attr("SELECT * FROM tarbox.fs_setattr(%s, NULL, NULL, NULL, %s, NULL, NULL)",
                          (node, size))

    def allocate(self, node, offset, length):
        return self._attr("SELECT * FROM tarbox.wasi_allocate(%s, %s, %s)", (node, offset, length))

    def set_times(self, base, path, follow, atim, mtim, fst_flags):
        return self._attr("SELECT * FROM tarbox.wasi_set_times(%s, %s, %s, %s, %s, %s)",
                          (base, path, follow, atim, mtim, fst_flags))

    def readdir(self, node, cookie, limit):
        rows = self._execute("SELECT name, next_offset, (a).ino, (a).mode "
                             "FROM tarbox.wasi_readdir(%s, %s, %s)", (node, cookie, limit)).fetchall()
        return [(bytes(r[0]), r[1], r[2], r[3]) for r in rows]

    def mkdir(self, base, path):
        return self._attr("SELECT * FROM tarbox.wasi_mkdir(%s, %s)", (base, path))

    def rmdir(self, base, path):
        self._execute("SELECT tarbox.wasi_rmdir(%s, %s)", (base, path))

    def unlink(self, base, path):
        self._execute("SELECT tarbox.wasi_unlink(%s, %s)", (base, path))

    def rename(self, base, path, new_base, new_path):
        self._execute("SELECT tarbox.wasi_rename(%s, %s, %s, %s)", (base, path, new_base, new_path))

    def symlink(self, target, base, path):
        return self._attr("SELECT * FROM tarbox.wasi_symlink(%s, %s, %s)", (target, base, path))

    def readlink(self, base, path):
        return bytes(self._one("SELECT tarbox.wasi_readlink(%s, %s)", (base, path))[0])

    def link(self, base, path, follow, new_base, new_path):
        return self._attr("SELECT * FROM tarbox.wasi_link(%s, %s, %s, %s, %s)",
                          (base, path, follow, new_base, new_path))

    def sync(self, node):
        self._execute("SELECT tarbox.fs_fsync()")

    def release(self, node, data, offset, append, sync=False):
        end = self._one("SELECT tarbox.wasi_close(%s, %s, %s, %s, %s)",
                        (node, offset, data or None, append, sync))[0]
        return None if end is None else int(end)

    def note_run(self, path, details):
        return bool(self._one("SELECT tarbox.audit_note('wasi_run', %s, %s::jsonb)",
                              (path, json.dumps(details)))[0])

    def checkpoint(self, name):
        return int(self._one("SELECT layer_id FROM tarbox.layer_new(%s)", (name,))[0])

    def close(self) -> None:
        """Unregister the session, purge orphans the guest left (when no other mount runs)
        and close the connection. Never raises."""
        try:
            if not self.conn.closed and not self.conn.broken and self._session is not None:
                self.conn.execute("SELECT tarbox.mount_unregister(%s)", (self._session,))
                self.conn.execute("SELECT set_config('tarbox.mount_session', '', false)")
                self.conn.execute("SELECT tarbox.purge_orphans()")
        except psycopg.Error:
            pass
        finally:
            self.conn.close()


def open_backend(config: ClientConfig) -> Backend:
    """The backend ``config`` asks for (``mode`` ``"direct"`` or ``"http"``). Raises
    :class:`tarbox_shell.errors.TarboxError`: EIO when the tenant cannot be reached, EACCES
    when the token is refused or belongs to another tenant, EINVAL for an unknown mode or
    HTTP mode without a URL and token."""
    if config.mode == "direct":
        return DirectBackend.connect(config.tenant, config.dsn, config.run)
    if config.mode == "http":
        from .remote import HttpBackend  # the HTTP client is only needed in this mode
        if not config.url or not config.token:
            raise WasiError("HTTP mode needs the server's URL and a bearer token", 22)
        return HttpBackend.connect(config.url, config.token, config.tenant, run=config.run)
    raise WasiError(f"unknown WASI client mode {config.mode!r} (direct or http)", 22)
