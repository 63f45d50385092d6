"""The database side of the shell: which server and how to reach it.

* :mod:`.connection` — DSNs (``--dsn`` / ``$TARBOX_DSN`` / the embedded cluster), admin and
  tenant connections, one-statement calls with retries (re-exported here, so
  ``db.connect(...)`` and ``db.run(...)`` read as they did);
* :mod:`.cluster` — the embedded PostgreSQL cluster (initdb, start, stop, status);
* :mod:`.migrate` — the migration runner behind ``tarbox init`` (``sql/schema`` migrations
  recorded once, ``sql/functions`` reloaded every time);
* :mod:`.values` — Python values brought into the range of the SQL types (times past 2262).

Imports: :mod:`tarbox_shell.errors` (and ``tarbox_shell.SQL_DIR``) only; everything else in the
package may import this.
"""

from .connection import (SQL_TENANT_LIMITS, TENANT_TEMP_FILE_LIMIT, connect, explicit_dsn,
                         gateway_dsn, in_transaction, namedtuple_row, resolve_dsn, run, set_role,
                         tenant_connection, tenant_role)
from .values import clamp_ns

__all__ = [
    "SQL_TENANT_LIMITS", "TENANT_TEMP_FILE_LIMIT", "clamp_ns", "connect", "explicit_dsn",
    "gateway_dsn", "in_transaction", "namedtuple_row", "resolve_dsn", "run",
    "set_role", "tenant_connection", "tenant_role",
]
