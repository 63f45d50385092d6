"""The ``tarbox`` command line.

Every error is one line on stderr, ``tarbox: <message>``, with exit status 2 for
usage errors and 1 for failures (``tarbox db status`` exits 3 when stopped).
File commands address tenant files as ``TENANT:/path``.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import shutil
import stat as st
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import click
import psycopg
from psycopg import sql

from . import __version__, cluster, db, migrate, tarstream, transfer
from .errors import TarboxError, message_of, one_line, translate

CHUNK = 1 << 20
TENANT_RE = re.compile(r"^([a-z][a-z0-9_-]{0,62}):(.*)$", re.S)
TYPE_BITS = {
    "file": st.S_IFREG, "dir": st.S_IFDIR, "symlink": st.S_IFLNK, "fifo": st.S_IFIFO,
    "socket": st.S_IFSOCK, "chardev": st.S_IFCHR, "blockdev": st.S_IFBLK,
}


# ------------------------------------------------------------------ error handling


class TarboxGroup(click.Group):
    """A click group whose ``main`` turns every error into one stderr line.

    Usage errors exit 2, :class:`TarboxError` and any other failure exit 1,
    Ctrl-C exits 130, a closed stdout pipe exits 141 silently.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Run the CLI (see :meth:`click.Group.main`); exits with the status above
        when ``standalone_mode`` (default), else returns the status (int)."""
        code = 0
        try:
            rv = super().main(args=args, prog_name=prog_name or "tarbox", complete_var=complete_var,
                              standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) else 0
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare `tarbox` / `tarbox db`
                click.echo(exc.format_message(), err=True)
            else:
                _err(exc.format_message())
            code = 2
        except click.ClickException as exc:
            _err(exc.format_message())
            code = exc.exit_code or 1
        except click.Abort:
            _err("aborted")
            code = 130
        except KeyboardInterrupt:
            _err("interrupted")
            code = 130
        except BrokenPipeError:
            _silence_stdout()
            code = 141
        except TarboxError as exc:
            _err(exc.message)
            code = 1
        except psycopg.Error as exc:
            _err(message_of(exc))
            code = 1
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                _silence_stdout()
                code = 141
            else:
                _err(message_of(exc))
                code = 1
        except Exception as exc:  # never a traceback
            _err(f"internal error: {type(exc).__name__}: {one_line(exc)}")
            code = 1
        if standalone_mode:
            try:
                sys.stdout.flush()
            except (BrokenPipeError, OSError):
                _silence_stdout()
            sys.exit(code)
        return code


def _err(message: str) -> None:
    try:
        click.echo(f"tarbox: {one_line(message)}", err=True)
    except OSError:
        pass


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# ------------------------------------------------------------------ context


@dataclass
class State:
    """Per-invocation state: the explicit DSN and cached connections."""

    dsn: str | None = None
    _admin: psycopg.Connection | None = None
    _tenants: dict[str, psycopg.Connection] = field(default_factory=dict)

    def admin(self) -> psycopg.Connection:
        """Return the (cached) admin connection; raises :class:`TarboxError`."""
        if self._admin is None:
            self._admin = db.connect(self.dsn)
        return self._admin

    def tenant(self, name: str) -> psycopg.Connection:
        """Return a (cached) connection acting as tenant ``name``; raises :class:`TarboxError`."""
        if name not in self._tenants:
            conn = self.admin()
            role = db.tenant_role(conn, name)
            tconn = db.connect(self.dsn)
            db.set_role(tconn, role)
            self._tenants[name] = tconn
        return self._tenants[name]

    def close(self) -> None:
        """Close every connection opened so far."""
        for c in [self._admin, *self._tenants.values()]:
            if c is not None:
                try:
                    c.close()
                except Exception:
                    pass


pass_state = click.make_pass_decorator(State)


@dataclass(frozen=True)
class TPath:
    """A parsed ``TENANT:/path``: ``tenant`` (str) and absolute ``path`` (str)."""

    tenant: str
    path: str

    def __str__(self) -> str:
        return f"{self.tenant}:{self.path}"


def parse_tpath(value: str) -> TPath:
    """Parse ``TENANT:/path`` (``TENANT:`` alone means ``/``; a relative path is
    taken from ``/``). Raises :class:`click.BadParameter` (usage error) otherwise."""
    m = TENANT_RE.match(value)
    if not m:
        raise click.BadParameter(f"{value!r} is not TENANT:/path")
    path = m.group(2) or "/"
    if not path.startswith("/"):
        path = "/" + path
    return TPath(m.group(1), path)


class TPathType(click.ParamType):
    """click parameter type for ``TENANT:/path``."""

    name = "TENANT:/PATH"

    def convert(self, value, param, ctx):
        """Return a :class:`TPath`; fails with a usage error for other shapes."""
        if isinstance(value, TPath):
            return value
        try:
            return parse_tpath(value)
        except click.BadParameter as exc:
            self.fail(exc.message, param, ctx)


TPATH = TPathType()


def _mode_arg(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        mode = int(value, 8)
    except ValueError:
        raise click.BadParameter(f"invalid mode {value!r} (octal, e.g. 755)") from None
    if not 0 <= mode <= 0o7777:
        raise click.BadParameter(f"invalid mode {value!r} (octal, e.g. 755)")
    return mode


def _q(conn: psycopg.Connection, query: Any, params: Any = None, binary: bool = False):
    if binary:
        cur = conn.cursor(binary=True)
        try:
            return cur.execute(query, params)
        except psycopg.Error as exc:
            raise translate(exc) from exc
    return db.run(conn, query, params)


def _ctx_err(target: Any, exc: TarboxError) -> TarboxError:
    """Make ``exc``'s message name ``target`` (a TPath or str) exactly once."""
    msg = exc.message
    if isinstance(target, TPath):
        for sep in (":", " "):
            if msg.startswith(target.path + sep):
                return TarboxError(f"{target.tenant}:{msg}", exc.errno)
    t = str(target)
    if t in msg:
        return exc
    return TarboxError(f"{t}: {msg}", exc.errno)


