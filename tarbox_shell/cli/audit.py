"""``tarbox audit ...``: read a tenant's audit log (``tarbox audit TENANT [filters]
[--follow]``), set its level and retention, and run the administrator's maintenance and
verification. Each command is one call of the SQL audit API (``tarbox.audit_search``,
``tarbox.audit_set_level``, ``tarbox.audit_set_retention``, ``tarbox.audit_configure``,
``tarbox.audit_maintain``, ``tarbox.audit_verify``); ``--follow`` repeats the search when the
tenant's change notifications arrive.

Imports: :mod:`tarbox_shell.audit`, :mod:`tarbox_shell.errors` and the CLI's context.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import time

import click
from psycopg import sql

from ..audit import SEARCH_SQL, Filter, format_record, parse_when, record_json, search_params
from ..errors import TarboxError
from .context import State, pass_state, query

#: --follow: how far back each search reaches (a record's time is when its call started; one
#: committed later than this after it started is missed), and how long it waits at most for
#: a notification before searching anyway (reads and failures send none).
FOLLOW_WINDOW = dt.timedelta(seconds=10)
FOLLOW_WAKE = 2.0


class AuditGroup(click.Group):
    """``tarbox audit TENANT ...`` lists records; ``tarbox audit <subcommand> ...`` does the
    rest (a tenant named like a subcommand is listed with ``tarbox audit show NAME``)."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """Dispatch to ``show`` when the first argument is not a subcommand."""
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "show", self.commands["show"], args
        return super().resolve_command(ctx, args)


@click.group("audit", cls=AuditGroup)
def audit_group() -> None:
    """The audit log: `tarbox audit TENANT [--since 1h] [--path /src] [--op write] [--failed]
    [--json] [--follow]` lists TENANT's records; the subcommands set levels and retention and
    maintain and verify the log (administrators)."""


def _when(value: str | None) -> dt.datetime | None:
    return parse_when(value) if value else None


def _print(rows: list, as_json: bool) -> None:
    for r in rows:
        click.echo(json.dumps(record_json(r), default=str, sort_keys=True) if as_json else format_record(r))


@audit_group.command("show")
@click.argument("tenant")
@click.option("--since", default=None, help="From this time: ISO 8601 (UTC unless given) or an age: 30s, 10m, 2h, 3d.")
@click.option("--until", default=None, help="Up to this time (exclusive), same forms.")
@click.option("--path", "path", default=None, metavar="PREFIX", help="Only records on PREFIX or below it.")
@click.option("--op", "ops", multiple=True, metavar="OP",
              help="Only these operations (repeat, or comma-separated: write,unlink).")
@click.option("--failed", is_flag=True, help="Only failed operations.")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 100000),
              help="At most this many records (the newest; with --since, the oldest from then).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new records as they come (Ctrl-C ends).")
@pass_state
def audit_show(state: State, tenant: str, since: str | None, until: str | None, path: str | None,
               ops: tuple[str, ...], failed: bool, limit: int, as_json: bool, follow: bool) -> None:
    """List TENANT's audit records, oldest first."""
    f = Filter(since=_when(since), until=_when(until), path=path,
               ops=[o for v in ops for o in v.split(",") if o], failed=failed, limit=limit,
               newest=since is None)
    conn = state.tenant(tenant)
    rows = query(conn, SEARCH_SQL, search_params(f)).fetchall()
    _print(rows, as_json)
    if follow:
        if until is not None:
            raise click.UsageError("--follow and --until do not go together")
        _follow(state, tenant, f, rows, as_json)


def _follow(state: State, tenant: str, f: Filter, rows: list, as_json: bool) -> None:
    """Print the records that appear after ``rows``: search again whenever a notification of
    the tenant arrives on its channel (LISTEN, no polling while it is busy), and at least every
    FOLLOW_WAKE seconds for records that come with no notification (reads, failures)."""
    listen = state.tenant(tenant)  # a connection of its own would do; this one is idle between searches
    channel = query(listen, "SELECT notify_channel FROM tarbox.tenant").fetchone()[0]
    listen.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
    seen = {(r[2], r[3]) for r in rows}  # (at_ns, seq)
    last = max((r[1] for r in rows), default=dt.datetime.now(dt.timezone.utc) - FOLLOW_WINDOW)
    try:
        while True:
            for _ in listen.notifies(timeout=FOLLOW_WAKE, stop_after=1):
                pass
            for _ in listen.notifies(timeout=0.05):  # and whatever came with it
                pass
            f.since, f.newest = last - FOLLOW_WINDOW, False
            fresh = [r for r in query(listen, SEARCH_SQL, search_params(f)).fetchall()
                     if (r[2], r[3]) not in seen]
            _print(fresh, as_json)
            for r in fresh:
                seen.add((r[2], r[3]))
                last = max(last, r[1])
            horizon = int((last - FOLLOW_WINDOW).timestamp() * 1e9)
            seen = {k for k in seen if k[0] >= horizon}
    except KeyboardInterrupt:
        return


_LEVELS = click.Choice(["none", "basic", "standard", "full", "default"], case_sensitive=False)


@audit_group.command("level")
@click.argument("tenant")
@click.argument("level", required=False, type=_LEVELS)
@click.option("--path", "paths", multiple=True, nargs=2, metavar="PREFIX LEVEL",
              help="Audit the paths under PREFIX at LEVEL (repeatable; LEVEL default removes it).")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@pass_state
