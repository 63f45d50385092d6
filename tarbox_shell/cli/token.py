"""``tarbox token ...``: bearer tokens of the HTTP API (admin): create (printed once), list,
revoke; each one call of ``tarbox.tenant_token_*``.

Imports: :mod:`tarbox_shell.errors` and the CLI's context.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import re

import click

from ..errors import TarboxError
from .context import State, pass_state, query

DURATION_RE = re.compile(r"^(\d{1,9})([smhdw])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str | None) -> dt.timedelta | None:
    """``30d``, ``12h``, ``90m``, ``45s``, ``2w`` -> a timedelta (None stays None). Raises
    :class:`click.BadParameter` otherwise."""
    if value is None:
        return None
    m = DURATION_RE.match(value.strip())
    if not m or int(m.group(1)) == 0:
        raise click.BadParameter(f"invalid duration {value!r}: a positive number and s, m, h, d or w (e.g. 30d)")
    return dt.timedelta(seconds=int(m.group(1)) * UNIT_SECONDS[m.group(2)])


@click.group("token")
def token_group() -> None:
    """Bearer tokens of the HTTP API (`tarbox serve`), mapped to tenants (admin)."""


@token_group.command("create")
@click.argument("tenant")
@click.option("--name", default=None, help="A name for the token (default token-<timestamp>).")
@click.option("--read-only", is_flag=True, help="Every change made with this token is refused (403).")
@click.option("--expires", default=None, metavar="DURATION", help="Expire after e.g. 30d, 12h, 90m (default: never).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def token_create(state: State, tenant: str, name: str | None, read_only: bool, expires: str | None,
                 as_json: bool) -> None:
    """Create a bearer token for TENANT and print it (this is the only time it is shown)."""
    row = query(state.admin(), "SELECT * FROM tarbox.tenant_token_create(%s, %s, %s, %s)",
                (tenant, name, read_only, parse_duration(expires))).fetchone()
    token_id, tname, token, ro, expires_at = row
    if as_json:
        click.echo(json.dumps({"token_id": token_id, "name": tname, "token": token, "read_only": ro,
                               "expires_at": expires_at.isoformat() if expires_at else None}))
        return
    click.echo(token)
    click.echo(f"token {tname} (id {token_id}) of tenant {tenant}"
               f"{', read-only' if ro else ''}{', expires ' + expires_at.isoformat() if expires_at else ''};"
               " only its hash is stored: keep it now", err=True)


@token_group.command("list")
@click.argument("tenant", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def token_list(state: State, tenant: str | None, as_json: bool) -> None:
    """List the tokens of TENANT (default: of every tenant); never their text."""
    cur = query(state.admin(), "SELECT * FROM tarbox.tenant_token_list(%s)", (tenant,))
    names = [d.name for d in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    for r in rows:
        for k, v in r.items():
            if isinstance(v, dt.datetime):
                r[k] = v.isoformat(timespec="seconds")
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    cols = ["tenant", "token_id", "name", "state", "read_only", "created_at", "expires_at"]
    table = [cols] + [[str(r[c]) if r[c] is not None else "-" for c in cols] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(cols))]
    for row in table:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


@token_group.command("revoke")
@click.argument("tenant")
@click.argument("token", metavar="NAME_OR_ID")
@pass_state
def token_revoke(state: State, tenant: str, token: str) -> None:
    """Revoke TENANT's token NAME_OR_ID: from the next request on it is refused (401)."""
    rows = query(state.admin(), "SELECT * FROM tarbox.tenant_token_revoke(%s, %s)", (tenant, token)).fetchall()
    if not rows:
        raise TarboxError(f"tenant {tenant} has no token {token}", errno.ENOENT)
    for token_id, name in rows:
        click.echo(f"revoked token {name} (id {token_id}) of tenant {tenant}")
