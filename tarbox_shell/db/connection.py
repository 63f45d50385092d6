"""Connections: which server (``--dsn`` / ``TARBOX_DSN`` / the embedded cluster),
admin connections, and tenant connections (``SET ROLE`` to the tenant's role).

Connections are autocommit by default: every SQL API call is its own transaction.
"""

from __future__ import annotations

import errno
import os
import time
from typing import Any, Callable, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import namedtuple_row

from . import cluster
from ..errors import TarboxError, is_retryable, message_of, one_line, translate

T = TypeVar("T")

#: Statement retries on serialization failure / deadlock (40001 / 40P01).
MAX_RETRIES = 8


def explicit_dsn(dsn: str | None = None) -> str | None:
    """Return the DSN given explicitly (``dsn`` argument, else ``$TARBOX_DSN``), or
    ``None`` when the embedded cluster is to be used. Empty strings count as unset."""
    if dsn:
        return dsn
    env = os.environ.get("TARBOX_DSN")
    return env or None


def resolve_dsn(dsn: str | None = None) -> str:
    """Return the libpq DSN (str) to use: ``dsn``, else ``$TARBOX_DSN``, else the
    embedded cluster's (:func:`tarbox_shell.db.cluster.dsn`)."""
    return explicit_dsn(dsn) or cluster.dsn()


def gateway_dsn(dsn: str | None = None, admin_dsn: str | None = None) -> str:
    """Return the DSN (str) the HTTP gateway (``tarbox serve``) logs in with.

    Args:
        dsn: the gateway's own DSN, given by the operator (``tarbox serve --dsn``), used as
            is: it must log in as a role that may ``SET ROLE`` to the tenant roles
            (``tarbox_gateway``) and is neither superuser nor BYPASSRLS (the server checks).
        admin_dsn: the admin DSN (``tarbox --dsn`` / ``$TARBOX_DSN``); without ``dsn``, the
            gateway logs in to that server as ``tarbox_gateway`` without its password
            (peer, trust or a ``.pgpass`` entry must admit it).

    Without either, the embedded cluster's socket as ``tarbox_gateway`` (its peer map admits
    the OS users that may be its superuser).
    """
    if dsn:
        return dsn
    admin = explicit_dsn(admin_dsn)
    if admin is None:
        return cluster.dsn(user=cluster.GATEWAY_ROLE)
    params = psycopg.conninfo.conninfo_to_dict(admin)
    params.pop("password", None)
    params["user"] = cluster.GATEWAY_ROLE
    return psycopg.conninfo.make_conninfo(**params)


def connect(dsn: str | None = None, autocommit: bool = True, row_factory: Any = None,
            connect_timeout: int = 10) -> psycopg.Connection:
    """Open an admin connection.

    Args:
        dsn: libpq connection string; ``None`` = ``$TARBOX_DSN`` or the embedded cluster.
        autocommit: True (default) = each statement is its own transaction.
        row_factory: psycopg row factory (default: tuples).
        connect_timeout: seconds.

    Returns a :class:`psycopg.Connection`. Raises :class:`TarboxError` (EIO) with a
    one-line message when the server cannot be reached (for the embedded cluster:
    telling to run ``tarbox db start``).
    """
    target = resolve_dsn(dsn)
    kwargs: dict[str, Any] = {"autocommit": autocommit, "connect_timeout": connect_timeout}
    if row_factory is not None:
        kwargs["row_factory"] = row_factory
    try:
        return psycopg.connect(target, **kwargs)
    except psycopg.Error as exc:
        reason = message_of(exc)
        if explicit_dsn(dsn) is None and cluster.status() != 0:
            raise TarboxError(
                f"the embedded database ({cluster.tarbox_home()}) is not running; "
                "run `tarbox db start` (or set TARBOX_DSN)", errno.EIO) from exc
        raise TarboxError(f"cannot connect to the database: {reason}", errno.EIO) from exc
    except Exception as exc:  # e.g. a malformed DSN raises ProgrammingError subclasses too
        raise TarboxError(f"cannot connect to the database: {one_line(exc)}", errno.EIO) from exc


def tenant_role(conn: psycopg.Connection, tenant_name: str) -> str:
    """Return the PostgreSQL role name (str) of tenant ``tenant_name``.

    Args:
        conn: an admin connection.
        tenant_name: tenant name (str).

    Raises :class:`TarboxError` ENOENT "unknown tenant NAME" if there is none,
    EIO "Tarbox is not installed" if ``tarbox.tenant_info`` does not exist.
    """
    try:
        row = run(conn, "SELECT role_name FROM tarbox.tenant_info(%s)", (tenant_name,)).fetchone()
    except TarboxError as exc:
        if exc.errno == errno.ENOENT:
            raise TarboxError(f"unknown tenant {tenant_name}", errno.ENOENT) from exc
        raise
    if row is None:
        raise TarboxError(f"unknown tenant {tenant_name}", errno.ENOENT)
    return row[0]


