"""The tenant's tree: the component of the FUSE bridge (see :mod:`.dispatch`) whose every
kernel request is one call of the SQL inode API (``tarbox.fs_*``, see
``sql/functions/10-inode-api/``).

The bridge is deliberately thin. Filesystem semantics (permissions aside, which the
kernel checks with ``default_permissions``) live in SQL; Python only keeps what the FUSE
protocol itself requires:

* lookup counts per inode (raised by lookup/create/mkdir/mknod/symlink/link and accepted
  readdirplus entries, lowered by forget) and open-handle counts; when both reach 0 the
  bridge calls ``tarbox.fs_forget(ino)``, which removes the inode only if it has no links
  (so a file unlinked while open stays readable and writable until its last close);
* file handles: ``fh`` is a counter mapped to the inode, the open flags (an O_APPEND handle
  writes with ``fs_append``) and whether root opened it (other writers clear
  set-user-ID/set-group-ID bits: ``p_kill_suidgid``);
* errno mapping (:func:`tarbox_shell.errors.errno_of`, in :meth:`TarboxOperations._execute`):
  only :class:`pyfuse3.FUSEError` ever leaves a handler;
* the audit's caller context: every audited call gets the requesting process's uid, gid and
  pid (pyfuse3's ``RequestContext``; for read/write/release, which carry none, those of the
  process that opened the file). The pool's connections run with ``tarbox.error_mode =
  'warning'``: a failing audited call is recorded in the audit log and comes back as a
  WARNING carrying its SQLSTATE (:func:`watch_reports`), which ``_execute`` maps like an
  error, so a failure costs no second round trip and its record survives. When the tenant's
  level is ``full``, reads pass their file handle and the handle's reads become one record
  when it is released, sent with others in batches (``tarbox.fs_read_report``), and lookups
  are reported with their outcome in batches too (``tarbox.fs_lookup_report``), so that a
  lookup stays a read-only transaction;
* kernel cache invalidation from the tenant's ``NOTIFY`` channel (:class:`ChangeListener`).

SQL runs on the trio loop itself, on connections of a :class:`tarbox_shell.fuse.trio_pg.TrioPool`
(psycopg's async API with trio socket waits: no thread hand-off per request), so one slow
request does not stall the others. Every call is one autocommit transaction; serialization
failures and deadlocks (SQLSTATE 40001/40P01) are retried with backoff; a database that is
down gives EIO after the pool timeout (a few seconds) and the mount recovers when it
returns.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import psycopg
import pyfuse3
import trio
from psycopg import sql

from ..db import clamp_ns
from ..errors import ReportedError, errno_of, is_retryable, message_of, reported_error
from .dispatch import CID_TREE, Component
from .stats import BridgeStats
from .trio_pg import PoolTimeout

log = logging.getLogger("tarbox.mount")

ROOT_INODE = pyfuse3.ROOT_INODE  # 1, the same number the SQL uses for the root
BLKSIZE = 65536                  # st_blksize: the SQL block size
MAX_RETRIES = 8                  # 40001/40P01 retries per call
CAPS_XATTR = b"security.capability"
MAX_ROOT_NAMES = 100_000         # negative entries under / remembered for layer switches
READDIR_BATCH = 48               # entries fetched per fs_readdir call (one kernel page holds ~25)
FALLBACK_TIMEOUT = 1.0           # kernel cache seconds while the change feed is paused
#: The SQL stops notifying when the NOTIFY queue is fuller than its limit (tarbox._notify_limit,
#: 0.5 unless the setting tarbox.notify_queue_limit is lower). A mount pauses its reliance on
#: notifications earlier, at PAUSE_AT x the limit, and resumes below RESUME_AT x the limit.
PAUSE_AT = 0.5
RESUME_AT = 0.2
QUEUE_CHECK = 0.5                # seconds between two looks at pg_notification_queue_usage()
Q_QUEUE = ("SELECT pg_notification_queue_usage(), "
           "coalesce(current_setting('tarbox.notify_queue_limit', true), '')")

# open(2) flags (Linux values, as the kernel sends them and the SQL expects them).
O_ACCMODE = os.O_ACCMODE
O_TRUNC = os.O_TRUNC
O_APPEND = os.O_APPEND
O_EXCL = os.O_EXCL

# The SQL inode API. Explicit casts pin the function signature whatever Python types (or
# NULLs) psycopg sends. Functions returning tarbox.attr are expanded with SELECT *.
CALLER = "%s::bigint, %s::bigint, %s::int"  # p_caller_uid, p_caller_gid, p_caller_pid
Q_LOOKUP = f"SELECT * FROM tarbox.fs_lookup(%s::bigint, %s::bytea, NULL::int, {CALLER}, %s::boolean)"
Q_LOOKUP_REPORTS = ("SELECT tarbox.fs_lookup_report(%s::bigint[], %s::bytea[], %s::bigint[], %s::int[], %s::int[], "
                    "%s::bigint[], %s::bigint[], %s::int[])")
Q_GETATTR = "SELECT * FROM tarbox.fs_getattr(%s::bigint)"
Q_SETATTR = ("SELECT * FROM tarbox.fs_setattr(%s::bigint, %s::int, %s::bigint, %s::bigint, "
             f"%s::bigint, %s::bigint, %s::bigint, %s::bigint, {CALLER})")
Q_READLINK = f"SELECT tarbox.fs_readlink(%s::bigint, NULL::int, {CALLER})"
Q_MKNOD = ("SELECT * FROM tarbox.fs_mknod(%s::bigint, %s::bytea, %s::int, %s::bigint, %s::bigint, "
           f"%s::bigint, {CALLER})")
Q_MKDIR = f"SELECT * FROM tarbox.fs_mkdir(%s::bigint, %s::bytea, %s::int, %s::bigint, %s::bigint, {CALLER})"
Q_CREATE = ("SELECT * FROM tarbox.fs_create(%s::bigint, %s::bytea, %s::int, %s::bigint, %s::bigint, "
            f"%s::int, {CALLER})")
Q_SYMLINK = ("SELECT * FROM tarbox.fs_symlink(%s::bigint, %s::bytea, %s::bytea, %s::bigint, %s::bigint, "
             f"{CALLER})")
Q_LINK = f"SELECT * FROM tarbox.fs_link(%s::bigint, %s::bigint, %s::bytea, {CALLER})"
Q_UNLINK = f"SELECT tarbox.fs_unlink(%s::bigint, %s::bytea, {CALLER})"
Q_RMDIR = f"SELECT tarbox.fs_rmdir(%s::bigint, %s::bytea, {CALLER})"
Q_RENAME = f"SELECT tarbox.fs_rename(%s::bigint, %s::bytea, %s::bigint, %s::bytea, %s::int, {CALLER})"
Q_OPEN = f"SELECT * FROM tarbox.fs_open(%s::bigint, %s::int, NULL::int, %s::boolean, {CALLER})"
Q_READ = f"SELECT tarbox.fs_read(%s::bigint, %s::bigint, %s::int, %s::int, %s::bigint, {CALLER})"
Q_READ_REPORTS = ("SELECT tarbox.fs_read_report(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::int[], "
                  "%s::bigint[], %s::bigint[], %s::int[])")
READ_REPORTS_BATCH = 256         # read reports sent in one fs_read_report call ...
READ_REPORTS_DELAY = 0.5         # ... or at least this often (seconds), by flush_reports_regularly
Q_NATIVE_RECORDS = ("SELECT tarbox.audit_native(%s::text[], %s::bytea[], %s::bytea[], %s::bytea[], %s::int[], "
                    "%s::text[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::int[], %s::jsonb[])")
Q_COMPOSE_REPORTS = ("SELECT tarbox.compose_report(%s::text[], %s::int[], %s::bigint[], %s::bytea[], %s::int[], "
                     "%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::int[])")
NATIVE_RECORDS_BATCH = 2000      # native mount records sent in one audit_native call
NATIVE_RECORDS_MAX = 200_000     # queued at most (beyond, while the database is away, they are lost)
Q_WRITE = f"SELECT tarbox.fs_write(%s::bigint, %s::bigint, %s::bytea, false, %s::boolean, {CALLER})"
Q_APPEND = f"SELECT tarbox.fs_append(%s::bigint, %s::bytea, %s::boolean, {CALLER})"
Q_READDIR = ("SELECT r.name, r.next_offset, (r.a).* "
             f"FROM tarbox.fs_readdir(%s::bigint, %s::bigint, %s::int, NULL::int, {CALLER}) r")
Q_STATFS = "SELECT * FROM tarbox.fs_statfs()"
Q_GETXATTR = "SELECT tarbox.fs_getxattr(%s::bigint, %s::bytea)"
Q_SETXATTR = f"SELECT tarbox.fs_setxattr(%s::bigint, %s::bytea, %s::bytea, %s::int, {CALLER})"
Q_LISTXATTR = "SELECT * FROM tarbox.fs_listxattr(%s::bigint)"
Q_REMOVEXATTR = f"SELECT tarbox.fs_removexattr(%s::bigint, %s::bytea, {CALLER})"
Q_FORGET = "SELECT tarbox.fs_forget(%s::bigint)"
Q_FORGET_MANY = "SELECT tarbox.fs_forget(%s::bigint[])"
Q_FSYNC = "SELECT tarbox.fs_fsync()"
Q_FALLOCATE = f"SELECT (tarbox.fs_fallocate(%s::bigint, %s::int, %s::bigint, %s::bigint, {CALLER})).ino"
Q_RELEASE = f"SELECT tarbox.fs_release(%s::bigint, %s::boolean, {CALLER})"
Q_PURGE_ORPHANS = "SELECT tarbox.purge_orphans()"
Q_AUDIT_LEVEL = "SELECT max_level FROM tarbox.audit_settings()"
FULL = "full"                    # the audit level at which reads are recorded
LEVELS = {"none": 0, "basic": 1, "standard": 2, "full": 3}

FETCH_ONE, FETCH_ALL, FETCH_NONE = 1, 2, 0


def _is_disconnect(exc: BaseException, conn: psycopg.Connection) -> bool:
    """True when ``exc`` means the connection is gone (closed socket, SQLSTATE class 08,
    or the server terminating the session: 57P01..57P03)."""
    state = getattr(exc, "sqlstate", None) or ""
    return conn.broken or state.startswith("08") or state in ("57P01", "57P02", "57P03")


class _StaleConnection(Exception):
    """A pooled connection failed its liveness ping (internal to _execute)."""


def watch_reports(conn: Any) -> None:
    """Make ``conn`` collect the failures the server reports as warnings (for a session with
    ``tarbox.error_mode = 'warning'``): ``conn.reported`` becomes a list to which a notice
    handler appends each :class:`tarbox_shell.errors.ReportedError`. :meth:`TarboxOperations._execute`
    clears it before every call and raises what it holds after."""
    reported: list[ReportedError] = []

    def handler(diag: psycopg.errors.Diagnostic) -> None:
        err = reported_error(diag)
        if err is not None:
            reported.append(err)

    conn.reported = reported
    conn.add_notice_handler(handler)


Caller = tuple  # (uid, gid, pid) of the requesting process, passed to every audited call


def caller_of(ctx: Any) -> Caller:
    """(uid, gid, pid) of a pyfuse3 ``RequestContext`` (None, None, None without one)."""
    if ctx is None:
        return (None, None, None)
    return (ctx.uid, ctx.gid, ctx.pid)


@dataclass
class _Handle:
    """An open file or directory: its inode, the open(2) flags, whether writes append,
    whether the opener was root (``privileged``: root has CAP_FSETID, so its writes keep
    set-user-ID/set-group-ID bits); whether it wrote since it was opened or last synced
    (``wrote``: its release or fsync then has the SQL store the new bytes as text chunks); for
    a directory, the readdir offset after its last entry once a listing reached it
    (``eof_offset``; None until then); the process that opened it (``caller``: uid, gid, pid,
    for the audit of its reads and writes); for a file opened for reading while the audit
    records reads (``report``), the reads made through it (count, bytes, ns in SQL), reported
    at release; for a file of a layer view, the layer and the inode's real number (``real``;
    ``ino`` is then the number the kernel knows)."""

    ino: int
    flags: int
    append: bool
    is_dir: bool = False
    eof_offset: int | None = None
    caller: Caller = (None, None, None)
    real: int | None = None
    report: bool = False
    reads: int = 0
    read_bytes: int = 0
    read_ns: int = 0
    layer: int | None = None
    privileged: bool = True
    wrote: bool = False


class RequestProfile:
    """Per-handler request counts and wall time (ns), kept when the mount runs with
    ``TARBOX_PROFILE=<file>``: a profiling aid (see README "Performance"), written as JSON
    at unmount by :meth:`dump`. Not thread-safe: only the trio thread records."""

    def __init__(self) -> None:
        self.calls: dict[str, list[int]] = {}  # handler -> [count, total ns, max ns, errors]

    def record(self, name: str, elapsed_ns: int, failed: bool) -> None:
        """Account one request of handler ``name`` that took ``elapsed_ns``."""
        c = self.calls.get(name)
        if c is None:
            c = self.calls[name] = [0, 0, 0, 0]
        c[0] += 1
        c[1] += elapsed_ns
        c[2] = max(c[2], elapsed_ns)
        c[3] += failed

    def dump(self, path: str) -> None:
        """Write ``{handler: {count, total_s, mean_us, max_us, errors}}`` to ``path``."""
        import json

        out = {name: {"count": c[0], "total_s": round(c[1] / 1e9, 3),
                      "mean_us": round(c[1] / c[0] / 1e3, 1), "max_us": round(c[2] / 1e3, 1),
                      "errors": c[3]}
               for name, c in sorted(self.calls.items(), key=lambda kv: -kv[1][1])}
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=1)


def fuse_handler(fn: Callable) -> Callable:
    """Decorate a handler so that nothing but :class:`pyfuse3.FUSEError` escapes it
    (pyfuse3 ends the whole main loop on any other exception): unexpected exceptions are
    logged and become EIO. With a :class:`RequestProfile` on ``self.profile`` each
    request's wall time is recorded."""
    name = fn.__name__

    async def wrapper(self, *args, **kwargs):
        profile = self.profile
        if profile is not None and getattr(type(self), name, None) is not wrapper:
            profile = None  # an overridden handler calling this one: count the request once
        start = time.perf_counter_ns() if profile is not None else 0
        failed = True
        try:
            result = await fn(self, *args, **kwargs)
            failed = False
            return result
        except pyfuse3.FUSEError:
            raise
        except (trio.Cancelled, KeyboardInterrupt):
            raise
        except BaseException as exc:  # noqa: BLE001 - a handler must never crash the loop
            log.exception("%s failed unexpectedly: %s", fn.__name__, exc)
            raise pyfuse3.FUSEError(errno.EIO) from None
        finally:
            if profile is not None:
                profile.record(name, time.perf_counter_ns() - start, failed)

    wrapper.__name__ = fn.__name__
    wrapper.__qualname__ = fn.__qualname__
    wrapper.__doc__ = fn.__doc__
    return wrapper


