"""The ``tarbox`` command line: click groups, one module per group or family of commands.

Imports: anything. The CLI is the top of the import graph: it may import every other part of
:mod:`tarbox_shell` (``db``, ``fuse``, ``transfer``, ``wasi``, ``server``, ``client``, ``errors``), and nothing outside
``cli`` imports it (``tarbox_shell.__main__`` aside). Commands only parse arguments, call
one SQL function or one library function, and print.

Every error is one line on stderr, ``tarbox: <message>``, with exit status 2 for
usage errors and 1 for failures (``tarbox db status`` exits 3 when stopped).
File commands address tenant files as ``TENANT:/path``.
"""

from __future__ import annotations

import click

from .. import __version__
from . import audit, compose, files, storage, transfer
from .context import State, TarboxGroup
from .db import db_group, init_cmd
from .layer import layer_group
from .mount import mount_command, umount_command
from .native import native_group
from .serve import serve_command
from .tenant import tenant_group
from .token import token_group
from .wasi import wasi_group


@click.group(cls=TarboxGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--dsn", metavar="DSN", default=None,
              help="libpq connection string of an existing server (default: $TARBOX_DSN, "
                   "else the embedded cluster in $TARBOX_HOME).")
@click.option("--url", metavar="URL", envvar="TARBOX_URL", default=None,
              help="Use the HTTP API of `tarbox serve` at URL for the file commands (default: $TARBOX_URL).")
@click.option("--token", metavar="TOKEN", envvar="TARBOX_TOKEN", default=None,
              help="Bearer token for --url (default: $TARBOX_TOKEN); it decides the tenant.")
@click.version_option(__version__, prog_name="tarbox")
@click.pass_context
def cli(ctx: click.Context, dsn: str | None, url: str | None, token: str | None) -> None:
    """Tarbox: a POSIX filesystem stored in PostgreSQL."""
    state = State(dsn=dsn or None, url=url or None, token=token or None)
    ctx.obj = state
    ctx.call_on_close(state.close)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI on ``argv`` (default ``sys.argv[1:]``)
    and exit with its status (0 ok, 1 failure, 2 usage, 3 ``db status`` stopped)."""
    cli.main(args=argv, prog_name="tarbox")


for command in [db_group, init_cmd, tenant_group, *files.COMMANDS, *transfer.COMMANDS, *storage.COMMANDS,
                layer_group, mount_command, umount_command, serve_command, token_group, native_group,
                wasi_group, *audit.COMMANDS, *compose.COMMANDS]:
    cli.add_command(command)
