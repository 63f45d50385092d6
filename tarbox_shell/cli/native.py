"""``tarbox native ...``: native mount definitions (host directories passed through inside
tenants' trees), each command one call of the SQL native mount API (``tarbox.native_*``), and
the reader of ``[[native_mount]]`` TOML files shared with ``tarbox mount --config`` and the
mount helper.

Imports: :mod:`tarbox_shell.errors` and the CLI's context.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import tomllib
from typing import Any

import click
import psycopg
from psycopg.types.json import Jsonb

from ..errors import TarboxError, translate
from .context import State, pass_state, query

#: Top-level keys a configuration file may hold (composition will add its own table).
CONFIG_KEYS = ("native_mount",)


def read_config(path: str) -> list[dict[str, Any]]:
    """The ``[[native_mount]]`` tables of TOML file ``path`` (list of dicts, file order),
    read with :mod:`tomllib`; their keys are checked by the SQL (``tarbox._native_parse``).

    Raises :class:`TarboxError`: ENOENT/EACCES when the file cannot be read, EINVAL when it is
    not TOML, has a top-level key other than ``native_mount``, ``native_mount`` is not an
    array of tables, or a value is of a type JSON cannot carry (dates, times).
    """
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        raise TarboxError(f"cannot read {path}: {exc.strerror}", exc.errno or errno.EIO) from None
    except tomllib.TOMLDecodeError as exc:
        raise TarboxError(f"{path} is not valid TOML: {exc}", errno.EINVAL) from None
    unknown = sorted(set(doc) - set(CONFIG_KEYS))
    if unknown:
        raise TarboxError(f"{path}: unknown table or key {unknown[0]!r} (known: "
                          f"{', '.join('[[' + k + ']]' for k in CONFIG_KEYS)})", errno.EINVAL)
    defs = doc.get("native_mount", [])
    if not isinstance(defs, list) or not all(isinstance(d, dict) for d in defs):
        raise TarboxError(f"{path}: native_mount must be an array of tables ([[native_mount]])",
                          errno.EINVAL)
    for i, d in enumerate(defs, start=1):
        for key, value in d.items():
            if isinstance(value, (dt.date, dt.time, dt.datetime, list, dict)):
                raise TarboxError(f"{path}: native mount #{i}: {key} has a value of type "
                                  f"{type(value).__name__}", errno.EINVAL)
    return defs


@click.group("native")
def native_group() -> None:
    """Native mounts: host directories shown inside tenants' trees (admin).

    A definition shows host directory SOURCE (variables {tenant_id} {tenant} {mount_id}
    {user}) at PATH of one tenant's tree (--tenant) or of every tenant's (shared), read-only
    or read-write. Mounts started afterwards pass everything below PATH to the host.
    """


@native_group.command("add")
@click.argument("mount_path", metavar="PATH")
@click.argument("source_path", metavar="SOURCE")
@click.option("--mode", type=click.Choice(["ro", "rw"]), default="ro", show_default=True,
              help="Read-only (changes fail with EROFS) or read-write.")
@click.option("--tenant", default=None, metavar="NAME", help="Only this tenant's tree (default: shared by all).")
@click.option("--priority", type=int, default=100, show_default=True,
              help="Among definitions of the same PATH, the lower value wins.")
@click.option("--disabled", is_flag=True, help="Define it disabled (tarbox native enable ID later).")
@click.option("--allow-setuid", is_flag=True, help="Allow set-user/group-ID bits and file capabilities.")
@click.option("--allow-devices", is_flag=True, help="Allow making device nodes.")
@pass_state
def native_add(state: State, mount_path: str, source_path: str, mode: str, tenant: str | None,
               priority: int, disabled: bool, allow_setuid: bool, allow_devices: bool) -> None:
    """Define a native mount of SOURCE at PATH; prints its id."""
    row = query(state.admin(), "SELECT tarbox.native_add(%s, %s, %s, %s, %s, %s, %s, %s)",
                (mount_path, source_path, mode, tenant, priority, not disabled, allow_setuid,
                 allow_devices)).fetchone()
    click.echo(f"native mount {row[0]}: {source_path} at {mount_path} ({mode}, "
               f"{'tenant ' + tenant if tenant else 'shared'}, priority {priority}"
               f"{', disabled' if disabled else ''})")


def _print_table(rows: list[dict], cols: list[str]) -> None:
    table = [cols] + [["-" if r.get(c) is None else str(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(cols))]
    for line in table:
        click.echo("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())


@native_group.command("list")
@click.option("--tenant", default=None, metavar="NAME",
              help="Show the mounts effective for this tenant (as tarbox.native_list() shows them to it).")
@click.option("--user", default=None, help="With --tenant: expand {user} as this user.")
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
              help="With --tenant: include the [[native_mount]] tables of this TOML file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def native_list(state: State, tenant: str | None, user: str | None, config: str | None,
                as_json: bool) -> None:
    """List every definition, or the mounts effective for one tenant."""
    if tenant is None and (user or config):
        raise click.UsageError("--user and --config need --tenant")
    if tenant is None:
        conn = state.admin()
        sql_text = "SELECT * FROM tarbox.native_definitions()"
        params: tuple = ()
        cols = ["mount_id", "tenant", "mount_path", "source_path", "mode", "priority", "enabled"]
    else:
        conn = state.tenant(tenant)
        sql_text = "SELECT * FROM tarbox.native_list(%s, %s)"
        params = (Jsonb(read_config(config)) if config else None, user)
        cols = ["mount_path", "source_path", "mode", "shared", "priority", "origin", "mount_id"]
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    try:
        rows = [dict(r) for r in cur.execute(sql_text, params)]
    except psycopg.Error as exc:
        raise translate(exc) from exc
    for r in rows:
        if tenant is None and r.get("tenant") is None:
            r["tenant"] = "(shared)"
        for k, v in list(r.items()):
            if isinstance(v, dt.datetime):
                r[k] = v.isoformat()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    _print_table(rows, cols)


@native_group.command("rm")
@click.argument("mount_id", type=int, metavar="ID")
@pass_state
def native_rm(state: State, mount_id: int) -> None:
    """Delete definition ID (running mounts keep what they loaded)."""
    query(state.admin(), "SELECT tarbox.native_rm(%s)", (mount_id,))
    click.echo(f"removed native mount {mount_id}")


@native_group.command("enable")
@click.argument("mount_id", type=int, metavar="ID")
@pass_state
def native_enable(state: State, mount_id: int) -> None:
    """Enable definition ID."""
    query(state.admin(), "SELECT tarbox.native_enable(%s, true)", (mount_id,))
    click.echo(f"enabled native mount {mount_id}")


@native_group.command("disable")
@click.argument("mount_id", type=int, metavar="ID")
@pass_state
def native_disable(state: State, mount_id: int) -> None:
    """Disable definition ID (it matches nothing until enabled)."""
    query(state.admin(), "SELECT tarbox.native_enable(%s, false)", (mount_id,))
    click.echo(f"disabled native mount {mount_id}")


@native_group.command("load")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_state
def native_load(state: State, file: str) -> None:
    """Load the [[native_mount]] tables of TOML FILE into the definitions.

    All or nothing; each table is added, or updates the definition of the same tenant (or
    shared), mount_path and priority.
    """
    defs = read_config(file)
    if not defs:
        raise TarboxError(f"{file} has no [[native_mount]] table", errno.EINVAL)
    rows = query(state.admin(), "SELECT ord, mount_id, action FROM tarbox.native_load(%s)",
                 (Jsonb(defs),)).fetchall()
    for ord_, mount_id, action in rows:
        d = defs[ord_ - 1]
        click.echo(f"{action} native mount {mount_id}: {d.get('source_path')} at {d.get('mount_path')}")


COMMANDS = [native_group]
