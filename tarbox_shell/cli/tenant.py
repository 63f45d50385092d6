"""``tarbox tenant ...``: create, list, inspect, delete and rename tenants (admin), each one
call of the SQL tenant API (``tarbox.tenant_*``).

Imports: :mod:`tarbox_shell.errors` and the CLI's context.
"""

from __future__ import annotations

import datetime as dt
import errno
import json

import click
import psycopg

from ..errors import TarboxError, translate
from .context import State, pass_state, query


@click.group("tenant")
def tenant_group() -> None:
    """Create, list, inspect, rename and delete tenants (admin)."""


def _tenant_row(row) -> dict:
    d = dict(row._asdict()) if hasattr(row, "_asdict") else dict(row)
    for k, v in list(d.items()):
        if isinstance(v, dt.datetime):
            d[k] = v.isoformat()
    return d


@tenant_group.command("create")
@click.argument("name")
@click.option("--password", default=None, help="Let the tenant log in as its role with this password.")
@click.option("--uid", default=0, type=click.IntRange(0, 4294967294), help="Default owner uid of new files.")
@click.option("--gid", default=0, type=click.IntRange(0, 4294967294), help="Default owner gid of new files.")
@pass_state
def tenant_create(state: State, name: str, password: str | None, uid: int, gid: int) -> None:
    """Create tenant NAME; prints its id and role."""
    row = query(state.admin(), "SELECT * FROM tarbox.tenant_create(%s, %s, %s, %s)",
             (name, password, uid, gid)).fetchone()
    click.echo(f"created tenant {row[1]} (id {row[0]}, role {row[2]})")


@tenant_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def tenant_list(state: State, as_json: bool) -> None:
    """List tenants with their usage."""
    cur = state.admin().cursor(row_factory=psycopg.rows.dict_row)
    try:
        rows = [_tenant_row(r) for r in cur.execute("SELECT * FROM tarbox.tenant_list() ORDER BY name")]
    except psycopg.Error as exc:
        raise translate(exc) from exc
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    cols = ["name", "tenant_id", "role_name", "inodes", "bytes", "layers", "created_at"]
    table = [cols] + [[str(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(cols))]
    for line in table:
        click.echo("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())


@tenant_group.command("info")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def tenant_info(state: State, name: str, as_json: bool) -> None:
    """Show one tenant."""
    cur = state.admin().cursor(row_factory=psycopg.rows.dict_row)
    try:
        row = cur.execute("SELECT * FROM tarbox.tenant_info(%s)", (name,)).fetchone()
    except psycopg.Error as exc:
        err = translate(exc)
        if err.errno == errno.ENOENT:
            raise TarboxError(f"unknown tenant {name}", errno.ENOENT) from exc
        raise err from exc
    if row is None:
        raise TarboxError(f"unknown tenant {name}", errno.ENOENT)
    d = _tenant_row(row)
    if as_json:
        click.echo(json.dumps(d, indent=2))
        return
    for k, v in d.items():
        click.echo(f"{k}: {v}")


@tenant_group.command("delete")
@click.argument("name")
@pass_state
def tenant_delete(state: State, name: str) -> None:
    """Delete tenant NAME with all its files and its role."""
    try:
        query(state.admin(), "SELECT tarbox.tenant_delete(%s)", (name,))
    except TarboxError as exc:
        if exc.errno == errno.ENOENT:
            raise TarboxError(f"unknown tenant {name}", errno.ENOENT) from exc
        raise
    click.echo(f"deleted tenant {name}")


@tenant_group.command("rename")
@click.argument("old")
@click.argument("new")
@pass_state
def tenant_rename(state: State, old: str, new: str) -> None:
    """Rename tenant OLD to NEW."""
    query(state.admin(), "SELECT tarbox.tenant_rename(%s, %s)", (old, new))
    click.echo(f"renamed tenant {old} to {new}")
