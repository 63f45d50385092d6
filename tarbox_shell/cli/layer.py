"""``tarbox layer ...``: the tenant's linear history from the command line (checkpoint, list,
current, switch, drop, tag, tree, diff, log), each command one call of the SQL layer API
(``tarbox.layer_*``, ``tarbox.diff``, ``tarbox.diff_text``, ``tarbox.history``)."""

from __future__ import annotations

import json
from typing import Any

import click

from .context import State, pass_state, query


def _rows(conn, sql_text: str, params: tuple = ()) -> tuple[list[str], list[tuple]]:
    """Run one API call; return (column names, rows). Raises TarboxError (one line)."""
    cur = query(conn, sql_text, params)
    names = [d.name for d in cur.description] if cur.description else []
    return names, cur.fetchall()


def _emit(names: list[str], rows: list[tuple], as_json: bool, fmt=None) -> None:
    """Print rows as JSON objects or through ``fmt(row) -> str``."""
    if as_json:
        click.echo(json.dumps([dict(zip(names, r)) for r in rows], default=str, indent=2))
        return
    for r in rows:
        click.echo(fmt(r) if fmt else "\t".join("" if v is None else str(v) for v in r))


def _layer_line(r: tuple) -> str:
    layer_id, name, description, created_at, is_current, is_head, tags = r
    marks = (" *current*" if is_current else "") + ("" if is_head else " (read-only)")
    tag_text = f" [{', '.join(tags)}]" if tags else ""
    desc = f"  {description}" if description else ""
    return f"{layer_id:>4}  {name}{tag_text}{marks}  {created_at:%Y-%m-%d %H:%M:%S}{desc}"


@click.group("layer")
def layer_group() -> None:
    """Layers: the tenant's linear history (Docker-like). A layer holds the changes made while it
    was current; `new` freezes the current layer and opens a writable one on top."""


@layer_group.command("new")
@click.argument("tenant")
@click.argument("name")
@click.option("-m", "--message", "description", default=None, help="Description of the layer.")
@click.option("--yes", "confirm", is_flag=True,
              help="When the current layer is historical: delete the later layers.")
@pass_state
def layer_new(state: State, tenant: str, name: str, description: str | None, confirm: bool) -> None:
    """Checkpoint TENANT: freeze the current layer, open layer NAME on top of it."""
    _, rows = _rows(state.tenant(tenant), "SELECT * FROM tarbox.layer_new(%s, %s, %s)",
                    (name, description, confirm))
    layer_id, lname, discarded = rows[0]
    extra = f" (deleted {discarded} later layer(s))" if discarded else ""
    click.echo(f"layer {layer_id} {lname} is current{extra}")


@layer_group.command("list")
@click.argument("tenant")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def layer_list(state: State, tenant: str, as_json: bool) -> None:
    """List TENANT's layers, oldest first."""
    names, rows = _rows(state.tenant(tenant), "SELECT * FROM tarbox.layer_list()")
    _emit(names, rows, as_json, _layer_line)


@layer_group.command("current")
@click.argument("tenant")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def layer_current(state: State, tenant: str, as_json: bool) -> None:
    """Show TENANT's current layer."""
    names, rows = _rows(state.tenant(tenant), "SELECT * FROM tarbox.layer_current()")
    _emit(names, rows, as_json, _layer_line)


@layer_group.command("switch")
@click.argument("tenant")
@click.argument("layer")
@pass_state
def layer_switch(state: State, tenant: str, layer: str) -> None:
    """Make LAYER (name, tag, id, 'head') TENANT's current layer; later layers are kept."""
    _, rows = _rows(state.tenant(tenant), "SELECT * FROM tarbox.layer_switch(%s)", (layer,))
    layer_id, name, read_only = rows[0]
    click.echo(f"layer {layer_id} {name} is current" + (" (read-only: historical)" if read_only else ""))


@layer_group.command("drop")
@click.argument("tenant")
@click.argument("layer")
@click.option("--yes", "confirm", is_flag=True, help="Confirm dropping the current layer ('current').")
@pass_state
def layer_drop(state: State, tenant: str, layer: str, confirm: bool) -> None:
    """Drop LAYER of TENANT (a middle layer merges into the next; the current one only as
    'current' with --yes)."""
    _, rows = _rows(state.tenant(tenant), "SELECT * FROM tarbox.layer_drop(%s, %s)", (layer, confirm))
    click.echo(f"dropped layer {rows[0][0]} {rows[0][1]}")


