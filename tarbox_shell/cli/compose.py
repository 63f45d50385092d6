"""``tarbox publish``, ``unpublish``, ``publication ...`` and ``compose ...``: publishing a
tenant's layer to other tenants and composing a publication into a tenant's tree (issue 15
item 4). Each command is one call of the SQL composition API (``sql/functions/87-compose/``);
all but ``compose list --tenant`` are for administrators.

Imports: :mod:`tarbox_shell.errors` and the CLI's context.
"""

from __future__ import annotations

import json

import click
import psycopg

from ..errors import translate
from .context import State, pass_state, query


def _rows(conn: psycopg.Connection, sql_text: str, params: tuple = ()) -> list[dict]:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    try:
        return [dict(r) for r in cur.execute(sql_text, params)]
    except psycopg.Error as exc:
        raise translate(exc) from exc


def _print(rows: list[dict], cols: list[str], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    table = [cols] + [["-" if r.get(c) is None else
                       (",".join(map(str, r[c])) or "-") if isinstance(r.get(c), list) else str(r.get(c))
                       for c in cols] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(cols))]
    for line in table:
        click.echo("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())


@click.command("publish")
@click.argument("tenant")
@click.argument("layer")
@click.argument("name")
@click.option("--to", "to", multiple=True, metavar="TENANT",
              help="Publish to this tenant only (repeatable); without --to the publication is public.")
@pass_state
def publish_command(state: State, tenant: str, layer: str, name: str, to: tuple[str, ...]) -> None:
    """Publish LAYER of TENANT as NAME (admin).

    The tree of TENANT as of LAYER (a name, tag or id; not the newest layer, which is still
    written in place) becomes composable by every tenant, or by the --to tenants only. A
    published layer is frozen: it cannot be dropped while published.
    """
    row = query(state.admin(), "SELECT name, public, granted_to FROM tarbox.publish(%s, %s, %s, %s)",
                (tenant, layer, name, list(to) if to else None)).fetchone()
    who = "every tenant" if row[1] else ("tenants " + ", ".join(row[2]) if row[2] else "nobody yet")
    click.echo(f"published layer {layer} of {tenant} as {row[0]} to {who}")


@click.command("unpublish")
@click.argument("name")
@pass_state
def unpublish_command(state: State, name: str) -> None:
    """Withdraw publication NAME (admin); its grants and compositions go with it."""
    n = query(state.admin(), "SELECT tarbox.unpublish(%s)", (name,)).fetchone()[0]
    click.echo(f"unpublished {name} ({n} composition{'s' if n != 1 else ''} removed)")


@click.group("publication")
def publication_group() -> None:
    """Publications: list them, grant and revoke tenants, make them public or private."""


@publication_group.command("list")
@click.option("--tenant", default=None, metavar="NAME",
              help="What this tenant sees (tarbox.publication_list() as the tenant).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def publication_list(state: State, tenant: str | None, as_json: bool) -> None:
    """List every publication (admin), or those a tenant may compose and its own."""
    if tenant is None:
        rows = _rows(state.admin(), "SELECT * FROM tarbox.publications()")
        cols = ["name", "tenant", "layer_id", "public", "granted_to"]
    else:
        rows = _rows(state.tenant(tenant), "SELECT * FROM tarbox.publication_list()")
        cols = ["name", "publisher_id", "layer_id", "public", "own", "granted_to"]
    _print(rows, cols, as_json)


@publication_group.command("grant")
@click.argument("name")
@click.argument("tenant")
@pass_state
def publication_grant(state: State, name: str, tenant: str) -> None:
    """Let TENANT compose publication NAME (admin)."""
    new = query(state.admin(), "SELECT tarbox.publish_grant(%s, %s)", (name, tenant)).fetchone()[0]
    click.echo(f"granted {name} to {tenant}" + ("" if new else " (already granted)"))


@publication_group.command("revoke")
@click.argument("name")
@click.argument("tenant")
@pass_state
def publication_revoke(state: State, name: str, tenant: str) -> None:
    """Revoke TENANT's grant of NAME (admin): its compositions of NAME answer ENOENT."""
    gone = query(state.admin(), "SELECT tarbox.publish_revoke(%s, %s)", (name, tenant)).fetchone()[0]
    click.echo(f"revoked {name} from {tenant}" + ("" if gone else " (was not granted)"))


@publication_group.command("public")
@click.argument("name")
@click.argument("state_", metavar="on|off", type=click.Choice(["on", "off"]))
@pass_state
def publication_public(state: State, name: str, state_: str) -> None:
    """Make publication NAME public (on) or allow-list only (off) (admin)."""
    query(state.admin(), "SELECT tarbox.publish_set_public(%s, %s)", (name, state_ == "on"))
    click.echo(f"{name} is {'public' if state_ == 'on' else 'private'}")


@click.group("compose")
def compose_group() -> None:
    """Compositions: publications shown read-only at a path of a tenant's tree.

    A mount started afterwards shows the published layer at the path; every change below it
    fails with EROFS, and rename or link across its boundary with EROFS too.
    """


@compose_group.command("add")
@click.argument("tenant")
@click.argument("mount_path", metavar="PATH")
@click.argument("source", metavar="published:NAME")
@click.option("--mode", type=click.Choice(["ro", "cow"]), default="ro", show_default=True,
              help="ro: read-only; cow: copy-on-write, changes are copied up into the tenant's own rows below the mount path.")
@pass_state
def compose_add(state: State, tenant: str, mount_path: str, source: str, mode: str) -> None:
    """Compose publication published:NAME at PATH of TENANT's tree (admin); prints its id."""
    cid = query(state.admin(), "SELECT tarbox.compose_add(%s, %s, %s, %s)",
                (tenant, mount_path, source, mode)).fetchone()[0]
    click.echo(f"composition {cid}: {source} at {tenant}:{mount_path} ({mode})")


@compose_group.command("rm")
@click.argument("tenant")
@click.argument("mount_path", metavar="PATH")
@pass_state
def compose_rm(state: State, tenant: str, mount_path: str) -> None:
    """Remove TENANT's composition at PATH (admin); the mount point directory stays."""
    query(state.admin(), "SELECT tarbox.compose_rm(%s, %s)", (tenant, mount_path))
    click.echo(f"removed the composition at {tenant}:{mount_path}")


@compose_group.command("list")
@click.option("--tenant", default=None, metavar="NAME", help="Only this tenant's (as the tenant sees them).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def compose_list(state: State, tenant: str | None, as_json: bool) -> None:
    """List every composition (admin), or one tenant's."""
    if tenant is None:
        rows = _rows(state.admin(), "SELECT * FROM tarbox.compose_definitions()")
        cols = ["tenant", "compose_id", "mount_path", "source", "publisher", "mode", "available"]
    else:
        rows = _rows(state.tenant(tenant), "SELECT * FROM tarbox.compose_list()")
        cols = ["compose_id", "mount_path", "source", "mode", "available"]
    _print(rows, cols, as_json)


COMMANDS = [publish_command, unpublish_command, publication_group, compose_group]