# ------------------------------------------------------------------ root group


@click.group(cls=TarboxGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--dsn", metavar="DSN", default=None,
              help="libpq connection string of an existing server (default: $TARBOX_DSN, "
                   "else the embedded cluster in $TARBOX_HOME).")
@click.version_option(__version__, prog_name="tarbox")
@click.pass_context
def cli(ctx: click.Context, dsn: str | None) -> None:
    """Tarbox: a POSIX filesystem stored in PostgreSQL."""
    state = State(dsn=dsn or None)
    ctx.obj = state
    ctx.call_on_close(state.close)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI on ``argv`` (default ``sys.argv[1:]``)
    and exit with its status (0 ok, 1 failure, 2 usage, 3 ``db status`` stopped)."""
    cli.main(args=argv, prog_name="tarbox")


# ------------------------------------------------------------------ db


@cli.group("db")
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


@db_group.command("psql", context_settings={"ignore_unknown_options": True,
                                            "allow_interspersed_args": False})
@click.option("--tenant", "tenant", default=None, metavar="TENANT",
              help="Act as this tenant (sets the session role).")
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
@pass_state
def db_psql(state: State, tenant: str | None, psql_args: tuple[str, ...]) -> None:
    """Run psql on the database (extra arguments go to psql)."""
    target = db.resolve_dsn(state.dsn)
    env = dict(os.environ)
    if tenant:
        role = db.tenant_role(state.admin(), tenant)
        env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + f" -c role={role}").strip()
    psql = shutil.which("psql")
    if psql is None:
        try:
            candidate = cluster.find_bindir() / "psql"
            psql = str(candidate) if candidate.exists() else None
        except TarboxError:
            psql = None
    if psql is None:
        raise TarboxError("psql not found; install postgresql-client", errno.ENOENT)
    state.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe(psql, [psql, "--no-psqlrc", "-d", target, *psql_args], env)


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
    _q(state.admin(), sql.SQL("CREATE EXTENSION IF NOT EXISTS {} SCHEMA public").format(sql.Identifier(name)))


# ------------------------------------------------------------------ init


@cli.command("init")
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


# ------------------------------------------------------------------ tenants


@cli.group("tenant")
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
    row = _q(state.admin(), "SELECT * FROM tarbox.tenant_create(%s, %s, %s, %s)",
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
        _q(state.admin(), "SELECT tarbox.tenant_delete(%s)", (name,))
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
    _q(state.admin(), "SELECT tarbox.tenant_rename(%s, %s)", (old, new))
    click.echo(f"renamed tenant {old} to {new}")


# ------------------------------------------------------------------ file commands


def _fmt_mode(kind: str, mode: int) -> str:
    return st.filemode(TYPE_BITS.get(kind, 0) | (mode & 0o7777))


def _fmt_time(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    return str(value)


def _fmt_ns(ns: int | None) -> str:
    if ns is None:
        return "-"
    secs, frac = divmod(int(ns), 1_000_000_000)
    t = dt.datetime.fromtimestamp(secs).astimezone()
    return t.strftime("%Y-%m-%d %H:%M:%S") + f".{frac:09d} " + t.strftime("%z")


def _join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name


@cli.command("ls")
@click.option("-l", "long", is_flag=True, help="Long listing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.argument("paths", nargs=-1, type=TPATH, required=True)
@pass_state
def ls_cmd(state: State, long: bool, as_json: bool, paths: tuple[TPath, ...]) -> None:
    """List directories (or show files)."""
    out: list[dict] = []
    for tp in paths:
        conn = state.tenant(tp.tenant)
        cur = conn.cursor(row_factory=psycopg.rows.dict_row)
        try:
            rows = cur.execute("SELECT * FROM tarbox.ls(%s)", (tp.path,)).fetchall()
        except psycopg.Error as exc:
            raise _ctx_err(tp, translate(exc)) from exc
        if as_json:
            for r in rows:
                d = dict(r)
                d["mtime"] = d["mtime"].isoformat() if isinstance(d.get("mtime"), dt.datetime) else d.get("mtime")
                d["path"] = str(tp)
                out.append(d)
            continue
        if len(paths) > 1:
            click.echo(f"{tp}:")
        is_dir = None
        for r in rows:
            if not long:
                click.echo(r["name"])
                continue
            name = r["name"]
            if r["type"] == "symlink":
                if is_dir is None:
                    is_dir = _stat_type(conn, tp.path) == "dir"
                target_path = _join(tp.path, name) if is_dir else tp.path
                try:
                    target = _q(conn, "SELECT tarbox.readlink(%s)", (target_path,)).fetchone()[0]
                    name = f"{name} -> {target}"
                except TarboxError:
                    pass
            click.echo(f"{_fmt_mode(r['type'], r['mode'])} {r['uid']:>5} {r['gid']:>5} "
                       f"{r['size']:>10} {_fmt_time(r['mtime'])} {name}")
    if as_json:
        click.echo(json.dumps(out, indent=2))


@cli.command("stat")
@click.option("-L", "--dereference", "follow", is_flag=True, help="Follow a final symlink.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.argument("paths", nargs=-1, type=TPATH, required=True)
@pass_state
def stat_cmd(state: State, follow: bool, as_json: bool, paths: tuple[TPath, ...]) -> None:
    """Show inode attributes."""
    results = []
    for tp in paths:
        conn = state.tenant(tp.tenant)
        cur = conn.cursor(row_factory=psycopg.rows.dict_row)
        try:
            r = cur.execute("SELECT * FROM tarbox.stat(%s, %s)", (tp.path, follow)).fetchone()
        except psycopg.Error as exc:
            raise _ctx_err(tp, translate(exc)) from exc
        if r is None:
            raise TarboxError(f"{tp}: No such file or directory", errno.ENOENT)
        d = dict(r)
        target = d.get("target")
        d["target"] = os.fsdecode(bytes(target)) if target is not None else None
        d["path"] = str(tp)
        results.append(d)
    if as_json:
        click.echo(json.dumps(results if len(results) > 1 else results[0], indent=2))
        return
    for d in results:
        name = d["path"] + (f" -> {d['target']}" if d["target"] is not None else "")
        click.echo(f"  File: {name}")
        click.echo(f"  Size: {d['size']:<12} Blocks: {d['blocks']:<10} Type: {d['type']}")
        click.echo(f"Inode: {d['ino']:<12} Links: {d['nlink']:<10} Rdev: {d['rdev']}")
        click.echo(f"Access: ({d['mode'] & 0o7777:04o}/{_fmt_mode(d['type'], d['mode'])})  "
                   f"Uid: {d['uid']}  Gid: {d['gid']}")
        click.echo(f"Access: {_fmt_ns(d['atime_ns'])}")
        click.echo(f"Modify: {_fmt_ns(d['mtime_ns'])}")
        click.echo(f"Change: {_fmt_ns(d['ctime_ns'])}")
        click.echo(f" Birth: {_fmt_ns(d['btime_ns'])}")


def _read_chunks(conn: psycopg.Connection, tp: TPath) -> Iterable[bytes]:
    offset = 0
    while True:
        try:
            data = _q(conn, "SELECT tarbox.read(%s, %s::bigint, %s::bigint)", (tp.path, offset, CHUNK),
                      binary=True).fetchone()[0]
        except TarboxError as exc:
            raise _ctx_err(tp, exc) from exc
        if not data:
            return
        yield bytes(data)
        offset += len(data)
        if len(data) < CHUNK:
            return


@cli.command("cat")
@click.argument("paths", nargs=-1, type=TPATH, required=True)
@pass_state
def cat_cmd(state: State, paths: tuple[TPath, ...]) -> None:
    """Write file contents to stdout."""
    out = sys.stdout.buffer
    for tp in paths:
        conn = state.tenant(tp.tenant)
        for chunk in _read_chunks(conn, tp):
            out.write(chunk)
    out.flush()


def _stat_type(conn: psycopg.Connection, path: str) -> str | None:
    try:
        row = _q(conn, "SELECT type FROM tarbox.stat(%s, true)", (path,)).fetchone()
    except TarboxError as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise
    return row[0] if row else None


@cli.command("put")
@click.argument("hostfile", type=click.Path(dir_okay=False, allow_dash=True, path_type=str))
@click.argument("dest", type=TPATH)
@pass_state
def put_cmd(state: State, hostfile: str, dest: TPath) -> None:
    """Copy host file HOSTFILE ('-' = stdin) to TENANT:/path (atomically)."""
    conn = state.tenant(dest.tenant)
    path = dest.path
    kind = _stat_type(conn, path)
    if kind == "dir":
        if hostfile == "-":
            raise TarboxError(f"{dest}: is a directory", errno.EISDIR)
        path = _join(path, os.path.basename(hostfile))
        kind = _stat_type(conn, path)
    if hostfile == "-":
        src = sys.stdin.buffer
        host_mode = None
    else:
        try:
            src = open(hostfile, "rb")
            host_mode = st.S_IMODE(os.fstat(src.fileno()).st_mode)
        except OSError as exc:
            raise translate(exc) from exc
    try:
        with conn.transaction():
            chunk = src.read(CHUNK)
            _q(conn, "SELECT tarbox.write(%s, %b::bytea, NULL::bigint)", (path, chunk))
            offset = len(chunk)
            while True:
                chunk = src.read(CHUNK)
                if not chunk:
                    break
                _q(conn, "SELECT tarbox.write(%s, %b::bytea, %s::bigint)", (path, chunk, offset))
                offset += len(chunk)
            if kind is None and host_mode is not None:
                _q(conn, "SELECT tarbox.chmod(%s, %s::int)", (path, host_mode & ~_umask()))
    except TarboxError as exc:
        raise _ctx_err(TPath(dest.tenant, path), exc) from exc
    finally:
        if src is not sys.stdin.buffer:
            src.close()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@cli.command("get")
@click.argument("src", type=TPATH)
@click.argument("hostfile", type=click.Path(allow_dash=True, path_type=str))
@pass_state
def get_cmd(state: State, src: TPath, hostfile: str) -> None:
    """Copy TENANT:/path to host file HOSTFILE ('-' = stdout)."""
    conn = state.tenant(src.tenant)
    if hostfile == "-":
        out = sys.stdout.buffer
        for chunk in _read_chunks(conn, src):
            out.write(chunk)
        out.flush()
        return
    target = hostfile
    if os.path.isdir(target):
        target = os.path.join(target, os.path.basename(src.path.rstrip("/")) or "root")
    info = _q(conn, "SELECT type, mode FROM tarbox.stat(%s, true)", (src.path,)).fetchone()
    if info[0] != "file":
        raise TarboxError(f"{src}: not a regular file", errno.EISDIR if info[0] == "dir" else errno.EINVAL)
    tmp = f"{target}.tarbox-{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            for chunk in _read_chunks(conn, src):
                fh.write(chunk)
        os.chmod(tmp, st.S_IMODE(info[1]) & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        raise translate(exc) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@cli.command("mkdir")
@click.option("-p", "parents", is_flag=True, help="Create parents; no error if it exists.")
@click.option("-m", "mode", default=None, metavar="MODE", help="Octal mode (default 755).")
@click.argument("paths", nargs=-1, type=TPATH, required=True)
@pass_state
def mkdir_cmd(state: State, parents: bool, mode: str | None, paths: tuple[TPath, ...]) -> None:
    """Create directories."""
    m = _mode_arg(mode)
    for tp in paths:
        conn = state.tenant(tp.tenant)
        try:
            _q(conn, "SELECT tarbox.mkdir(%s, %s::int, %s)", (tp.path, 0o755 if m is None else m, parents))
        except TarboxError as exc:
            raise _ctx_err(tp, exc) from exc


@cli.command("rm")
@click.option("-r", "-R", "recursive", is_flag=True, help="Remove directories and their contents.")
@click.option("-f", "force", is_flag=True, help="Ignore missing paths.")
@click.argument("paths", nargs=-1, type=TPATH, required=True)
@pass_state
def rm_cmd(state: State, recursive: bool, force: bool, paths: tuple[TPath, ...]) -> None:
    """Remove files (and directories with -r)."""
    for tp in paths:
        conn = state.tenant(tp.tenant)
        try:
            _q(conn, "SELECT tarbox.rm(%s, %s)", (tp.path, recursive))
        except TarboxError as exc:
            if force and exc.errno == errno.ENOENT:
                continue
            raise _ctx_err(tp, exc) from exc


@cli.command("mv")
@click.argument("src", type=TPATH)
@click.argument("dst", type=TPATH)
@pass_state
def mv_cmd(state: State, src: TPath, dst: TPath) -> None:
    """Move/rename SRC to DST (into DST if it is a directory)."""
    if src.tenant != dst.tenant:
        raise TarboxError(f"cannot move {src} to another tenant ({dst.tenant})", errno.EXDEV)
    conn = state.tenant(src.tenant)
    try:
        _q(conn, "SELECT tarbox.mv(%s, %s)", (src.path, dst.path))
    except TarboxError as exc:
        raise _ctx_err(src, exc) from exc


@cli.command("ln")
@click.option("-s", "symbolic", is_flag=True, help="Make a symbolic link (TARGET is stored as given).")
@click.argument("target")
@click.argument("link", type=TPATH)
@pass_state
def ln_cmd(state: State, symbolic: bool, target: str, link: TPath) -> None:
    """Make LINK (TENANT:/path) a hard link to TARGET, or with -s a symlink to TARGET."""
    if not symbolic:
        m = TENANT_RE.match(target)
        if m:
            tp = parse_tpath(target)
            if tp.tenant != link.tenant:
                raise TarboxError(f"cannot link across tenants ({tp.tenant} -> {link.tenant})", errno.EXDEV)
            target = tp.path
        elif not target.startswith("/"):
            raise click.BadParameter("hard link TARGET must be TENANT:/path or an absolute path")
    conn = state.tenant(link.tenant)
    try:
        _q(conn, "SELECT tarbox.ln(%s, %s, %s)", (target, link.path, symbolic))
    except TarboxError as exc:
        raise _ctx_err(link, exc) from exc


def _progress(label: str, total_entries: int | None, total_bytes: int | None):
    from rich.console import Console
    from rich.progress import (BarColumn, DownloadColumn, Progress,
                               TextColumn, TimeElapsedColumn, TransferSpeedColumn)

    console = Console(stderr=True)
    prog = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TextColumn("{task.fields[entries]} entries"), TimeElapsedColumn(),
        console=console, transient=False, disable=not console.is_terminal,
    )
    task = prog.add_task(label, total=total_bytes, entries=0)
    counts = {"entries": 0}

    def advance(entries: int, nbytes: int) -> None:
        counts["entries"] += entries
        prog.update(task, advance=nbytes, entries=counts["entries"])

    return prog, advance


def _summary(verb: str, stats: transfer.TransferStats) -> str:
    mb = stats.bytes / 1e6
    text = (f"{verb} {stats.entries} entries ({stats.files} files, {stats.dirs} dirs, "
            f"{stats.symlinks} symlinks, {stats.hardlinks} hard links, {stats.specials} special), "
            f"{mb:.1f} MB in {stats.seconds:.2f} s")
    if stats.skipped:
        text += f"; skipped {stats.skipped} special files the host refused"
    return text


@cli.command("import")
@click.argument("source", type=str)
@click.argument("dest", type=str)
@click.option("--layer", "layer", default=None, metavar="NAME",
              help="Tar import: the name of the new layer (default import-<time>).")
@click.option("--yes", "confirm", is_flag=True,
              help="Tar import on a historical layer: delete the later layers.")
@click.option("--json", "as_json", is_flag=True, help="Print the counters as JSON.")
@pass_state
def import_cmd(state: State, source: str, dest: str, layer: str | None, confirm: bool, as_json: bool) -> None:
    """Copy host directory SOURCE into TENANT:/path (created; must be empty), or import the tar
    archive SOURCE (a file, or - for standard input) as a new layer of TENANT[:/path]."""
    if source == "-" or os.path.isfile(source):
        tp = _tenant_or_tpath(dest)
        conn = state.tenant(tp.tenant)
        name = layer or time.strftime("import-%Y%m%d-%H%M%S")
        prog, advance = _progress(f"import {source} as layer {name}", None, None)
        with prog, (click.open_file(source, "rb") if source != "-" else _stdin_binary()) as fh:
            counts = tarstream.import_tar(conn, fh, name, path=tp.path, progress=advance, confirm=confirm)
        click.echo(json.dumps(counts) if as_json else
                   f"imported {counts['entries']} entries ({counts['bytes'] / 1e6:.1f} MB) as layer "
                   f"{counts['layer_id']} {name} in {counts['seconds']:.2f} s")
        return
    if not os.path.isdir(source):
        raise TarboxError(f"{source}: no such directory or tar file", errno.ENOENT)
    tp = parse_tpath(dest)
    conn = state.tenant(tp.tenant)
    entries, nbytes = transfer.scan_host_tree(source)
    prog, advance = _progress(f"import {tp}", entries, nbytes)
    with prog:
        stats = transfer.import_tree(conn, source, tp.path, progress=advance)
    click.echo(json.dumps(stats.as_dict()) if as_json else _summary("imported", stats))


def _tenant_or_tpath(value: str) -> TPath:
    """``TENANT`` (meaning its root) or ``TENANT:/path``; usage error otherwise."""
    return parse_tpath(value if ":" in value else value + ":/")


def _stdin_binary():
    """Standard input as a binary file object that is not closed afterwards."""
    import contextlib
    return contextlib.nullcontext(sys.stdin.buffer)


@cli.command("export")
@click.argument("src", type=str)
@click.argument("dest", type=str)
@click.option("--layer", "layer", default=None, metavar="LAYER",
              help="Export the tree as of this layer (name, tag, id); implies a tar archive.")
@click.option("--tar", "as_tar", is_flag=True, help="Write a tar archive (also when DEST is - or *.tar).")
@click.option("--json", "as_json", is_flag=True, help="Print the counters as JSON (to stderr for -).")
@pass_state
def export_cmd(state: State, src: str, dest: str, layer: str | None, as_tar: bool, as_json: bool) -> None:
    """Copy TENANT:/path (a directory) to host directory DEST (created; must be empty), or write
    TENANT[:/path] as of a layer as a tar archive to DEST (a file, or - for standard output)."""
    if layer is not None or as_tar or dest == "-" or dest.endswith(".tar"):
        tp = _tenant_or_tpath(src)
        conn = state.tenant(tp.tenant)
        if dest == "-":
            counts = tarstream.export_tar(conn, sys.stdout.buffer, layer=layer, path=tp.path)
            sys.stdout.buffer.flush()
        else:
            prog, advance = _progress(f"export {tp} as of {layer or 'current'}", None, None)
            with prog, open(dest, "wb") as fh:
                counts = tarstream.export_tar(conn, fh, layer=layer, path=tp.path, progress=advance)
        text = (json.dumps(counts) if as_json else
                f"exported {counts['entries']} entries ({counts['bytes'] / 1e6:.1f} MB) of layer "
                f"{counts['layer']} in {counts['seconds']:.2f} s")
        click.echo(text, err=dest == "-")
        return
    tp = parse_tpath(src)
    conn = state.tenant(tp.tenant)
    prog, advance = _progress(f"export {tp}", None, None)
    with prog:
        stats = transfer.export_tree(conn, tp.path, dest, progress=advance)
    click.echo(json.dumps(stats.as_dict()) if as_json else _summary("exported", stats))


from .cli_layers import layer_group  # noqa: E402  (needs the names above)
from .mount import mount_command, umount_command  # noqa: E402

cli.add_command(layer_group)
cli.add_command(mount_command)
cli.add_command(umount_command)


if __name__ == "__main__":
    main()
