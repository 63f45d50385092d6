"""How a request reaches SQL: a psycopg async connection pool logged in as ``tarbox_gateway``,
and one call per request.

:meth:`Gateway.call` sends, in one pipeline (one network round trip, one transaction: the
statements of a pipeline form one implicit transaction until its Sync):

1. ``SELECT tarbox._gateway_enter(token, write)``: the token is checked by the database
   (``tarbox.tenant_token_auth``) and the rest of the transaction acts as its tenant's role
   (``set_config('role', ..., true)`` = ``SET LOCAL ROLE``), read-only unless ``write``; the
   same statement sets what the call asks for its transaction (asynchronous commit, the
   client's program run, failures reported as warnings);
2. the API call itself (``tarbox.remote_*``, ``tarbox.layer_*``, ...).

Row-level security therefore applies exactly as for a mount, and the role ends with the
transaction: no pooled connection carries a tenant into the next request. Serialization
failures and deadlocks (40001/40P01) are retried whole; a request that only reads is retried
once more when the connection broke (a write is not: it may have committed).

:meth:`Gateway.transaction` is the same for a request whose body is streamed (uploads): an
explicit transaction on one connection for the whole body.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any, AsyncIterator, Sequence

import psycopg
import psycopg_pool

from ..errors import ReportedError, TarboxError, errno_of, is_retryable, reported_error

#: The first statement of every request's transaction.
ENTER = "SELECT tarbox._gateway_enter(%s, %s)"

#: The first statement of a request authorised by a URL capability instead of a bearer token
#: (a download URL or an upload session's chunk URL: tarbox.tenant_capability_auth).
ENTER_CAPABILITY = "SELECT tarbox._gateway_enter_capability(%s, %s)"

#: The first statement of a request that only records a capability to read (a download URL):
#: any live token, read-only ones too, in a writable transaction (the second parameter, write,
#: is ignored).
ENTER_ISSUE = "SELECT tarbox._gateway_enter_issue(%s) WHERE %s IS NOT NULL"

#: Makes the rest of the transaction commit asynchronously (see ``durable`` of Gateway.call).
ASYNC_COMMIT = "SELECT pg_catalog.set_config('synchronous_commit', 'off', true)"

#: The settings of a call's transaction, evaluated with its first statement (one statement
#: whatever the call needs): asynchronous commit (``durable`` False), the program run a client
#: reports (the ``Tarbox-Run`` header: ``details.run`` of the audit records, see
#: tarbox._audit_put), failures reported as warnings (``report``).
_ASYNC = "pg_catalog.set_config('synchronous_commit', 'off', true)"
_RUN = "pg_catalog.set_config('tarbox.audit_run', %s, true)"
_REPORT = "pg_catalog.set_config('tarbox.error_mode', 'warning', true)"

#: Whole-transaction retries on serialization failure / deadlock.
MAX_RETRIES = 8


class Gateway:
    """The database side of the HTTP server.

    Args:
        dsn: libpq DSN that logs in as ``tarbox_gateway`` (see
            :func:`tarbox_shell.db.gateway_dsn`).
        min_size, max_size: pool size (connections).
        timeout: seconds to wait for a connection before answering 503.
        statement_timeout_ms: PostgreSQL ``statement_timeout`` of the gateway's sessions (a
            request never runs unbounded).
    """

    def __init__(self, dsn: str, min_size: int = 2, max_size: int = 16, timeout: float = 5.0,
                 statement_timeout_ms: int = 60_000):
        self.dsn = dsn
        self.pool = psycopg_pool.AsyncConnectionPool(
            dsn, min_size=min_size, max_size=max_size, timeout=timeout, open=False,
            reconnect_timeout=3600, name="tarbox-gateway",
            # No automatic server-side prepared statements: one prepared inside a pipeline whose
            # implicit transaction fails (a refused token) is lost while psycopg believes it
            # exists ("prepared statement _pg3_N does not exist" on the next use).
            kwargs={"autocommit": True, "connect_timeout": max(1, int(timeout)), "prepare_threshold": None,
                    "options": f"-c statement_timeout={int(statement_timeout_ms)}",
                    "application_name": "tarbox serve"})

    async def open(self) -> None:
        """Open the pool (connections are made in the background; a database that is down
        makes requests answer 503 until it is back)."""
        await self.pool.open(wait=False)

    async def close(self) -> None:
        """Close the pool and its connections."""
        await self.pool.close()

    async def check_role(self) -> dict:
        """The login role's attributes: ``{"role", "superuser", "bypassrls"}`` (the server
        refuses to run as a superuser or a BYPASSRLS role). Raises psycopg errors."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT current_user::text, rolsuper, rolbypassrls FROM pg_catalog.pg_roles "
                "WHERE rolname = current_user")
            role, superuser, bypass = await cur.fetchone()
        return {"role": role, "superuser": superuser, "bypassrls": bypass}

    async def ping(self) -> None:
        """One ``SELECT 1`` (the ``/health`` check). Raises on failure."""
        async with self.pool.connection() as conn:
            await conn.execute("SELECT 1")

    async def call(self, token: str | None, write: bool, query: Any,
                   params: Sequence[Any] | dict | None = None, binary: bool = False,
                   durable: bool = True, enter: str = ENTER, run: str | None = None,
                   report: bool = False) -> list[tuple]:
        """Run ``query`` as the token's tenant in one round trip and one transaction.

        Args:
            token: the bearer token (None: refused by the database as missing).
            write: False for a read-only request (the transaction is then READ ONLY).
            query: the API call (SQL text with ``%s`` placeholders).
            params: its parameters.
            binary: results in PostgreSQL's binary format (file data: no hex text).
            durable: False commits the change asynchronously (``synchronous_commit = off``
                for this transaction, as a mount commits: the database stays consistent, only
                the last moments can be lost in a crash, and an fsync makes them durable).
            enter: the first statement, with the parameters ``(token, write)``: :data:`ENTER`,
                or :data:`ENTER_CAPABILITY` when ``token`` is a URL capability (large files).
            run: the program run the client says the request belongs to (its audit records
                carry it as ``details.run``), or None.
            report: a failing audited call records its failure (errno, message) in the audit
                log, in this transaction, which commits; the failure is then raised here as a
                :class:`tarbox_shell.errors.TarboxError` with its errno (as a mount's calls,
                ``tarbox.error_mode = 'warning'``). Only for a query of one audited call whose
                failure changes nothing else (the WASI inode routes).

        Returns the rows (list of tuples). Raises psycopg errors (SQLSTATE TXnnn, 28000 for a
        refused token, ...) and :class:`psycopg_pool.PoolTimeout`.
        """
        attempt = 0
        settings = [_ASYNC] if write and not durable else []
        settings_params: tuple = ()
        if run:
            settings.append(_RUN)
            settings_params = (run,)
        if report:
            settings.append(_REPORT)
        first = ENTER + ", " + ", ".join(settings)
        first_params = (token, write, *settings_params)
        reported: list[ReportedError] = []

        def notice(diag: psycopg.errors.Diagnostic) -> None:
            err = reported_error(diag)
            if err is not None:
                reported.append(err)

        while True:
            try:
                async with self.pool.connection() as conn:
                    reported.clear()
                    if report:
                        conn.add_notice_handler(notice)
                    try:
                        async with conn.pipeline():
                            if enter is ENTER and settings:
                                await conn.execute(first, first_params)
                            else:
                                await conn.execute(enter, (token, write))
                                if settings:
                                    await conn.execute("SELECT " + ", ".join(settings), settings_params)
                            cur = await conn.execute(query, params, binary=binary)
                        rows = await cur.fetchall() if cur.description is not None else []
                    finally:
                        if report:
                            conn.remove_notice_handler(notice)
                if reported:
                    raise TarboxError(reported[0].message, errno_of(reported[0]))
                return rows
            except psycopg.Error as exc:
                attempt += 1
                if attempt <= MAX_RETRIES and (is_retryable(exc) or (
                        not write and attempt == 1 and isinstance(exc, psycopg.OperationalError)
                        and exc.sqlstate is None)):
                    await asyncio.sleep(min(0.5, 0.002 * 2 ** attempt * (1 + random.random())))
                    continue
                raise

    @contextlib.asynccontextmanager
    async def transaction(self, token: str | None, write: bool, durable: bool = True,
                          enter: str = ENTER) -> AsyncIterator[psycopg.AsyncConnection]:
        """An explicit transaction on one pooled connection, as the token's tenant (for a
        streamed body: every piece is a statement of the same transaction). Commits when the
        block ends, rolls back on any exception. Yields the connection. ``durable``: as for
        :meth:`call` (and ``enter``)."""
        async with self.pool.connection() as conn:
            async with conn.transaction():
                await conn.execute(enter, (token, write))
                if write and not durable:
                    await conn.execute(ASYNC_COMMIT)
                yield conn