@layer_group.command("tag")
@click.argument("tenant")
@click.argument("layer")
@click.argument("tag")
@pass_state
def layer_tag(state: State, tenant: str, layer: str, tag: str) -> None:
    """Give LAYER of TENANT the extra name TAG."""
    query(state.tenant(tenant), "SELECT tarbox.layer_tag(%s, %s)", (layer, tag))
    click.echo(f"tagged {layer} as {tag}")


@layer_group.command("tree")
@click.argument("tenant")
@pass_state
def layer_tree(state: State, tenant: str) -> None:
    """Draw TENANT's history as a chain, newest on top, with the changes of each layer."""
    conn = state.tenant(tenant)
    _, rows = _rows(conn, "SELECT * FROM tarbox.layer_list()")
    lines = []
    previous = None
    for r in rows:
        counts = ""
        if previous is not None:
            _, changes = _rows(conn, "SELECT change, count(*) FROM tarbox.diff(%s, %s) GROUP BY change ORDER BY change",
                               (str(previous), str(r[0])))
            counts = "  " + " ".join(f"{c}{n}" for c, n in changes) if changes else "  (no changes)"
        lines.append(("*" if r[4] else "o") + " " + _layer_line(r) + counts)
        previous = r[0]
    for i, line in enumerate(reversed(lines)):
        click.echo(line)
        if i < len(lines) - 1:
            click.echo("|")


@layer_group.command("diff")
@click.argument("tenant")
@click.argument("from_layer", metavar="LAYER_OR_FROM")
@click.argument("to_layer", metavar="[TO]", required=False, default=None)
@click.option("--path", default="/", help="Only changes under this absolute path.")
@click.option("--text", is_flag=True, help="Print unified diffs of modified text files.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def layer_diff(state: State, tenant: str, from_layer: str, to_layer: str | None, path: str, text: bool,
               as_json: bool) -> None:
    """What changed in TENANT: with one layer, the changes made in it (from the layer below);
    with two, from layer FROM to layer TO (either order; names, tags, ids, 'current')."""
    conn = state.tenant(tenant)
    if to_layer is None:
        _, info = _rows(conn, "SELECT layer_id FROM tarbox.layer_info(%s)", (from_layer,))
        _, below = _rows(conn, "SELECT max(layer_id) FROM tarbox.layer_list() WHERE layer_id < %s", (info[0][0],))
        to_layer = str(info[0][0])
        from_layer = str(below[0][0] if below[0][0] is not None else info[0][0])
    names, rows = _rows(conn, "SELECT * FROM tarbox.diff(%s, %s, %s)", (from_layer, to_layer, path))
    if as_json:
        _emit(names, rows, True)
        return
    for p, change, kind, _before, _after, delta, added, deleted in rows:
        lines = f"  +{added} -{deleted}" if added is not None else ""
        click.echo(f"{change} {p}{'/' if kind == 'dir' else ''}  {delta:+d} bytes{lines}")
        if text and kind == "file" and added is not None and (added or deleted):
            _, d = _rows(conn, "SELECT tarbox.diff_text(%s, %s, %s)", (p, from_layer, to_layer))
            click.echo(d[0][0], nl=False)


@layer_group.command("log")
@click.argument("tenant")
@click.argument("path")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def layer_log(state: State, tenant: str, path: str, as_json: bool) -> None:
    """History of PATH in TENANT: the layers where it was added, modified or deleted."""
    names, rows = _rows(state.tenant(tenant), "SELECT * FROM tarbox.history(%s)", (path,))

    def fmt(r: Any) -> str:
        layer_id, name, change, kind, size, mtime, ino = r
        where = f"{size} bytes, mtime {mtime:%Y-%m-%d %H:%M:%S}" if size is not None else "-"
        return f"{layer_id:>4}  {name}  {change}  {kind}  {where}"

    _emit(names, rows, as_json, fmt)
