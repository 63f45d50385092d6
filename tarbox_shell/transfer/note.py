"""The audit summary of an import or an export: one ``tarbox.audit_note`` record beside the
records of the calls that moved each file (the SQL writes those itself)."""

from __future__ import annotations

import json

import psycopg

from ..errors import sqlstate_of, translate

#: SQLSTATE of EPERM: ``tarbox.audit_note`` refuses a tenant's own login (only shells note).
EPERM_STATE = "TX001"


def note(conn: psycopg.Connection, op: str, path: str, details: dict) -> bool:
    """Record the summary of an ``op`` ('import' or 'export') of tenant path ``path`` with the
    transfer's figures ``details`` (a "bytes" count becomes the record's bytes), in the
    connection's current transaction if one is open (in a savepoint), else on its own.
    Returns False when the session may not note (a tenant's own login: the per-file records
    stand alone), True when recorded or when the tenant's level records nothing. Raises
    :class:`tarbox_shell.errors.TarboxError` for any other error."""
    try:
        with conn.transaction():
            conn.execute("SELECT tarbox.audit_note(%s, %s, %s::jsonb)", (op, path, json.dumps(details)))
        return True
    except psycopg.Error as exc:
        if sqlstate_of(exc) == EPERM_STATE:
            return False
        raise translate(exc) from exc