class TarboxOperations(Component):
    """The tenant's tree: the component of a mount (:class:`~.dispatch.Dispatcher`) that
    serves Tarbox's own inodes (below ``NATIVE_BASE``) with the SQL inode API, for the
    tenant's current layer (FUSE low-level protocol).

    Args:
        pool: a :class:`tarbox_shell.fuse.trio_pg.TrioPool` whose connections act as the
            tenant (its ``configure`` callback ran ``SET ROLE``) in autocommit mode.
        pool_size: unused (the pool itself limits concurrent SQL calls); kept so that
            every Operations factory is called alike (see ``MountPlan.ops_factory``).
        read_only: refuse every change with EROFS (the mount also has ``ro``).
        timeout: seconds the kernel may cache entries, negative lookups and attributes
            (long when :class:`ChangeListener` invalidates them, else short).
        keep_cache: keep the kernel page cache of a file across opens (only when changes
            made elsewhere are invalidated by notifications).
        idle_check: a pooled connection unused for longer than this (seconds) is pinged
            before use and replaced if the server cut it.

    Every handler follows the FUSE/POSIX semantics documented on the corresponding SQL
    function (``COMMENT ON FUNCTION tarbox.fs_*``) and raises only
    ``pyfuse3.FUSEError(errno)``.
    """

    cid = CID_TREE
    # The writeback cache is off on purpose (Dispatcher.enable_writeback_cache): with it the
    # kernel trusts its own i_size and mtime of regular files and ignores the server's, so a
    # change made by another mount or through SQL would never show, and O_APPEND would be
    # resolved against a possibly stale size instead of atomically in SQL.

    def __init__(self, pool: Any, pool_size: int = 8, *, read_only: bool = False,
                 timeout: float = 1.0, keep_cache: bool = False, idle_check: float = 5.0) -> None:
        super().__init__()
        self._pool = pool
        #: The mount's connection pool (the control directory runs its layer commands on it).
        self.pool = pool
        #: The mount's ChangeListener once it runs (layer commands of this mount invalidate through it).
        self.listener: Any = None
        self.idle_check = idle_check
        self._last_used: dict[int, float] = {}  # id(connection) -> monotonic time of last use
        self._warned: dict[str, float] = {}
        self.read_only = read_only
        self.timeout = float(timeout)
        self.keep_cache = keep_cache
        #: What the change feed allows while it works (see :meth:`set_change_feed`).
        self._fed_timeout = self.timeout
        self._fed_keep_cache = keep_cache
        self._lookups: dict[int, int] = {}     # ino -> kernel lookup count
        self._opens: dict[int, int] = {}       # ino -> open handles (files and directories)
        self._handles: dict[int, _Handle] = {}
        # Names under / the kernel may hold (positive or negative) dentries for: on a layer
        # switch, invalidating them drops every dentry below as well.
        self._root_names: set[bytes] = set()
        self._no_caps: set[int] = set()        # inodes known to have no security.capability
        #: Bumped by the change listener for every change made elsewhere; a reply computed
        #: while it moved is given a zero cache timeout (see :meth:`_ttl`).
        self.change_generation = 0
        #: Per-handler timings when profiling (``TARBOX_PROFILE``), else None.
        self.profile: RequestProfile | None = None
        #: The mount's counters (the dispatcher's, once the mount is built: SQL calls and
        #: cache invalidations are added here).
        self.stats = BridgeStats()
        #: The tenant's highest audit level is full: reads pass their handle and are reported
        #: at release (:meth:`refresh_audit`, and the change listener on a level change).
        self.audit_reads = False
        #: The tenant's highest audit level, 0 (none) .. 3 (full): native mounts queue only
        #: records at or below it (3 until known: the SQL decides).
        self.audit_max = 3
        #: Read reports of released files not sent yet (see :meth:`_report_reads`).
        self._read_reports: list[tuple] = []
        #: Lookups made while reads are reported, not reported yet (see :meth:`lookup`).
        self._lookup_reports: list[tuple] = []
        #: Records of native mount requests not sent yet (:meth:`queue_native_record`).
        self._native_records: list[tuple] = []
        self._native_lost = 0
        #: The audit hooks of the mount's native mounts (:class:`.native_audit.NativeAuditor`
        #: registers itself): at unmount their open handles' records are queued and sent.
        self.native_auditors: list[Any] = []
        #: Reports of reads, lookups and listings below compositions (:meth:`queue_compose_report`).
        self._compose_reports: list[tuple] = []
        self._compose_lost = 0
        #: The mount's compositions (:class:`.compose.ComposedView` registers itself): at
        #: unmount the reads of their open handles are reported.
        self.compose_views: list[Any] = []

    def set_audit_max(self, level: int) -> None:
        """The tenant's highest audit level is now ``level`` (0..3): sets :attr:`audit_max`
        and :attr:`audit_reads` (level 3, full)."""
        self.audit_max = level
        self.audit_reads = level >= 3

    async def refresh_audit(self) -> None:
        """Ask the tenant's highest audit level (``tarbox.audit_settings``) and set
        :attr:`audit_reads`. Never raises (on error the flag stays: reads are then recorded
        one by one by the SQL, or reported needlessly; both are correct)."""
        try:
            row = await self._sql(Q_AUDIT_LEVEL, (), idempotent=True)
            self.set_audit_max(LEVELS.get(row[0], 3) if row is not None else 0)
        except pyfuse3.FUSEError as exc:
            log.info("cannot read the audit level (%s); keeping audit_reads=%s",
                     errno.errorcode.get(exc.errno, exc.errno), self.audit_reads)

    # ------------------------------------------------------------------ SQL plumbing

    async def _execute(self, query: str, params: Sequence[Any], fetch: int,
                       idempotent: bool) -> Any:
        """Run one SQL call on a pooled connection, in its own autocommit transaction.

        Args:
            query: SQL text with ``%s`` placeholders.
            params: parameters (ints, bytes, bools, None).
            fetch: ``FETCH_ONE`` (first row or None), ``FETCH_ALL`` (list of rows) or ``FETCH_NONE``.
            idempotent: the call may be re-run once on a fresh connection when the
                connection broke under it (reads and fs_forget only: a write might have
                committed before the connection broke).

        Returns the rows. Raises ``pyfuse3.FUSEError`` with the errno of
        :func:`tarbox_shell.errors.errno_of` (TXnnn -> nnn, 22021 -> EILSEQ, anything else
        including an unreachable database -> EIO); retries 40001/40P01 with backoff.
        """
        attempt = 0
        broken_retries = 0
        stale = 0
        while True:
            broken = False
            failure: ReportedError | None = None
            try:
                async with self._pool.connection() as conn:
                    key = id(conn)
                    now = time.monotonic()
                    if now - self._last_used.get(key, 0.0) > self.idle_check:
                        # Idle for a while: the server may have cut it (restart, admin
                        # kill). Ping before sending anything that might not be repeatable;
                        # a dead one is closed (the pool drops it) and we take another.
                        try:
                            await conn.execute("")
                        except psycopg.Error:
                            await conn.close()
                            if stale <= self._pool.max_size:
                                raise _StaleConnection() from None
                            raise
                    reported = getattr(conn, "reported", None)
                    if reported:
                        reported.clear()
                    try:
                        self.stats.sql_calls += 1
                        cur = await conn.execute(query, params, binary=True)
                        if fetch == FETCH_ONE:
                            result = await cur.fetchone()
                        elif fetch == FETCH_ALL:
                            result = await cur.fetchall()
                        else:
                            result = None
                        self._last_used[key] = time.monotonic()
                        if not reported:
                            return result
                        # The call failed, was recorded, and said so in a warning: raised once
                        # the connection is back in the pool (an exception inside the block
                        # would make the pool close it).
                        failure = reported[0]
                        reported.clear()
                    except psycopg.Error as exc:
                        broken = _is_disconnect(exc, conn)
                        if broken:
                            await conn.close()
                        raise
                raise failure
            except _StaleConnection:
                stale += 1
                continue
            except (psycopg.Error, PoolTimeout, ReportedError) as exc:
                if is_retryable(exc) and attempt < MAX_RETRIES:
                    attempt += 1
                    self.stats.sql_retries += 1
                    await trio.sleep(min(0.5, 0.002 * 2 ** attempt))
                    continue
                if broken and idempotent and broken_retries < self._pool.max_size:
                    broken_retries += 1
                    self.stats.sql_retries += 1
                    continue
                self.stats.sql_errors += 1
                code = errno_of(exc)
                state = getattr(exc, "sqlstate", None)
                if state is None or not state.startswith("TX"):
                    self._warn(f"SQL error ({errno.errorcode.get(code, code)}): "
                               f"{message_of(exc)} [{query.split('(')[0]}]")
                else:
                    log.debug("%s -> %s: %s", query.split("(")[0], errno.errorcode.get(code, code),
                              message_of(exc))
                raise pyfuse3.FUSEError(code) from None
            except pyfuse3.FUSEError:
                raise
            except trio.Cancelled:
                raise
            except Exception as exc:  # programming errors, pool closed, ...
                log.exception("SQL call failed: %s", exc)
                raise pyfuse3.FUSEError(errno.EIO) from None

    def _warn(self, message: str, every: float = 10.0) -> None:
        """Log a warning, the same message at most once per ``every`` seconds (a database
        that is down fails every request)."""
        now = time.monotonic()
        key = message[:80]
        if now - self._warned.get(key, -every) >= every:
            self._warned[key] = now
            log.warning("%s", message)

    async def _sql(self, query: str, params: Sequence[Any] = (), fetch: int = FETCH_ONE, *,
                   write: bool = False, idempotent: bool = False) -> Any:
        """Run one SQL API call (see :meth:`_execute`).

        ``write=True`` marks a change: refused with EROFS on a read-only mount.
        """
        if write and self.read_only:
            raise pyfuse3.FUSEError(errno.EROFS)
        return await self._execute(query, params, fetch, idempotent)

    async def run_sql(self, query: str, params: Sequence[Any] = (), fetch: int = FETCH_ONE, *,
                      write: bool = False, idempotent: bool = False) -> Any:
        """One SQL call on the mount's pool for the other SQL components (control directory,
        layer views): the same retries, errno mapping and read-only refusal as the tree's."""
        return await self._sql(query, params, fetch, write=write, idempotent=idempotent)

    def _ttl(self, generation: int) -> float:
        """Cache timeout (seconds) for a reply computed since ``generation``: 0 when a change
        made elsewhere was announced meanwhile (the reply may predate it), else the mount's
        timeout."""
        return self.timeout if generation == self.change_generation else 0.0

    @staticmethod
    def _entry(row: Sequence[Any], ttl: float) -> pyfuse3.EntryAttributes:
        """EntryAttributes of a ``tarbox.attr`` row (see :func:`entry_from_row`)."""
        return entry_from_row(row, ttl)

    # ------------------------------------------------------------------ bookkeeping

    def _created(self, ino: int, generation: int) -> None:
        """Inode ``ino`` was just made by this mount: it has no xattrs, so the kernel's
        ``security.capability`` probe before each write needs no SQL (see getxattr)."""
        if self.keep_cache and generation == self.change_generation:
            self._no_caps.add(ino)

    def _looked_up(self, ino: int, parent: int | None = None, name: bytes | None = None) -> None:
        """The kernel now holds one more reference to ``ino`` (via entry parent/name)."""
        self._lookups[ino] = self._lookups.get(ino, 0) + 1
        if parent == ROOT_INODE and name is not None and name not in (b".", b".."):
            self._root_names.add(name)

    def set_read_only(self, read_only: bool) -> None:
        """Follow a remount of the mount (``mount -o remount,ro|rw``)."""
        self.read_only = read_only

    def count_lookup(self, ino: int, parent: int, name: bytes) -> None:
        """A READDIRPLUS entry of ``ino`` was accepted by the kernel (the dispatcher counts)."""
        self._looked_up(ino, parent, name)

    def _new_handle(self, ino: int, flags: int, is_dir: bool = False, caller: Caller = (None, None, None),
                    layer: int | None = None, real: int | None = None, privileged: bool = True) -> int:
        """Allocate a file handle (int) for ``ino`` opened with ``flags`` by ``caller``
        (uid, gid, pid; by root when ``privileged``), reading ``layer`` (None = the current
        one) where the inode is ``real`` (None = ``ino``)."""
        fh = self.new_fh()
        report = self.audit_reads and not is_dir and (flags & O_ACCMODE) != os.O_WRONLY
        self._handles[fh] = _Handle(ino, flags, bool(flags & O_APPEND), is_dir, caller=caller, layer=layer,
                                    real=real, report=report, privileged=privileged)
        self._opens[ino] = self._opens.get(ino, 0) + 1
        return fh

    def _handle(self, fh: int) -> _Handle:
        """The handle ``fh``; EBADF if unknown."""
        h = self._handles.get(fh)
        if h is None:
            raise pyfuse3.FUSEError(errno.EBADF)
        return h

    async def _drop_handle(self, fh: int) -> None:
        """Release handle ``fh``; report its reads to the audit (one ``tarbox.fs_read_report``)
        when they were made with the handle; forget the inode in SQL when nothing refers to
        it."""
        h = self._handles.pop(fh, None)
        if h is None:
            return
        await self._report_reads(h)
        left = self._opens.get(h.ino, 0) - 1
        if left > 0:
            self._opens[h.ino] = left
        else:
            self._opens.pop(h.ino, None)
            if self._lookups.get(h.ino, 0) == 0:
                await self._purge(h.ino)
                return
        if h.wrote and not self.read_only:
            await self._rechunk(h.ino, h.caller)

    async def _rechunk(self, ino: int, caller: Caller) -> None:
        """Call ``tarbox.fs_release(ino)`` (text re-chunking of what a handle wrote, recorded
        with its line counts for ``caller``, who opened it). Never raises: the bytes are
        stored already, only their text form waits for the next release (logged)."""
        try:
            await self._sql(Q_RELEASE, (ino, False, *caller), FETCH_NONE)
        except pyfuse3.FUSEError as exc:
            log.info("fs_release(%s) failed with %s; the file stays stored as blocks until its next release",
                     ino, errno.errorcode.get(exc.errno, exc.errno))

    async def _report_reads(self, h: _Handle) -> None:
        """Queue the one audit record of file handle ``h`` opened for reading while reads
        are recorded (its reads passed its number to ``fs_read``; there may be none, when the
        kernel's page cache served them). Reports go to ``tarbox.fs_read_report`` in batches
        (:data:`READ_REPORTS_BATCH`, or after :data:`READ_REPORTS_DELAY` at most), so that a
        file read costs no round trip more than its reads. Never raises."""
        if not h.report:
            return
        self._read_reports.append((h.real or h.ino, h.reads, h.read_bytes, h.read_ns, h.layer, *h.caller))
        if len(self._read_reports) >= READ_REPORTS_BATCH:
            await self.flush_read_reports()

    async def flush_read_reports(self) -> None:
        """Send the queued read reports in one ``tarbox.fs_read_report`` call. Never raises: a
        failure loses those records (logged), as a crash of the mount would."""
        reports, self._read_reports = self._read_reports, []
        await self._send_reports(Q_READ_REPORTS, reports, "the read records of %d released files")

    async def _send_reports(self, query: str, reports: list[tuple], what: str) -> None:
        """Send queued audit reports (one tuple of arguments each) as the columns of one
        ``query`` call. Never raises: a failure loses them (logged as ``what`` % count)."""
        if not reports:
            return
        columns = [list(c) for c in zip(*reports)]
        try:
            await self._sql(query, tuple(columns), FETCH_NONE)
        except pyfuse3.FUSEError as exc:
            log.warning("audit: " + what + " were lost: %s", len(reports),
                        errno.errorcode.get(exc.errno, exc.errno))

    def queue_native_record(self, record: tuple) -> None:
        """Queue the audit record of a native mount request (see :mod:`.native_audit`: the
        arguments of ``tarbox.audit_native``, one element each), sent by
        :meth:`flush_native_records`. At most :data:`NATIVE_RECORDS_MAX` wait; more are
        counted as lost (logged at the next flush)."""
        if len(self._native_records) >= NATIVE_RECORDS_MAX:
            self._native_lost += 1
            return
        self._native_records.append(record)

    async def flush_native_records(self) -> None:
        """Send the queued native mount records (``tarbox.audit_native``, in batches of
        :data:`NATIVE_RECORDS_BATCH`). Never raises: a batch the database refuses is lost
        (logged); while the database is unreachable the queue is kept (up to its limit)."""
        if self._native_lost:
            log.warning("audit: %d native mount records were lost (the queue was full)", self._native_lost)
            self._native_lost = 0
        while self._native_records:
            batch = self._native_records[:NATIVE_RECORDS_BATCH]
            columns = [list(c) for c in zip(*batch)]
            try:
                await self._sql(Q_NATIVE_RECORDS, tuple(columns), FETCH_NONE)
            except pyfuse3.FUSEError as exc:
                if exc.errno in (errno.EIO, errno.ETIMEDOUT, errno.EAGAIN):
                    log.info("audit: %d native mount records wait for the database (%s)",
                             len(self._native_records), errno.errorcode.get(exc.errno, exc.errno))
                    return
                log.warning("audit: %d native mount records were refused and lost: %s", len(batch),
                            errno.errorcode.get(exc.errno, exc.errno))
            del self._native_records[:len(batch)]

    def queue_compose_report(self, report: tuple) -> None:
        """Queue the audit report of a read, lookup or listing below a composition (the
        arguments of ``tarbox.compose_report``, one element each: op, composition, inode,
        name, errno, reads, bytes, ns, uid, gid, pid), sent with the tree's read reports. At
        most :data:`NATIVE_RECORDS_MAX` wait; more are counted as lost (logged at the next
        flush)."""
        if len(self._compose_reports) >= NATIVE_RECORDS_MAX:
            self._compose_lost += 1
            return
        self._compose_reports.append(report)

    async def flush_compose_reports(self) -> None:
        """Send queued composition reports (at most :data:`NATIVE_RECORDS_BATCH` per call).
        Never raises (see :meth:`_send_reports`)."""
        if self._compose_lost:
            log.warning("audit: %d composition records were lost (the queue was full)", self._compose_lost)
            self._compose_lost = 0
        reports = self._compose_reports[:NATIVE_RECORDS_BATCH]
        del self._compose_reports[:NATIVE_RECORDS_BATCH]
        await self._send_reports(Q_COMPOSE_REPORTS, reports, "the records of %d reads below compositions")

    async def flush_reports_regularly(self) -> None:
        """Run for the mount's lifetime: send queued read and lookup reports and native mount
        records every :data:`READ_REPORTS_DELAY` seconds."""
        while True:
            await trio.sleep(READ_REPORTS_DELAY)
            if self._read_reports:
                await self.flush_read_reports()
            if self._lookup_reports:
                await self.flush_lookup_reports()
            if self._native_records or self._native_lost:
                await self.flush_native_records()
            while self._compose_reports:
                await self.flush_compose_reports()

    async def _read(self, h: _Handle, fh: int, off: int, size: int, layer: int | None) -> bytes:
        """``tarbox.fs_read`` for handle ``h`` (number ``fh``) at ``layer``: when the audit
        records reads, the handle's number goes with it and the call is counted for
        :meth:`_report_reads`."""
        ino = h.real or h.ino
        if not h.report:
            row = await self._sql(Q_READ, (ino, off, size, layer, None, *h.caller), idempotent=True)
        else:
            start = time.perf_counter_ns()
            row = await self._sql(Q_READ, (ino, off, size, layer, fh, *h.caller), idempotent=True)
            h.reads += 1
            h.read_ns += time.perf_counter_ns() - start
            h.read_bytes += len(row[0] or b"")
        data = row[0]
        return b"" if data is None else bytes(data)

    async def _purge(self, ino: int) -> None:
        """Call ``tarbox.fs_forget(ino)`` (removes the inode only if it has no links left).
        Never raises: a failure leaves an orphan for ``tarbox.purge_orphans()``."""
        if ino == ROOT_INODE or self.read_only:
            return
        try:
            await self._sql(Q_FORGET, (ino,), FETCH_NONE, idempotent=True)
        except pyfuse3.FUSEError as exc:
            log.info("fs_forget(%s) failed with %s; purge_orphans will remove it if unlinked",
                     ino, errno.errorcode.get(exc.errno, exc.errno))

    def known_inodes(self) -> list[int]:
        """Snapshot (list of ints) of the inodes the kernel holds (lookup count > 0)."""
        return list(self._lookups)

    def knows(self, ino: int) -> bool:
        """True if the kernel may cache something about inode ``ino`` (thread-safe read)."""
        return ino == ROOT_INODE or ino in self._lookups

    def xattrs_changed(self, ino: int) -> None:
        """Forget what is cached about inode ``ino``'s xattrs (thread-safe)."""
        self._no_caps.discard(ino)

    def clear_caches(self) -> None:
        """Drop every cached answer of the bridge itself (thread-safe)."""
        self._no_caps.clear()

    def set_change_feed(self, working: bool) -> None:
        """The change feed (NOTIFY) works (``True``) or is paused (``False``: the shared NOTIFY
        queue is too full, so the SQL stops notifying). While paused, replies are cached for
        :data:`FALLBACK_TIMEOUT` seconds only and file pages are not kept across opens, as on
        a mount without notifications; the caller invalidates what the kernel holds.
        Thread-safe (plain attribute writes)."""
        if working:
            self.timeout, self.keep_cache = self._fed_timeout, self._fed_keep_cache
        else:
            self.timeout = min(self._fed_timeout, FALLBACK_TIMEOUT)
            self.keep_cache = False
            self._no_caps.clear()

    def root_names(self) -> list[bytes]:
        """Snapshot of the names under / the kernel may hold dentries for."""
        return list(self._root_names)

    def cache_state(self) -> dict:
        """What the bridge knows the kernel holds, for ``/.tarbox/stats/cache`` (name ->
        number): inodes with a lookup count and the sum of the counts, open handles, names
        under / with dentries, the cache timeout in use and whether the change feed works."""
        listener = self.listener
        return {"inodes_known": len(self._lookups) + 1,  # the root is always known
                "lookup_count_total": sum(self._lookups.values()),
                "open_handles": len(self._handles),
                "open_inodes": len(self._opens),
                "root_names_cached": len(self._root_names),
                "no_capability_cached": len(self._no_caps),
                "cache_timeout_s": self.timeout,
                "keep_page_cache": int(bool(self.keep_cache)),
                "change_feed": ("off" if listener is None
                                else "working" if listener.feed_working else "paused")}

    async def sync_all(self) -> int:
        """``/.tarbox/control/flush`` (as syncfs(2)): store what every open handle wrote as
        text chunks (``fs_release(ino, true)``, as fsync(2) of each) and make everything
        committed durable (``tarbox.fs_fsync()``). Returns the number of handles synced.
        Raises ``pyfuse3.FUSEError`` (EROFS on a read-only mount)."""
        if self.read_only:
            raise pyfuse3.FUSEError(errno.EROFS)
        n = 0
        for h in list(self._handles.values()):
            if h.wrote:
                await self._sql(Q_RELEASE, (h.ino, True, *h.caller), FETCH_NONE)
                h.wrote = False
                n += 1
        await self._sql(Q_FSYNC, (), FETCH_NONE)
        self.stats.flushes += 1
        return n

    async def forget_all(self) -> int:
        """At unmount: the kernel's references all end (it may not have sent its forgets),
        so every inode without links can go: ``tarbox.purge_orphans()``, which also takes
        those that other mounts of the tenant left while this one ran, and removes nothing
        while another mount still runs (it may hold them open). Returns how many inodes
        were removed; 0 on a read-only mount or on error (logged)."""
        held = len(set(self._lookups) | set(self._opens))
        for h in list(self._handles.values()):  # still open at unmount: their reads end here
            await self._report_reads(h)
        await self.flush_read_reports()
        await self.flush_lookup_reports()
        for auditor in self.native_auditors:
            auditor.release_all()
        await self.flush_native_records()
        for view in self.compose_views:
            view.release_all()
        while self._compose_reports:
            await self.flush_compose_reports()
        self._lookups.clear()
        self._opens.clear()
        self._handles.clear()
        if self.read_only:
            return 0
        try:
            row = await self._execute(Q_PURGE_ORPHANS, (), FETCH_ONE, True)
            return int(row[0] or 0)
        except pyfuse3.FUSEError as exc:
            log.warning("final purge of unlinked inodes failed (%s; %d inodes were referenced)",
                        exc.errno, held)
            return 0

    # ------------------------------------------------------------------ handlers

    @fuse_handler
    async def lookup(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext
                     ) -> pyfuse3.EntryAttributes:
        """FUSE LOOKUP: ``tarbox.fs_lookup(parent, name)``. A missing name is returned as a
        negative entry (st_ino 0) cached for the mount's timeout; other errors as errno.
        While the audit records reads (level full), the lookup is reported with its outcome
        in a batch (:meth:`flush_lookup_reports`) instead of being recorded by the call, so it
        stays a read-only transaction."""
        gen = self.change_generation
        reported = self.audit_reads
        caller = caller_of(ctx)
        try:
            row = await self._sql(Q_LOOKUP, (parent_inode, name, *caller, reported), idempotent=True)
        except pyfuse3.FUSEError as exc:
            if reported:
                await self._report_lookup((parent_inode, name, None, exc.errno, None, *caller))
            if exc.errno != errno.ENOENT:
                raise
            ttl = self._ttl(gen)
            if ttl <= 0:
                raise
            neg = pyfuse3.EntryAttributes()
            neg.st_ino = 0
            neg.entry_timeout = ttl
            neg.attr_timeout = ttl
            if parent_inode == ROOT_INODE and len(self._root_names) < MAX_ROOT_NAMES:
                self._root_names.add(name)
            return neg
        entry = self._entry(row, self._ttl(gen))
        if reported:
            await self._report_lookup((parent_inode, name, entry.st_ino, None, None, *caller))
        self._looked_up(entry.st_ino, parent_inode, name)
        return entry

    async def _report_lookup(self, report: tuple) -> None:
        """Queue the audit record of one lookup (the arguments of ``tarbox.fs_lookup_report``,
        one element each); a full batch (:data:`READ_REPORTS_BATCH`) is sent at once. Never
        raises."""
        self._lookup_reports.append(report)
        if len(self._lookup_reports) >= READ_REPORTS_BATCH:
            await self.flush_lookup_reports()

    async def flush_lookup_reports(self) -> None:
        """Send the queued lookup reports in one ``tarbox.fs_lookup_report`` call. Never raises:
        a failure loses those records (logged), as a crash of the mount would."""
        reports, self._lookup_reports = self._lookup_reports, []
        await self._send_reports(Q_LOOKUP_REPORTS, reports, "the records of %d lookups")

    async def forget(self, inode_list: Sequence[tuple[int, int]]) -> None:
        """FUSE FORGET / BATCH_FORGET: lower lookup counts; the inodes left with no lookups
        and no open handles go to ``tarbox.fs_forget`` (removed if unlinked), all of one
        request in one SQL statement. Never raises (pyfuse3 has no reply to send and would
        end the main loop on any exception)."""
        try:
            await self._forget(inode_list)
        except (trio.Cancelled, KeyboardInterrupt):
            raise
        except BaseException as exc:  # noqa: BLE001
            log.exception("forget failed: %s", exc)

    async def _forget(self, inode_list: Sequence[tuple[int, int]]) -> None:
        gone = []
        for ino, n in inode_list:
            left = self._lookups.get(ino, 0) - n
            if left > 0:
                self._lookups[ino] = left
                continue
            self._lookups.pop(ino, None)
            self._no_caps.discard(ino)
            if self._opens.get(ino, 0) == 0 and ino != ROOT_INODE:
                gone.append(ino)
        if len(gone) == 1:
            await self._purge(gone[0])
        elif gone and not self.read_only:
            try:
                await self._sql(Q_FORGET_MANY, (sorted(gone),), FETCH_NONE, idempotent=True)
            except pyfuse3.FUSEError as exc:
                log.info("fs_forget of %d inodes failed with %s; purge_orphans will remove "
                         "the unlinked ones", len(gone), errno.errorcode.get(exc.errno, exc.errno))

    @fuse_handler
    async def getattr(self, inode: int, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """FUSE GETATTR / stat(2): ``tarbox.fs_getattr(ino)``."""
        gen = self.change_generation
        row = await self._sql(Q_GETATTR, (inode,), idempotent=True)
        return self._entry(row, self._ttl(gen))

    @fuse_handler
    async def setattr(self, inode: int, attr: pyfuse3.EntryAttributes,
                      fields: pyfuse3.SetattrFields, fh: int | None,
                      ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """FUSE SETATTR (chmod, chown, truncate/ftruncate, utimensat): one
        ``tarbox.fs_setattr`` with NULL for every attribute not being changed; mode
        passed as permission bits (07777); times in ns (UTIME_NOW resolved by pyfuse3),
        clamped to what the SQL stores (1677..2262, see :mod:`tarbox_shell.db.values`)."""
        gen = self.change_generation
        row = await self._sql(Q_SETATTR, (
            inode,
            (attr.st_mode & 0o7777) if fields.update_mode else None,
            attr.st_uid if fields.update_uid else None,
            attr.st_gid if fields.update_gid else None,
            attr.st_size if fields.update_size else None,
            clamp_ns(attr.st_atime_ns) if fields.update_atime else None,
            clamp_ns(attr.st_mtime_ns) if fields.update_mtime else None,
            clamp_ns(attr.st_ctime_ns) if fields.update_ctime else None,
            *caller_of(ctx),
        ), write=True)
        return self._entry(row, self._ttl(gen))

    @fuse_handler
    async def readlink(self, inode: int, ctx: pyfuse3.RequestContext) -> bytes:
        """FUSE READLINK: the target bytes from ``tarbox.fs_readlink``."""
        row = await self._sql(Q_READLINK, (inode, *caller_of(ctx)), idempotent=True)
        return bytes(row[0])

    async def _create_entry(self, query: str, params: tuple, parent: int, name: bytes,
                            new_inode: bool = True) -> pyfuse3.EntryAttributes:
        """Shared tail of mknod/mkdir/symlink/link: run the call, count the lookup;
        ``new_inode`` is False for link (an existing inode gets a name)."""
        gen = self.change_generation
        row = await self._sql(query, params, write=True)
        entry = self._entry(row, self._ttl(gen))
        self._looked_up(entry.st_ino, parent, name)
        if new_inode:
            self._created(entry.st_ino, gen)
        return entry

    @fuse_handler
    async def mknod(self, parent_inode: int, name: bytes, mode: int, rdev: int,
                    ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """FUSE MKNOD / mknod(2) (FIFO, socket, device, regular file): ``tarbox.fs_mknod``
        with the caller's umask applied and the caller's uid/gid as owner."""
        return await self._create_entry(
            Q_MKNOD, (parent_inode, name, mode & ~(ctx.umask & 0o777), rdev, ctx.uid, ctx.gid, *caller_of(ctx)),
            parent_inode, name)

    @fuse_handler
    async def mkdir(self, parent_inode: int, name: bytes, mode: int,
                    ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """FUSE MKDIR / mkdir(2): ``tarbox.fs_mkdir`` (umask applied, caller's uid/gid;
        the SQL applies set-group-ID directory inheritance)."""
        return await self._create_entry(
            Q_MKDIR, (parent_inode, name, mode & 0o7777 & ~(ctx.umask & 0o777), ctx.uid, ctx.gid,
                      *caller_of(ctx)),
            parent_inode, name)

    @fuse_handler
    async def symlink(self, parent_inode: int, name: bytes, target: bytes,
                      ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """FUSE SYMLINK / symlink(2): ``tarbox.fs_symlink`` owned by the caller."""
        return await self._create_entry(
            Q_SYMLINK, (parent_inode, name, target, ctx.uid, ctx.gid, *caller_of(ctx)), parent_inode, name)

    @fuse_handler
    async def link(self, inode: int, new_parent_inode: int, new_name: bytes,
                   ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """FUSE LINK / link(2): ``tarbox.fs_link``."""
        return await self._create_entry(
            Q_LINK, (inode, new_parent_inode, new_name, *caller_of(ctx)), new_parent_inode, new_name,
            new_inode=False)

    @fuse_handler
    async def unlink(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """FUSE UNLINK / unlink(2): ``tarbox.fs_unlink``. The inode itself stays until the
        kernel forgets it and its last handle is released (then ``fs_forget``)."""
        await self._sql(Q_UNLINK, (parent_inode, name, *caller_of(ctx)), FETCH_NONE, write=True)
        if parent_inode == ROOT_INODE:
            self._root_names.discard(name)

    @fuse_handler
    async def rmdir(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """FUSE RMDIR / rmdir(2): ``tarbox.fs_rmdir``."""
        await self._sql(Q_RMDIR, (parent_inode, name, *caller_of(ctx)), FETCH_NONE, write=True)
        if parent_inode == ROOT_INODE:
            self._root_names.discard(name)

    @fuse_handler
    async def rename(self, parent_inode_old: int, name_old: bytes, parent_inode_new: int,
                     name_new: bytes, flags: int, ctx: pyfuse3.RequestContext) -> None:
        """FUSE RENAME / renameat2(2): ``tarbox.fs_rename`` with the flags passed through
        (RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2; anything else EINVAL in SQL)."""
        await self._sql(Q_RENAME, (parent_inode_old, name_old, parent_inode_new, name_new, flags,
                                   *caller_of(ctx)), FETCH_NONE, write=True)
        if parent_inode_old == ROOT_INODE and not flags & pyfuse3.RENAME_EXCHANGE:
            self._root_names.discard(name_old)
        if parent_inode_new == ROOT_INODE:
            self._root_names.add(name_new)

    @fuse_handler
    async def open(self, inode: int, flags: int, ctx: pyfuse3.RequestContext) -> pyfuse3.FileInfo:
        """FUSE OPEN / open(2) of an existing inode: ``tarbox.fs_open(ino, flags)`` when
        opening for writing (O_TRUNC truncates there; a directory gives EISDIR). A read-only
        open changes nothing and the kernel has just resolved the inode, so it needs no SQL
        call: reads check the inode themselves (ENOENT if another session removed it).
        O_TRUNC truncates whatever the access mode (O_RDONLY|O_TRUNC too, as Linux does) and,
        for a caller other than root, clears the set-user-ID/set-group-ID bits there.
        O_APPEND handles append atomically in SQL (:meth:`write`)."""
        writing = (flags & O_ACCMODE) != os.O_RDONLY or (flags & O_TRUNC)
        if writing and self.read_only:
            raise pyfuse3.FUSEError(errno.EROFS)
        if writing:
            await self._sql(Q_OPEN, (inode, flags, ctx.uid != 0, *caller_of(ctx)))
        return self._file_info(self._new_handle(inode, flags, caller=caller_of(ctx), privileged=ctx.uid == 0), flags)

    def _file_info(self, fh: int, flags: int) -> pyfuse3.FileInfo:
        """FileInfo for a new handle: the page cache, kept across opens only when
        notifications keep it coherent. No direct I/O, O_APPEND handles included: a
        direct-I/O file cannot be mapped shared (mmap gave ENODEV), and the kernel leaves
        the clearing of set-user-ID bits on write to the file system there. An O_APPEND
        write whose data landed elsewhere than the kernel thought drops the inode's pages
        (:meth:`write`)."""
        fi = pyfuse3.FileInfo(fh=fh)
        fi.direct_io = False
        fi.keep_cache = self.keep_cache and not flags & O_APPEND
        return fi

    @fuse_handler
    async def create(self, parent_inode: int, name: bytes, mode: int, flags: int,
                     ctx: pyfuse3.RequestContext) -> tuple[pyfuse3.FileInfo, pyfuse3.EntryAttributes]:
        """FUSE CREATE / open(2) with O_CREAT: ``tarbox.fs_create`` (umask applied, caller's
        uid/gid, O_EXCL/O_TRUNC honoured in SQL when the name appeared meanwhile)."""
        gen = self.change_generation
        row = await self._sql(Q_CREATE, (parent_inode, name, mode & 0o7777 & ~(ctx.umask & 0o777),
                                         ctx.uid, ctx.gid, flags, *caller_of(ctx)), write=True)
        entry = self._entry(row, self._ttl(gen))
        self._looked_up(entry.st_ino, parent_inode, name)
        if flags & O_EXCL:  # certainly a new file (without it an existing one may be opened)
            self._created(entry.st_ino, gen)
        fh = self._new_handle(entry.st_ino, flags, caller=caller_of(ctx), privileged=ctx.uid == 0)
        return self._file_info(fh, flags), entry

    @fuse_handler
    async def read(self, fh: int, off: int, size: int) -> bytes:
        """FUSE READ / pread(2): ``tarbox.fs_read(ino, off, size)`` (short at EOF); see
        :meth:`_read` for the audit."""
        h = self._handle(fh)
        return await self._read(h, fh, off, size, None)

    @fuse_handler
    async def write(self, fh: int, off: int, buf: bytes) -> int:
        """FUSE WRITE / pwrite(2): ``tarbox.fs_write(ino, off, buf)``, or on an O_APPEND handle
        ``tarbox.fs_append(ino, buf)``, which writes at the end of file atomically (against
        other mounts and SQL) and says where the data landed: when that is not ``off`` (the
        kernel's end of file was stale), the inode's pages and attributes are dropped after
        the reply, so that the page cache never keeps the data at the offset the kernel
        guessed. A writer other than root clears set-user-ID/set-group-ID bits (the handle
        remembers who opened it). Returns the bytes written."""
        h = self._handle(fh)
        h.wrote = True
        if h.append:
            row = await self._sql(Q_APPEND, (h.ino, buf, not h.privileged, *h.caller), write=True)
            if int(row[0]) != off:
                self._invalidate_later(h.ino)
            return len(buf)
        row = await self._sql(Q_WRITE, (h.ino, off, buf, not h.privileged, *h.caller), write=True)
        return int(row[0])

    def _invalidate_later(self, ino: int) -> None:
        """Drop the kernel's pages and attributes of ``ino`` once the current request has
        been answered (from a worker thread: never inside the request that caused it)."""
        def inval() -> None:
            try:
                self.stats.inval_inodes += 1
                pyfuse3.invalidate_inode(ino, False)
            except OSError as exc:
                log.debug("invalidate_inode(%s): %s", ino, exc)
        trio.lowlevel.spawn_system_task(trio.to_thread.run_sync, inval)

    @fuse_handler
    async def flush(self, fh: int) -> None:
        """FUSE FLUSH (close(2) of a descriptor): nothing is buffered in the bridge (every
        write is already committed), so nothing to do; durability is fsync's job."""
        self._handle(fh)

    @fuse_handler
    async def release(self, fh: int) -> None:
        """FUSE RELEASE (last close of an open file): drop the handle; an unlinked inode
        no longer referenced is removed with ``tarbox.fs_forget``, else a handle that wrote
        has ``tarbox.fs_release`` store what it wrote as text chunks (one SQL call either way;
        the write path itself only stores blocks, in proportion to the bytes written)."""
        await self._drop_handle(fh)

    @fuse_handler
    async def fsync(self, fh: int, datasync: bool) -> None:
        """FUSE FSYNC / fsync(2), fdatasync(2): ``tarbox.fs_fsync()`` makes everything
        committed so far durable (ordinary calls commit asynchronously); for a handle that
        wrote, ``tarbox.fs_release(ino, true)`` also stores what it wrote as text chunks."""
        h = self._handles.get(fh)
        if h is not None and h.wrote and not self.read_only:
            await self._sql(Q_RELEASE, (h.ino, True, *h.caller), FETCH_NONE)
            h.wrote = False
            return
        await self._sql(Q_FSYNC, (), FETCH_NONE)

    @fuse_handler
    async def fallocate(self, fh: int, mode: int, offset: int, length: int) -> None:
        """FUSE FALLOCATE / fallocate(2), posix_fallocate(3): ``tarbox.fs_fallocate``
        (mode 0 extends the size with a hole, FALLOC_FL_KEEP_SIZE checks only; nothing is
        reserved, holes store nothing; other modes EOPNOTSUPP). The kernel updates the size
        it caches itself."""
        h = self._handle(fh)
        await self._sql(Q_FALLOCATE, (h.ino, mode, offset, length, *h.caller), write=True)

    @fuse_handler
    async def opendir(self, inode: int, ctx: pyfuse3.RequestContext) -> int:
        """FUSE OPENDIR: allocate a directory handle (no SQL: readdir checks the inode)."""
        return self._new_handle(inode, os.O_RDONLY, is_dir=True, caller=caller_of(ctx))

    @fuse_handler
    async def readdir(self, fh: int, start_id: int, emit: Callable[..., bool]) -> None:
        """FUSE READDIRPLUS / getdents(2): entries of ``tarbox.fs_readdir(ino, start_id, n)``
        ('.' and '..' first, then by stable hash offsets), each with its attributes, passed to
        ``emit`` until the kernel buffer is full (the dispatcher counts accepted entries other
        than '.'/'..' as lookups)."""
        h = self._handle(fh)
        offset = start_id
        if h.eof_offset is not None and offset == h.eof_offset:
            # The kernel asks once more after the last entry; this handle's listing already
            # reached the end there (entries added since need not show: POSIX readdir).
            return
        while True:
            gen = self.change_generation
            rows = await self._sql(Q_READDIR, (h.ino, offset, READDIR_BATCH, *h.caller), FETCH_ALL,
                                   idempotent=True)
            ttl = self._ttl(gen)
            for row in rows:
                name = bytes(row[0])
                entry = self._entry(row[2:], ttl)
                if not emit(name, entry, row[1]):
                    return
                offset = row[1]
            if len(rows) < READDIR_BATCH:
                h.eof_offset = offset
                return

    @fuse_handler
    async def releasedir(self, fh: int) -> None:
        """FUSE RELEASEDIR: drop the directory handle."""
        await self._drop_handle(fh)

    @fuse_handler
    async def fsyncdir(self, fh: int, datasync: bool) -> None:
        """FUSE FSYNCDIR / fsync(2) on a directory: ``tarbox.fs_fsync()``."""
        await self._sql(Q_FSYNC, (), FETCH_NONE)

    @fuse_handler
    async def statfs(self, ctx: pyfuse3.RequestContext) -> pyfuse3.StatvfsData:
        """FUSE STATFS / statvfs(3): ``tarbox.fs_statfs()``."""
        row = await self._sql(Q_STATFS, (), idempotent=True)
        s = pyfuse3.StatvfsData()
        (s.f_bsize, s.f_frsize, s.f_blocks, s.f_bfree, s.f_bavail,
         s.f_files, s.f_ffree, s.f_favail, s.f_namemax) = row
        return s

    @fuse_handler
    async def getxattr(self, inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> bytes:
        """FUSE GETXATTR: ``tarbox.fs_getxattr`` (ENODATA when absent).

        The kernel asks for ``security.capability`` before every write(2) (to drop file
        capabilities); when change notifications keep caches coherent, the answer "none"
        is remembered per inode until that inode's xattrs change (here or, via the
        listener, anywhere) or the kernel forgets it."""
        caps = name == CAPS_XATTR and self.keep_cache
        if caps and inode in self._no_caps:
            raise pyfuse3.FUSEError(errno.ENODATA)
        gen = self.change_generation
        try:
            row = await self._sql(Q_GETXATTR, (inode, name), idempotent=True)
        except pyfuse3.FUSEError as exc:
            if caps and exc.errno == errno.ENODATA and gen == self.change_generation:
                self._no_caps.add(inode)
            raise
        return bytes(row[0])

    @fuse_handler
    async def setxattr(self, inode: int, name: bytes, value: bytes,
                       ctx: pyfuse3.RequestContext) -> None:
        """FUSE SETXATTR: ``tarbox.fs_setxattr(ino, name, value, 0)``. pyfuse3 checks
        XATTR_CREATE/XATTR_REPLACE itself with a getxattr first and does not pass them on.
        The SQL refuses system.* names (POSIX ACLs are not supported) with EOPNOTSUPP."""
        self._no_caps.discard(inode)
        await self._sql(Q_SETXATTR, (inode, name, value, 0, *caller_of(ctx)), FETCH_NONE, write=True)

    @fuse_handler
    async def listxattr(self, inode: int, ctx: pyfuse3.RequestContext) -> list[bytes]:
        """FUSE LISTXATTR: the names from ``tarbox.fs_listxattr``."""
        rows = await self._sql(Q_LISTXATTR, (inode,), FETCH_ALL, idempotent=True)
        return [bytes(r[0]) for r in rows]

    @fuse_handler
    async def removexattr(self, inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """FUSE REMOVEXATTR: ``tarbox.fs_removexattr`` (ENODATA when absent)."""
        self._no_caps.discard(inode)
        await self._sql(Q_REMOVEXATTR, (inode, name, *caller_of(ctx)), FETCH_NONE, write=True)

    @fuse_handler
    async def access(self, inode: int, mode: int, ctx: pyfuse3.RequestContext) -> bool:
        """FUSE ACCESS: never called with ``default_permissions`` (the kernel checks);
        grants everything if it is."""
        return True


def entry_from_row(row: Sequence[Any], ttl: float) -> pyfuse3.EntryAttributes:
    """Build EntryAttributes from the 12 columns of a ``tarbox.attr`` (ino, mode, nlink,
    uid, gid, rdev, size, blocks [512-byte units], atime_ns, mtime_ns, ctime_ns,
    btime_ns); st_blksize 65536, generation 0, entry and attribute timeout ``ttl`` s.
    Raises FUSEError(ENOENT) for an all-NULL attr (an inode that is not there)."""
    if row is None or row[0] is None:
        raise pyfuse3.FUSEError(errno.ENOENT)
    e = pyfuse3.EntryAttributes()
    e.st_ino = row[0]
    e.generation = 0
    e.st_mode = row[1]
    e.st_nlink = row[2]
    e.st_uid = row[3]
    e.st_gid = row[4]
    e.st_rdev = row[5]
    e.st_size = row[6]
    e.st_blocks = row[7]
    e.st_blksize = BLKSIZE
    e.st_atime_ns = row[8]
    e.st_mtime_ns = row[9]
    e.st_ctime_ns = row[10]
    e.entry_timeout = ttl
    e.attr_timeout = ttl
    return e


# ---------------------------------------------------------------------- invalidation


class ChangeListener(threading.Thread):
    """A thread holding one ``LISTEN <channel>`` connection (the tenant's secret
    ``tarbox.tenant.notify_channel``) that turns change notifications made by other
    sessions into kernel cache invalidations.

    Payloads (sent by the SQL at commit): ``"<backend_pid> <ino|-> <parent|-> <name hex|->"``
    for a changed inode and/or directory entry, ``"<backend_pid> layer <layer_id>"`` when
    the tenant's current layer changed, ``"<backend_pid> audit <level>"`` when an administrator
    changed its audit level (the highest one, 0..3: at 3 reads are recorded). Notifications
    from this mount's own pool
    connections (``own_pids``) are ignored: the kernel already knows about those changes.
    Others call ``pyfuse3.invalidate_inode(ino)`` and ``pyfuse3.invalidate_entry(parent,
    name)`` for what the kernel holds; a layer change, and a reconnect after the listening
    connection was lost (notifications may have been missed), invalidate everything known.

    Args:
        conninfo: libpq DSN (admin; LISTEN needs no privilege).
        channel: channel name (``tarbox.tenant.notify_channel`` of the tenant).
        ops: the mount's :class:`TarboxOperations` (inode knowledge, change generation).
        own_pids: set of backend pids of the mount's pool connections (shared, grows).
        trio_token: token of the trio loop running pyfuse3 (for consistent snapshots).
        connect_timeout: seconds per connection attempt.
    """

    def __init__(self, conninfo: str, channel: str, ops: TarboxOperations, own_pids: set[int],
                 trio_token: Any, connect_timeout: int = 5) -> None:
        super().__init__(name="tarbox-listen", daemon=True)
        self.conninfo = conninfo
        self.channel = channel
        self.ops = ops
        self.own_pids = own_pids
        self.trio_token = trio_token
        self.connect_timeout = connect_timeout
        self.stop_event = threading.Event()
        self.ready = threading.Event()
        self.received = 0
        self.handled = 0
        #: False while the NOTIFY queue is too full for the SQL to notify (see :meth:`watch_queue`).
        self.feed_working = True

    def stop(self) -> None:
        """Ask the thread to end (it checks at least once a second)."""
        self.stop_event.set()

    def run(self) -> None:
        """Listen, dispatch, reconnect with backoff until :meth:`stop`. Never raises."""
        first = True
        delay = 0.2
        while not self.stop_event.is_set():
            conn = None
            try:
                conn = psycopg.connect(self.conninfo, autocommit=True,
                                       connect_timeout=self.connect_timeout,
                                       application_name="tarbox-mount-listen")
                conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                if not first:
                    log.info("change listener reconnected; invalidating every cached inode")
                    self.invalidate_everything()
                first = False
                delay = 0.2
                self.watch_queue(conn)
                self.ready.set()
                while not self.stop_event.is_set():
                    for note in conn.notifies(timeout=QUEUE_CHECK):
                        self.received += 1
                        self.ops.stats.notifications_received += 1
                        self.dispatch(note.payload)
                        if self.stop_event.is_set():
                            break
                    self.watch_queue(conn)
            except psycopg.Error as exc:
                if self.stop_event.is_set():
                    break
                (log.warning if delay <= 0.2 else log.debug)(
                    "change listener: %s; reconnecting", message_of(exc))
                self.stop_event.wait(delay)
                delay = min(delay * 2, 5.0)
            except Exception:  # noqa: BLE001 - keep listening whatever happens
                log.exception("change listener failed; restarting")
                self.stop_event.wait(1.0)
            finally:
                if conn is not None:
                    try:
                        conn.close()
                    except Exception:  # noqa: BLE001
                        pass

    def watch_queue(self, conn: psycopg.Connection) -> None:
        """Look at the shared NOTIFY queue: when it is fuller than :data:`PAUSE_AT` times the
        SQL's limit, notifications may stop (another session can pin the queue: any role may
        LISTEN), so the mount stops relying on them (short cache timeouts, see
        :meth:`TarboxOperations.set_change_feed`) and drops what the kernel caches; below
        :data:`RESUME_AT` times the limit it relies on them again, after dropping the caches
        once more (changes made while the SQL was silent were never announced). Raises
        :class:`psycopg.Error` when the connection fails (the caller reconnects)."""
        usage, setting = conn.execute(Q_QUEUE).fetchone()
        limit = 0.5
        try:
            if setting:
                limit = min(max(float(setting), 0.0), 0.5)
        except ValueError:
            pass
        if self.feed_working and usage >= PAUSE_AT * limit:
            self.feed_working = False
            log.warning("the NOTIFY queue is %.1f%% full (a session may be pinning it): change "
                        "notifications paused, caching for %.0f s only", usage * 100, FALLBACK_TIMEOUT)
            self.ops.set_change_feed(False)
            self.ops.change_generation += 1
            self.invalidate_everything()
        elif not self.feed_working and usage < RESUME_AT * limit:
            self.feed_working = True
            log.info("the NOTIFY queue drained (%.1f%% full): change notifications resumed", usage * 100)
            self.ops.change_generation += 1
            self.invalidate_everything()
            self.ops.set_change_feed(True)

    def dispatch(self, payload: str) -> None:
        """Handle one notification payload (see the class docstring). Never raises."""
        parts = payload.split()
        try:
            if len(parts) < 2 or int(parts[0]) in self.own_pids:
                return
            log.debug("change notification %r", payload)
            if parts[1] == "audit":  # the tenant's audit level changed: '<pid> audit <max level>'
                self.ops.set_audit_max(int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 3)
                log.info("audit level changed; reads %s recorded",
                         "are" if self.ops.audit_reads else "are not")
                return
            self.ops.change_generation += 1
            self.handled += 1
            self.ops.stats.notifications_handled += 1
            if parts[1] == "layer":
                log.info("current layer changed to %s; invalidating every cached inode",
                         parts[2] if len(parts) > 2 else "?")
                self.invalidate_everything()
                return
            ino = None if parts[1] == "-" else int(parts[1])
            parent = None if len(parts) < 3 or parts[2] == "-" else int(parts[2])
            name = None if len(parts) < 4 or parts[3] == "-" else bytes.fromhex(parts[3])
        except (ValueError, IndexError):
            log.warning("ignoring malformed change notification %r", payload)
            return
        if ino is not None:
            self.ops.xattrs_changed(ino)
            if self.ops.knows(ino):
                self._inval_inode(ino)
        if parent is not None and self.ops.knows(parent):
            if name is not None:
                self._inval_entry(parent, name)
            self._inval_inode(parent, attr_only=True)

    def invalidate_everything(self) -> None:
        """Invalidate attributes and data of every inode the kernel holds, then every entry
        under / (dropping those drops the dentries below them). Never raises.

        Inodes go first: a name that appears or disappears with the change (entries are
        invalidated last) is then never seen together with the old content of a file
        the kernel still caches."""
        try:
            inos, names = trio.from_thread.run_sync(
                lambda: (self.ops.known_inodes(), self.ops.root_names()),
                trio_token=self.trio_token)
        except Exception:  # noqa: BLE001 - the loop is gone: nothing to invalidate
            return
        self.ops.clear_caches()
        self.ops.stats.inval_everything += 1
        for ino in [ROOT_INODE, *inos]:
            self._inval_inode(ino)
        for name in names:
            self._inval_entry(ROOT_INODE, name)

    def _inval_inode(self, ino: int, attr_only: bool = False) -> None:
        self.ops.stats.inval_inodes += 1
        try:
            pyfuse3.invalidate_inode(ino, attr_only)
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.ENOTCONN, errno.EBADF):
                log.debug("invalidate_inode(%s): %s", ino, exc)

    def _inval_entry(self, parent: int, name: bytes) -> None:
        self.ops.stats.inval_entries += 1
        try:
            pyfuse3.invalidate_entry(parent, name)
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.ENOTCONN, errno.EBADF):
                log.debug("invalidate_entry(%s, %r): %s", parent, name, exc)


__all__ = ["ChangeListener", "TarboxOperations"]