def audit_level(state: State, tenant: str, level: str | None, paths: tuple, as_json: bool) -> None:
    """Set TENANT's audit level (none, basic, standard, full; default = the installation's) and
    path overrides, e.g. `tarbox audit level TENANT standard --path /secrets full`; without
    arguments show them. basic: namespace changes and layer operations; standard: and writes
    and attribute changes; full: and reads (one record per open file), lookups, listings."""
    conn = state.admin()
    for prefix, plevel in paths:
        if plevel.lower() not in _LEVELS.choices:
            raise click.BadParameter(f"{plevel!r} is not one of {', '.join(_LEVELS.choices)}",
                                     param_hint="--path")
    if level is not None:
        query(conn, "SELECT tarbox.audit_set_level(%s, %s)", (tenant, level))
    for prefix, plevel in paths:
        query(conn, "SELECT tarbox.audit_set_level(%s, %s, %s)", (tenant, plevel, prefix))
    row = query(conn, "SELECT level, max_level, retention_days, paths FROM tarbox.audit_settings(%s)",
                (tenant,)).fetchone()
    settings = {"tenant": tenant, "level": row[0], "max_level": row[1], "retention_days": row[2],
                "paths": row[3]}
    if as_json:
        click.echo(json.dumps(settings, indent=2))
        return
    over = "".join(f"\n  {p}: {lv}" for p, lv in sorted(row[3].items()))
    click.echo(f"{tenant}: level {row[0]}, retention {row[2]} days" + (f", paths:{over}" if over else ""))


@audit_group.command("retention")
@click.argument("tenant")
@click.argument("days")
@pass_state
def audit_retention(state: State, tenant: str, days: str) -> None:
    """Keep TENANT's records at least DAYS days (or `default`, the installation's)."""
    value = None if days == "default" else _days(days)
    query(state.admin(), "SELECT tarbox.audit_set_retention(%s, %s)", (tenant, value))
    click.echo(f"{tenant}: records kept {'the default time' if value is None else f'{value} days'}")


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a number of days or 'default'") from None
    if not 1 <= value <= 36500:
        raise click.BadParameter("1 to 36500 days")
    return value


@audit_group.command("config")
@click.option("--period", type=click.Choice(["month", "day"]), default=None,
              help="Partition period of the log from the next partition on (UTC).")
@click.option("--premake", type=click.IntRange(1, 366), default=None, help="Partitions made ahead.")
@click.option("--retention", type=click.IntRange(1, 36500), default=None,
              help="Default retention in days.")
@click.option("--default-level", type=click.Choice(["none", "basic", "standard", "full"]), default=None,
              help="Level of tenants without their own.")
@click.option("--expired", type=click.Choice(["drop", "detach"]), default=None,
              help="What happens to an expired partition.")
@pass_state
def audit_config(state: State, period, premake, retention, default_level, expired) -> None:
    """Show or change the installation's audit settings (administrators)."""
    row = query(state.admin(), "SELECT * FROM tarbox.audit_configure(%s, %s, %s, %s, %s)",
                (period, premake, retention, default_level, expired)).fetchone()
    click.echo(f"period {row[0]}, {row[1]} ahead, retention {row[2]} days, default level {row[3]}, "
               f"expired partitions: {row[4]}, at most {row[5]} records per seal")


@audit_group.command("maintain")
@click.option("--now", "now", default=None, help="Act as of this time (tests; ISO 8601).")
@pass_state
def audit_maintain(state: State, now: str | None) -> None:
    """Seal closed records, apply retention, make the coming partitions (schedule
    `SELECT tarbox.audit_maintain()` with pg_cron to do it unattended)."""
    rows = query(state.admin(), "SELECT action, object, detail FROM tarbox.audit_maintain(%s)",
                 (_when(now),)).fetchall()
    for action, obj, detail in rows:
        click.echo(f"{action:<9} {obj}" + (f"  {detail}" if detail else ""))
    if not rows:
        click.echo("nothing to do")


@audit_group.command("verify")
@click.argument("tenant", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_state
def audit_verify(state: State, tenant: str | None, as_json: bool) -> None:
    """Recompute the hash chains of TENANT's (default: every tenant's) sealed records; report
    every record changed, removed or inserted in a sealed range and every seal missing or
    altered. Exits 1 when anything is wrong."""
    t0 = time.monotonic()
    rows = query(state.admin(), "SELECT * FROM tarbox.audit_verify(%s)", (tenant,)).fetchall()
    bad = 0
    for tid, name, seal_no, problem, seq, at, detail in rows:
        who = name or f"(deleted tenant {tid})"
        if problem != "verified":
            bad += 1
        if as_json:
            click.echo(json.dumps({"tenant": who, "tenant_id": tid, "seal": seal_no, "problem": problem,
                                   "seq": seq, "at": at.isoformat() if at else None, "detail": detail}))
        elif problem == "verified":
            click.echo(f"{who}: {detail}")
        else:
            where = f" record {seq}" + (f" at {at:%Y-%m-%dT%H:%M:%S.%fZ}" if at else "") if seq else ""
            click.echo(f"{who}: seal {seal_no}: {problem}{where}: {detail}")
    if not as_json:
        click.echo(f"verified in {time.monotonic() - t0:.2f}s: "
                   + ("no problem" if bad == 0 else f"{bad} problem(s)"))
    if bad:
        raise TarboxError(f"audit verify found {bad} problem(s)", errno.EIO)


COMMANDS = [audit_group]