#: The temporary-file cap of a session acting as a tenant (what tenant roles get at login:
#: tarbox._tenant_role_limits). A session that logs in as the administrator and then acts as a
#: tenant (SET ROLE) does not get the role's settings, so it sets the cap itself; only a
#: superuser may (temp_file_limit is a superuser setting), which the embedded cluster's
#: administrator is.
TENANT_TEMP_FILE_LIMIT = "1GB"
SQL_TENANT_LIMITS = ("SELECT set_config('temp_file_limit', %s, false) "
                     "WHERE current_setting('is_superuser') = 'on'")


def set_role(conn: psycopg.Connection, role: str) -> None:
    """Run ``SET ROLE <role>`` (session level) on ``conn``, with the temporary-file cap of a
    tenant login (:data:`TENANT_TEMP_FILE_LIMIT`). Raises :class:`TarboxError`."""
    run(conn, SQL_TENANT_LIMITS, (TENANT_TEMP_FILE_LIMIT,))
    run(conn, sql.SQL("SET ROLE {}").format(sql.Identifier(role)))


def tenant_connection(tenant_name: str, dsn: str | None = None, autocommit: bool = True,
                      row_factory: Any = None) -> psycopg.Connection:
    """Open a connection acting as tenant ``tenant_name``.

    Args:
        tenant_name: the tenant's name (str).
        dsn: admin DSN (see :func:`connect`).
        autocommit: True (default): one API call = one transaction.
        row_factory: psycopg row factory (default: tuples).

    Looks the role up with ``tarbox.tenant_info`` and runs ``SET ROLE``. Raises
    :class:`TarboxError` (ENOENT for an unknown tenant, EIO for connection errors).
    """
    conn = connect(dsn, autocommit=True, row_factory=row_factory)
    try:
        role = tenant_role(conn, tenant_name)
        set_role(conn, role)
        if not autocommit:
            conn.autocommit = False
        return conn
    except BaseException:
        conn.close()
        raise


def run(conn: psycopg.Connection, query: Any, params: Any = None) -> psycopg.Cursor:
    """Execute one statement with retries on 40001/40P01 and errno-mapped errors.

    Args:
        conn: a psycopg connection; retries only happen in autocommit mode outside
            an explicit transaction (a failed statement in a transaction is
            re-raised for the caller to retry the whole transaction).
        query: SQL text or :mod:`psycopg.sql` composable.
        params: sequence or mapping of parameters, or None.

    Returns the cursor (call ``fetchone``/``fetchall``). Raises :class:`TarboxError`
    whose ``errno`` comes from :func:`tarbox_shell.errors.errno_of`.
    """
    attempt = 0
    while True:
        try:
            return conn.execute(query, params)
        except psycopg.Error as exc:
            retry_ok = conn.autocommit and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            if is_retryable(exc) and retry_ok and attempt < MAX_RETRIES:
                attempt += 1
                time.sleep(min(0.5, 0.005 * 2 ** attempt))
                continue
            raise translate(exc) from exc


def in_transaction(conn: psycopg.Connection, fn: Callable[[psycopg.Connection], T]) -> T:
    """Run ``fn(conn)`` inside one transaction, retrying it whole on 40001/40P01.

    Args:
        conn: an autocommit psycopg connection.
        fn: callable taking the connection; may be called more than once.

    Returns what ``fn`` returns. Raises :class:`TarboxError` for database errors.
    """
    attempt = 0
    while True:
        try:
            with conn.transaction():
                return fn(conn)
        except psycopg.Error as exc:
            if is_retryable(exc) and attempt < MAX_RETRIES:
                attempt += 1
                time.sleep(min(0.5, 0.005 * 2 ** attempt))
                continue
            raise translate(exc) from exc
        except TarboxError as exc:
            cause = exc.__cause__
            if cause is not None and is_retryable(cause) and attempt < MAX_RETRIES:
                attempt += 1
                time.sleep(min(0.5, 0.005 * 2 ** attempt))
                continue
            raise


__all__ = [
    "SQL_TENANT_LIMITS", "TENANT_TEMP_FILE_LIMIT", "connect", "explicit_dsn", "gateway_dsn",
    "in_transaction", "namedtuple_row", "resolve_dsn", "run", "set_role", "tenant_connection",
    "tenant_role",
]
