"""``tarbox wasi run``: run a WASI preview 1 program whose files live in a tenant.

Imports: :mod:`tarbox_shell.wasi` only.
"""

from __future__ import annotations

import re

import click

from ..wasi import ClientConfig
from ..wasi.run import Program, RunFailure, run

_SIZE_RE = re.compile(r"^(\d+)([KMG]?)i?B?$", re.I)
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}


def _group_dsn(ctx: click.Context) -> str | None:
    root = ctx.find_root()
    return getattr(root.obj, "dsn", None) if root is not ctx else None


def _group_value(ctx: click.Context, name: str) -> str | None:
    root = ctx.find_root()
    return getattr(root.obj, name, None) if root is not ctx else None


def _pair(value: str, what: str, sep: str = "=") -> tuple[str, str]:
    key, found, rest = value.partition(sep)
    if not found or not key:
        raise click.BadParameter(f"{value!r} is not {what}")
    return key, rest


def _size(value: str | None) -> int | None:
    if value is None:
        return None
    m = _SIZE_RE.match(value.strip())
    if not m:
        raise click.BadParameter(f"{value!r} is not a size such as 512M or 2G")
    return int(m.group(1)) * _UNITS[m.group(2).upper()]


@click.group("wasi")
def wasi_group() -> None:
    """Run WebAssembly (WASI preview 1) programs whose filesystem is a tenant."""


@wasi_group.command("run")
@click.argument("tenant")
@click.argument("module", metavar="MODULE.wasm")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.option("--dir", "dirs", multiple=True, metavar="GUEST=TENANT_PATH",
              help="Preopen tenant directory TENANT_PATH as GUEST in the guest (repeatable; "
                   "the guest cannot leave it).")
@click.option("--env", "envs", multiple=True, metavar="K=V",
              help="An environment variable of the guest (repeatable; none by default).")
@click.option("--checkpoint", metavar="NAME",
              help="After a run that exits 0, freeze the layer holding its changes and continue "
                   "in a new layer NAME (as `tarbox layer new NAME`; `tarbox layer switch` to "
                   "the frozen layer returns to the state the run left).")
@click.option("--max-memory", metavar="SIZE",
              help="Limit the guest's linear memory (e.g. 256M, 2G; default: wasm32's 4G).")
@click.option("--url", metavar="URL",
              help="HTTP mode: the base URL of `tarbox serve` (default: tarbox --url, $TARBOX_URL); "
                   "every filesystem call goes over HTTP as the token's tenant, which must be TENANT.")
@click.option("--token", metavar="TOKEN", envvar="TARBOX_TOKEN",
              help="HTTP mode: the bearer token (default: $TARBOX_TOKEN, tarbox --token).")
@click.option("--stats", is_flag=True,
              help="After the run, print the number of filesystem round trips (SQL calls, or "
                   "HTTP requests in HTTP mode), the seconds it took and the run's id (details.run of its "
                   "audit records) on stderr.")
@click.option("--dsn", metavar="DSN", default=None,
              help="libpq connection string (default: the tarbox --dsn, $TARBOX_DSN, else the "
                   "embedded cluster).")
@click.pass_context
def run_command(ctx: click.Context, tenant: str, module: str, args: tuple[str, ...],
                dirs: tuple[str, ...], envs: tuple[str, ...], checkpoint: str | None,
                max_memory: str | None, url: str | None, token: str | None, stats: bool,
                dsn: str | None) -> int:
    """Run MODULE.wasm with its filesystem served from TENANT (no FUSE, no host directory).

    Every filesystem call of the guest is one call of the tenant's SQL API; stdin, stdout,
    stderr, arguments, environment, clocks and random are wasmtime's. Arguments after `--`
    go to the program. The exit status is the program's; 134 when it traps, 1 when it
    cannot run or the database (or the server) goes away.

    With --url and --token the calls go to `tarbox serve` instead (no database access needed).
    Small writes are then held until the file is closed or synced (or the program makes any
    other filesystem call), and fstat right after open is answered from the open: another
    client sees a file's new content once the program closed it (close-to-open consistency,
    as NFS gives).

    Example: tarbox wasi run demo python.wasm --dir /work=/work -- /work/hello.py
    """
    preopens = []
    for value in dirs:
        guest, path = _pair(value, "GUEST=TENANT_PATH")
        if not guest.startswith("/") or not path.startswith("/"):
            raise click.BadParameter(f"{value!r}: GUEST and TENANT_PATH must be absolute paths",
                                     param_hint="--dir")
        preopens.append((guest, path))
    env = [_pair(value, "K=V") for value in envs]
    if url and dsn:
        raise click.UsageError("--dsn is for direct mode; in HTTP mode (--url) the server "
                               "reaches the database")
    if not dsn:  # an explicit --dsn means direct mode, whatever tarbox --url/$TARBOX_URL say
        url = url or _group_value(ctx, "url")
    token = token or _group_value(ctx, "token")
    if url:
        if not token:
            raise click.UsageError("HTTP mode (--url) needs a bearer token: --token or $TARBOX_TOKEN")
        config = ClientConfig(tenant=tenant, mode="http", url=url, token=token, preopens=preopens)
    else:
        config = ClientConfig(tenant=tenant, mode="direct", dsn=dsn or _group_dsn(ctx),
                              preopens=preopens)
    program = Program(module=module, args=list(args), env=env, max_memory=_size(max_memory))
    try:
        outcome = run(program, config, checkpoint=checkpoint)
    except RunFailure as exc:
        click.echo(f"tarbox: {exc.message}", err=True)
        return exc.status
    if checkpoint is not None:
        if outcome.checkpoint is None:
            click.echo(f"tarbox: no checkpoint {checkpoint}: the program exited with status "
                       f"{outcome.status}", err=True)
        else:
            click.echo(f"tarbox: checkpoint {checkpoint}: the run's changes are frozen in layer "
                       f"{outcome.checkpoint - 1}; layer {checkpoint} ({outcome.checkpoint}) "
                       "is current", err=True)
    if stats:
        unit = "HTTP requests" if config.mode == "http" else "SQL"
        click.echo(f"tarbox: {outcome.calls} filesystem calls ({unit}), {outcome.seconds:.3f} s",
                   err=True)
        click.echo(f"tarbox: run {outcome.run} (details.run of its audit records)", err=True)
    return outcome.status
