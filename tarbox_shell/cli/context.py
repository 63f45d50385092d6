"""What the CLI's command modules share: the root group class that turns every error into
one line (:class:`TarboxGroup`), the per-invocation connection state (:class:`State`,
:data:`pass_state`), ``TENANT:/path`` arguments (:class:`TPath`, :data:`TPATH`), and the
helpers that run one SQL call with errno-mapped errors (:func:`query`,
:func:`name_in_error`).

Imports: :mod:`tarbox_shell.db` and :mod:`tarbox_shell.errors` only.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

import click
import psycopg

from .. import db
from ..errors import TarboxError, message_of, one_line, translate

TENANT_RE = re.compile(r"^([a-z][a-z0-9_-]{0,62}):(.*)$", re.S)

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
                print_error(exc.format_message())
            code = 2
        except click.ClickException as exc:
            print_error(exc.format_message())
            code = exc.exit_code or 1
        except click.Abort:
            print_error("aborted")
            code = 130
        except KeyboardInterrupt:
            print_error("interrupted")
            code = 130
        except BrokenPipeError:
            _silence_stdout()
            code = 141
        except TarboxError as exc:
            print_error(exc.message)
            code = 1
        except psycopg.Error as exc:
            print_error(message_of(exc))
            code = 1
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                _silence_stdout()
                code = 141
            else:
                print_error(message_of(exc))
                code = 1
        except Exception as exc:  # never a traceback
            print_error(f"internal error: {type(exc).__name__}: {one_line(exc)}")
            code = 1
        if standalone_mode:
            try:
                sys.stdout.flush()
            except (BrokenPipeError, OSError):
                _silence_stdout()
            sys.exit(code)
        return code


def print_error(message: str) -> None:
    """Print ``tarbox: <message>`` (one line) on stderr; never raises."""
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
    url: str | None = None
    token: str | None = None
    _admin: psycopg.Connection | None = None
    _client: Any = None
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

    def client(self):
        """The HTTP client (:class:`tarbox_shell.client.TarboxClient`) of ``--url``/``$TARBOX_URL``
        with ``--token``/``$TARBOX_TOKEN``; None without a URL. Raises :class:`click.UsageError`
        for a URL without a token."""
        if not self.url:
            return None
        if self._client is None:
            if not self.token:
                raise click.UsageError("--url needs a bearer token: --token or $TARBOX_TOKEN")
            from ..client import TarboxClient
            self._client = TarboxClient(self.url, self.token)
        return self._client

    def close(self) -> None:
        """Close every connection opened so far."""
        if self._client is not None:
            self._client.close()
        for c in [self._admin, *self._tenants.values()]:
            if c is not None:
                try:
                    c.close()
                except Exception:
                    pass


pass_state = click.make_pass_decorator(State)


def shown(path: str) -> str:
    """A path from the command line (str; bytes that are not UTF-8 arrive as surrogates) as
    text for people: those bytes as ``\\xNN``, as the SQL shows them (``tarbox._name_text``)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class TPath:
    """A parsed ``TENANT:/path``: ``tenant`` (str) and absolute ``path`` (str; bytes that are
    not UTF-8 as surrogates, as Python decodes the command line). Paths are bytes: ``raw``
    is what the SQL path API gets (its bytea forms), ``shown`` what messages print."""

    tenant: str
    path: str

    @property
    def raw(self) -> bytes:
        """The path's bytes (for the SQL path API's bytea forms)."""
        return os.fsencode(self.path)

    @property
    def shown(self) -> str:
        """The path as printable text (see :func:`shown`)."""
        return shown(self.path)

    def __str__(self) -> str:
        return f"{self.tenant}:{self.shown}"


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


def mode_arg(value: str | None) -> int | None:
    """Parse an octal mode option (``"755"``) into an int (None stays None); raises
    :class:`click.BadParameter` (a usage error) outside 0..07777."""
    if value is None:
        return None
    try:
        mode = int(value, 8)
    except ValueError:
        raise click.BadParameter(f"invalid mode {value!r} (octal, e.g. 755)") from None
    if not 0 <= mode <= 0o7777:
        raise click.BadParameter(f"invalid mode {value!r} (octal, e.g. 755)")
    return mode


def query(conn: psycopg.Connection, sql_text: Any, params: Any = None, binary: bool = False):
    """Run one SQL API call on ``conn`` (with retries, see :func:`tarbox_shell.db.run`) and
    return the cursor; ``binary`` asks for binary results (bytea as bytes). Raises
    :class:`TarboxError` with the errno of the SQLSTATE."""
    if binary:
        cur = conn.cursor(binary=True)
        try:
            return cur.execute(sql_text, params)
        except psycopg.Error as exc:
            raise translate(exc) from exc
    return db.run(conn, sql_text, params)


def name_in_error(target: Any, exc: TarboxError) -> TarboxError:
    """Make ``exc``'s message name ``target`` (a TPath or str) exactly once."""
    msg = exc.message
    if isinstance(target, TPath):
        for sep in (":", " "):
            if msg.startswith(target.shown + sep):
                return TarboxError(f"{target.tenant}:{msg}", exc.errno)
    t = str(target)
    if t in msg:
        return exc
    return TarboxError(f"{t}: {msg}", exc.errno)



def tenant_or_tpath(value: str) -> TPath:
    """``TENANT`` (meaning its root) or ``TENANT:/path``; usage error otherwise."""
    return parse_tpath(value if ":" in value else value + ":/")
