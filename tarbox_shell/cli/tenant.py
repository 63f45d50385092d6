"""``tarbox tenant ...``: create, list, inspect, delete and rename tenants, set their quotas
and text thresholds (admin), each one call of the SQL tenant API (``tarbox.tenant_*``).

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
    """Create, list, inspect, rename and delete tenants; quotas (admin)."""


_UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4, "P": 1024 ** 5}
_COUNT_UNITS = {"": 1, "K": 1000, "M": 1000 ** 2, "G": 1000 ** 3}


def parse_amount(text: str | None, units: dict[str, int], what: str) -> int | None:
    """``"10G"`` -> 10 * 2**30 (bytes, with binary units) or ``"1M"`` -> 1,000,000 (counts,
    with decimal units); ``"0"`` or ``"none"`` -> 0 (no limit); None -> None (unchanged).
    Raises TarboxError(EINVAL) for anything else."""
    if text is None:
        return None
    t = text.strip().upper().removesuffix("IB").removesuffix("B") if units is _UNITS else text.strip().upper()
    if t in ("NONE", "UNLIMITED"):
        return 0
    num, unit = t, ""
    if t and t[-1] in units and t[-1].isalpha():
        num, unit = t[:-1], t[-1]
    try:
        value = float(num) * units[unit]
    except (ValueError, KeyError):
        raise TarboxError(f"invalid {what} {text!r}: use a number with an optional unit "
                          f"({', '.join(u for u in units if u)}), or 0/none for no limit", errno.EINVAL) from None
    if value < 0 or value != value:
        raise TarboxError(f"invalid {what} {text!r}", errno.EINVAL)
    return int(value)


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
    ucur = state.admin().cursor(row_factory=psycopg.rows.dict_row)
    try:
        usage = ucur.execute("SELECT * FROM tarbox.tenant_usage(%s)", (name,)).fetchone() or {}
    except psycopg.Error as exc:
        raise translate(exc) from exc
    d.update({k: (float(v) if k == "dedup_ratio" and v is not None else v)
              for k, v in usage.items() if k != "tenant"})
    if as_json:
        click.echo(json.dumps(d, indent=2, default=str))
        return
    for k, v in d.items():
        click.echo(f"{k}: {'' if v is None else v}")


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


@tenant_group.command("quota")
@click.argument("name")
@click.option("--bytes", "bytes_", default=None, metavar="SIZE",
              help="Content bytes stored (after deduplication, every layer), e.g. 10G; 0 = none.")
@click.option("--inodes", default=None, metavar="N", help="Live inodes, e.g. 1M (= 1,000,000); 0 = none.")
@click.option("--layers", default=None, metavar="N", help="Layers, e.g. 500; 0 = none.")
@pass_state
def tenant_quota(state: State, name: str, bytes_: str | None, inodes: str | None, layers: str | None) -> None:
    """Set (or with no option show) tenant NAME's quotas. Over a quota an operation fails with
    EDQUOT ("Disk quota exceeded") and changes nothing; df on the mount shows the byte quota as
    the size."""
    row = query(state.admin(), "SELECT * FROM tarbox.tenant_quota(%s, %s, %s, %s)",
                (name, parse_amount(bytes_, _UNITS, "byte quota"),
                 parse_amount(inodes, _COUNT_UNITS, "inode quota"),
                 parse_amount(layers, _COUNT_UNITS, "layer quota"))).fetchone()
    shown = ["none" if v is None else f"{v:,}" for v in row[1:]]
    click.echo(f"tenant {row[0]}: bytes {shown[0]}, inodes {shown[1]}, layers {shown[2]}")


@tenant_group.command("text-limits")
@click.argument("name")
@click.option("--bytes", "bytes_", default=None, metavar="SIZE", help="Largest text file stored as chunks (default 10M).")
@click.option("--lines", default=None, metavar="N", help="Most lines of a text file stored as chunks (default 100000).")
@pass_state
def tenant_text_limits(state: State, name: str, bytes_: str | None, lines: str | None) -> None:
    """Set (or show) the thresholds under which tenant NAME's text files are stored as line
    chunks shared between versions and files; larger ones are stored as binary blocks."""
    row = query(state.admin(), "SELECT * FROM tarbox.tenant_text_limits(%s, %s, %s)",
                (name, parse_amount(bytes_, _UNITS, "size"), parse_amount(lines, _COUNT_UNITS, "line count"))).fetchone()
    click.echo(f"tenant {row[0]}: text files up to {row[1]:,} bytes and {row[2]:,} lines")
