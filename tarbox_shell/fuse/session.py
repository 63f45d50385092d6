"""The running mount's session in the database (``tarbox.mount_register``).

While a mount runs, one connection of it holds the session's advisory lock (see the SQL
table ``tarbox.mount_session``). Other mounts of the tenant, direct SQL and a mount starting
up then keep inodes that were unlinked while this mount may still hold them open, as POSIX
keeps an unlinked file alive while it is open anywhere; the last mount to leave purges them.

:class:`MountSession` is that connection: a thread that registers, waits on the socket
(which wakes it when the server closes the connection), and registers the same session
again after a reconnect. The mount's pool connections carry the id in the setting
``tarbox.mount_session`` so that their own purges do not wait for themselves.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from psycopg import sql

from ..errors import message_of

log = logging.getLogger("tarbox.mount")


class MountSession(threading.Thread):
    """Hold this mount's session (``tarbox.mount_register``) on a dedicated connection.

    Args:
        conninfo: libpq DSN (a login that may ``SET ROLE`` to ``role``).
        role: the tenant role (``tarbox_tenant_<id>``).
        read_only: the mount is read-only (recorded with the session).
        connect_timeout: seconds per connection attempt.

    Use :meth:`register` (blocking, before the mount serves requests), then :meth:`start`;
    :meth:`stop` unregisters and closes. ``session_id`` stays the same across reconnects.
    """

    def __init__(self, conninfo: str, role: str, read_only: bool, connect_timeout: int = 5) -> None:
        super().__init__(name="tarbox-session", daemon=True)
        self.conninfo = conninfo
        self.role = role
        self.read_only = read_only
        self.connect_timeout = connect_timeout
        self.session_id: int | None = None
        self._conn: psycopg.Connection | None = None
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def register(self) -> int:
        """Connect and register (a new session the first time, the same one afterwards).

        Returns the session id. Raises :class:`psycopg.Error` when the database cannot be
        reached or refuses (a read-only standby cannot record a session)."""
        conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=self.connect_timeout,
                               application_name="tarbox-mount-session")
        try:
            conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(self.role)))
            row = conn.execute("SELECT tarbox.mount_register(%s, %s)",
                               (self.read_only, self.session_id)).fetchone()
        except BaseException:
            conn.close()
            raise
        with self._lock:
            old, self._conn = self._conn, conn
            self.session_id = int(row[0])
        if old is not None:
            old.close()
        return self.session_id

    def stop(self) -> None:
        """Unregister (best effort: a dead connection has released the lock anyway) and
        close. Never raises."""
        self._stop_event.set()
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if self.session_id is not None and not conn.closed:
                conn.execute("SELECT tarbox.mount_unregister(%s)", (self.session_id,))
        except psycopg.Error as exc:
            log.debug("mount_unregister: %s", message_of(exc))
        finally:
            conn.close()

    def run(self) -> None:
        """Wait for the connection to break; then register again, with backoff, until
        :meth:`stop`. Never raises."""
        delay = 0.2
        while not self._stop_event.is_set():
            conn = self._conn
            try:
                if conn is None or conn.closed:
                    raise psycopg.OperationalError("session connection closed")
                # No LISTEN on this connection: notifies() only returns when the server
                # closes it (error) or the timeout passes.
                for _ in conn.notifies(timeout=1.0):
                    pass
                delay = 0.2
            except psycopg.Error as exc:
                if self._stop_event.is_set():
                    return
                (log.warning if delay <= 0.2 else log.debug)(
                    "mount session connection lost (%s); registering again", message_of(exc))
                self._stop_event.wait(delay)
                delay = min(delay * 2, 5.0)
                if self._stop_event.is_set():
                    return
                try:
                    self.register()
                    log.info("mount session %s registered again", self.session_id)
                except psycopg.Error as exc2:
                    log.debug("registering mount session: %s", message_of(exc2))
            except Exception:  # noqa: BLE001 - keep the session whatever happens
                log.exception("mount session thread failed; retrying")
                self._stop_event.wait(1.0)


__all__ = ["MountSession"]
