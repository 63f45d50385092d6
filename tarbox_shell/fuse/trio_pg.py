"""psycopg 3 connections driven by trio, and a small pool of them, for the FUSE bridge.

Why: pyfuse3 runs on trio and psycopg's async API waits on asyncio only, so the bridge used
to run every SQL call in a worker thread. On this kind of machine each thread hand-off
costs two context switches plus GIL traffic: a ``fs_getattr`` took 750 us through
``trio.to_thread`` + ``psycopg_pool`` against 277 us awaited directly on trio and 229 us from
one synchronous connection (the same query, 2,000 calls each, in one run). Here the socket
waits of psycopg's
protocol generators are done with ``trio.lowlevel.wait_readable/wait_writable``: the
technique the psycopg author shows for other event loops (override
``AsyncConnection.wait``). Connection establishment still runs psycopg's own asyncio code,
in a worker thread (rare: at mount and after a connection was lost).

A connection is used by one trio task at a time (the pool hands it out exclusively), so
psycopg's internal asyncio lock is never contended and never needs an asyncio loop.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable

import psycopg
import trio
from psycopg.waiting import Ready, Wait


class TrioConnection(psycopg.AsyncConnection):
    """A :class:`psycopg.AsyncConnection` whose I/O waits are trio's (see the module doc).

    Use :meth:`open` (from trio) to create one; every other coroutine of
    AsyncConnection (``execute``, ``cursor``, ``close``...) is then awaited from trio.
    Cancellation (``trio.Cancelled``) in the middle of a query leaves the protocol state
    unknown: callers must close such a connection (:class:`TrioPool` does).
    """

    async def wait(self, gen: Any, interval: float | None = None,
                   timeout: float | None = None) -> Any:
        """Drive psycopg protocol generator ``gen`` to completion on trio.

        ``interval`` is ignored (trio wakes on readiness, no polling); ``timeout``
        (seconds), when given, raises :class:`psycopg.errors.ConnectionTimeout`.
        Returns the generator's result."""
        fd = self.pgconn.socket
        if timeout is not None:
            with trio.move_on_after(timeout) as scope:
                result = await _drive(gen, fd)
            if scope.cancelled_caught:
                raise psycopg.errors.ConnectionTimeout("query did not complete in time")
            return result
        return await _drive(gen, fd)

    @classmethod
    async def open(cls, conninfo: str, **kwargs: Any) -> "TrioConnection":
        """Connect (in a worker thread, with psycopg's own connection logic; kwargs as for
        :meth:`psycopg.AsyncConnection.connect`). Raises :class:`psycopg.OperationalError`
        when the server cannot be reached."""
        return await trio.to_thread.run_sync(
            lambda: asyncio.run(cls.connect(conninfo, **kwargs)))


async def _drive(gen: Any, fd: int) -> Any:
    """Run a psycopg PQGen: it yields what to wait for and is sent what is ready."""
    try:
        s = next(gen)
        while True:
            if s == Wait.R:
                await trio.lowlevel.wait_readable(fd)
                s = gen.send(Ready.R)
            elif s == Wait.W:
                await trio.lowlevel.wait_writable(fd)
                s = gen.send(Ready.W)
            else:  # Wait.RW: a large query is being sent; the server may answer meanwhile
                s = gen.send(await _wait_either(fd))
    except StopIteration as done:
        return done.value


async def _wait_either(fd: int) -> Ready:
    """Wait until ``fd`` is readable or writable; return which (Ready.R / Ready.W)."""
    ready: list[Ready] = []

    async def wait(fn: Callable[[int], Awaitable[None]], flag: Ready,
                   scope: trio.CancelScope) -> None:
        await fn(fd)
        ready.append(flag)
        scope.cancel()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(wait, trio.lowlevel.wait_readable, Ready.R, nursery.cancel_scope)
        nursery.start_soon(wait, trio.lowlevel.wait_writable, Ready.W, nursery.cancel_scope)
    return ready[0]


class PoolTimeout(Exception):
    """No connection became available within the pool's timeout."""


class TrioPool:
    """At most ``size`` :class:`TrioConnection` s, each lent to one trio task at a time.

    Connections are made lazily (and again after one was lost) with ``kwargs`` passed to
    ``psycopg.AsyncConnection.connect``, then ``configure(conn)`` is awaited on each new
    one (e.g. ``SET ROLE``). A connection that comes back broken, closed, not idle, or
    through an exception other than :class:`psycopg.Error` (a cancellation mid-query) is
    closed instead of reused.

    Args:
        conninfo: libpq connection string.
        size: maximum number of connections (and of concurrent borrowers).
        configure: ``async (conn) -> None`` run once per new connection.
        timeout: seconds :meth:`connection` waits for a free slot or a new connection
            before raising :class:`PoolTimeout` (or the connection error).
        kwargs: keyword arguments for ``connect`` (autocommit, connect_timeout, ...).
    """

    def __init__(self, conninfo: str, size: int,
                 configure: Callable[[TrioConnection], Awaitable[None]] | None = None,
                 timeout: float = 4.0, **kwargs: Any) -> None:
        self.conninfo = conninfo
        self.max_size = max(1, size)
        self.configure = configure
        self.timeout = timeout
        self.kwargs = kwargs
        self._slots = trio.Semaphore(self.max_size)
        self._idle: list[TrioConnection] = []
        self._closed = False

    async def _connect(self) -> TrioConnection:
        conn = await TrioConnection.open(self.conninfo, **self.kwargs)
        try:
            if self.configure is not None:
                await self.configure(conn)
        except BaseException:
            await _close_quietly(conn)
            raise
        return conn

    async def fill(self) -> None:
        """Open connections up to the pool size (at mount time, to fail early).
        Raises psycopg.OperationalError when the server cannot be reached."""
        while len(self._idle) < self.max_size:
            self._idle.append(await self._connect())

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[TrioConnection]:
        """Borrow a connection for one unit of work (``async with pool.connection() as
        conn``). Raises PoolTimeout, or psycopg.OperationalError when a new connection
        cannot be made."""
        if self._closed:
            raise psycopg.OperationalError("the connection pool is closed")
        try:
            self._slots.acquire_nowait()  # the common case: no cancel scope to set up
        except trio.WouldBlock:
            with trio.move_on_after(self.timeout) as scope:
                await self._slots.acquire()
            if scope.cancelled_caught:
                raise PoolTimeout(f"no database connection free within {self.timeout:g} s") from None
        try:
            if self._idle:
                conn = self._idle.pop()
            else:
                with trio.fail_after(self.timeout + 1):
                    conn = await self._connect()
            reusable = False
            try:
                yield conn
                reusable = True
            except psycopg.Error:
                reusable = True
                raise
            finally:
                if (reusable and not self._closed and not conn.closed and not conn.broken
                        and conn.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE):
                    self._idle.append(conn)
                else:
                    await _close_quietly(conn)
        except trio.TooSlowError:
            raise PoolTimeout(f"cannot connect to the database within {self.timeout:g} s") from None
        finally:
            self._slots.release()

    async def close(self) -> None:
        """Close every idle connection; borrowed ones are closed when given back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await _close_quietly(conn)


async def _close_quietly(conn: TrioConnection) -> None:
    """Close ``conn`` without waiting on the server and without raising."""
    try:
        conn.pgconn.finish()
    except Exception:  # noqa: BLE001 - closing a dead connection must not fail
        pass


__all__ = ["PoolTimeout", "TrioConnection", "TrioPool"]
