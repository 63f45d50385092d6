"""``tarbox db ...`` (the embedded cluster: start, stop, status, psql, admin-psql, extension) and
``tarbox init`` (install or upgrade the schema).

Imports: :mod:`tarbox_shell.db` and :mod:`tarbox_shell.errors`, and the CLI's context.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sys

import click
import psycopg
from psycopg import sql

from .. import db
from ..db import cluster, migrate
from ..errors import TarboxError
from .context import State, pass_state, query


@click.group("db")
def db_group() -> None:
    """Manage the embedded PostgreSQL cluster ($TARBOX_HOME)."""


def _explicit(state: State) -> str | None:
    return db.explicit_dsn(state.dsn)


@db_group.command("start")
@pass_state
def db_start(state: State) -> None:
    """Start the embedded cluster (initdb on first use); harmless if running."""
    if _explicit(state):
        conn = db.connect(state.dsn)
        conn.close()
        click.echo("using the server of TARBOX_DSN/--dsn; not starting an embedded one")
        return
    started = cluster.start()
    cluster.ensure_database("tarbox")
    home = cluster.tarbox_home()
    if started:
        click.echo(f"database started ({home})")
    else:
        click.echo(f"database already running ({home})")


@db_group.command("stop")
@pass_state
def db_stop(state: State) -> None:
    """Stop the embedded cluster (fast shutdown)."""
    if _explicit(state):
        raise TarboxError("TARBOX_DSN/--dsn is set: tarbox does not stop servers it did not start",
                          errno.EPERM)
    if cluster.stop():
        click.echo("database stopped")
    else:
        click.echo("database is not running")


@db_group.command("status")
@pass_state
@click.pass_context
def db_status(ctx: click.Context, state: State) -> None:
    """Exit 0 if the database is running, 3 if it is not."""
    if _explicit(state):
        try:
            db.connect(state.dsn).close()
        except TarboxError as exc:
            click.echo(f"database is not reachable: {exc.message}")
            ctx.exit(3)
        click.echo("database is reachable (TARBOX_DSN/--dsn)")
        return
    home = cluster.tarbox_home()
    if cluster.status() == 0:
        click.echo(f"database is running ({home}); dsn: {cluster.dsn()}")
    else:
        click.echo(f"database is not running ({home})")
        ctx.exit(3)


def _psql_binary() -> str:
    psql = shutil.which("psql")
    if psql is None:
        try:
            candidate = cluster.find_bindir() / "psql"
            psql = str(candidate) if candidate.exists() else None
        except TarboxError:
            psql = None
    if psql is None:
        raise TarboxError("psql not found; install postgresql-client", errno.ENOENT)
    return psql


def _exec_psql(state: State, conninfo: str, env: dict, psql_args: tuple[str, ...]) -> None:
    psql = _psql_binary()
    state.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe(psql, [psql, "--no-psqlrc", "-d", conninfo, *psql_args], env)


@db_group.command("psql", context_settings={"ignore_unknown_options": True,
                                            "allow_interspersed_args": False})
@click.option("--tenant", "tenant", default=None, metavar="TENANT",
              help="The tenant whose prompt to open (required).")
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
@pass_state
def db_psql(state: State, tenant: str | None, psql_args: tuple[str, ...]) -> None:
    """Run psql as tenant TENANT (extra arguments go to psql).

    The session logs in with a one-off role of its own (``tarbox.tenant_login``: valid for a
    minute, a member of the tenant role only) and starts acting as the tenant: it cannot
    become another tenant or an administrator (``SET ROLE`` is refused, ``RESET ROLE`` leaves
    a role without any privilege). The administrator's superuser prompt is
    ``tarbox db admin-psql``."""
    if not tenant:
        raise click.UsageError("name the tenant: tarbox db psql --tenant NAME "
                               "(the administrator's superuser prompt is `tarbox db admin-psql`)")
    try:
        row = query(state.admin(), "SELECT role_name, login_role, password FROM tarbox.tenant_login(%s)",
                    (tenant,)).fetchone()
    except TarboxError as exc:
        if exc.errno == errno.ENOENT:
            raise TarboxError(f"unknown tenant {tenant}", errno.ENOENT) from exc
        raise
    role, login, password = row
    params = psycopg.conninfo.conninfo_to_dict(db.resolve_dsn(state.dsn))
    for key in ("password", "passfile", "service"):
        params.pop(key, None)
    params["user"] = login
    env = dict(os.environ)
    env["PGPASSWORD"] = password
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + f" -c role={role}").strip()
    _exec_psql(state, psycopg.conninfo.make_conninfo(**params), env, psql_args)


@db_group.command("admin-psql", context_settings={"ignore_unknown_options": True,
                                                  "allow_interspersed_args": False})
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
@pass_state
def db_admin_psql(state: State, psql_args: tuple[str, ...]) -> None:
    """Run psql as the administrator (the superuser of the embedded cluster, or the login of
    TARBOX_DSN/--dsn): every tenant's rows, the schema, the roles. A prompt as one tenant is
    ``tarbox db psql --tenant NAME``."""
    _exec_psql(state, db.resolve_dsn(state.dsn), dict(os.environ), psql_args)


@db_group.command("extension")
@click.argument("name")
@pass_state
def db_extension(state: State, name: str) -> None:
    """CREATE EXTENSION IF NOT EXISTS NAME in schema public (checks the package is installed)."""
    if not re.match(r"^[a-z_][a-z0-9_]*$", name):
        raise click.BadParameter(f"invalid extension name {name!r}")
    if _explicit(state) is None:
        cluster.check_extension(name)
    # SCHEMA public: with the default search_path ("$user", public) the superuser tarbox
    # would otherwise put the extension's objects into the tarbox schema.
    query(state.admin(), sql.SQL("CREATE EXTENSION IF NOT EXISTS {} SCHEMA public").format(sql.Identifier(name)))


# ------------------------------------------------------------------ init


@click.command("init")
@click.option("--upto", default=None, metavar="MIGRATION", help="Apply migrations only up to this one.")
@pass_state
def init_cmd(state: State, upto: str | None) -> None:
    """Install or upgrade the Tarbox schema and functions (idempotent).

    Without TARBOX_DSN/--dsn the embedded cluster is started first if needed.
    """
    if _explicit(state) is None:
        if cluster.start():
            click.echo(f"database started ({cluster.tarbox_home()})")
        cluster.ensure_database("tarbox")
    conn = state.admin()
    applied = migrate.install(conn, upto=upto)
    version = migrate.schema_version(conn)
    if applied:
        click.echo(f"applied {len(applied)} migration(s): {', '.join(applied)}")
    click.echo(f"tarbox schema version {version}")
