"""``tarbox serve``: the HTTP API of every tenant (bearer tokens from ``tarbox token``).

Imports: :mod:`tarbox_shell.server`, :mod:`tarbox_shell.db` and the CLI's context.
"""

from __future__ import annotations

import re

import click

from .. import db
from .context import State, pass_state

LISTEN_RE = re.compile(r"^(\[[0-9a-fA-F:]+\]|[^:\[\]]*):(\d{1,5})$")
SIZE_RE = re.compile(r"^(\d+)([KMGT]i?B?)?$", re.I)
SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(value: str) -> int:
    """``1GiB``, ``512M``, ``4096`` -> bytes (int). Raises :class:`click.BadParameter`."""
    m = SIZE_RE.match(value.strip())
    if not m:
        raise click.BadParameter(f"invalid size {value!r} (e.g. 16GiB, 512M)")
    return int(m.group(1)) * SIZE_UNITS[(m.group(2) or "")[:1].upper()]


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8470`` for IPv6) -> (host, port). Raises :class:`click.BadParameter`."""
    m = LISTEN_RE.match(value.strip())
    if not m or not 0 < int(m.group(2)) < 65536:
        raise click.BadParameter(f"invalid address {value!r}: use HOST:PORT, e.g. 127.0.0.1:8470")
    return (m.group(1).strip("[]") or "127.0.0.1"), int(m.group(2))


@click.command("serve")
@click.option("--listen", default="127.0.0.1:8470", show_default=True, metavar="HOST:PORT",
              help="Address to listen on (localhost unless told otherwise).")
@click.option("--base-path", default="/", show_default=True, help="URL prefix of every route.")
@click.option("--dsn", "gateway_dsn", default=None, metavar="DSN",
              help="libpq DSN logging in as role tarbox_gateway (default: the server of --dsn/$TARBOX_DSN, "
                   "or the embedded cluster, as tarbox_gateway).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Server processes.")
@click.option("--pool-size", default=16, show_default=True, type=click.IntRange(1, 1000),
              help="Database connections per process.")
@click.option("--max-body", default="16GiB", show_default=True, help="Largest file upload body (413 above it).")
@click.option("--db-timeout", default=5.0, show_default=True, type=click.FloatRange(0.1, 600),
              help="Seconds to wait for a database connection before answering 503.")
@click.option("--tls-cert", "--certfile", "tls_cert", type=click.Path(exists=True, dir_okay=False), default=None, help="PEM certificate (HTTPS).")
@click.option("--tls-key", "--keyfile", "tls_key", type=click.Path(exists=True, dir_okay=False), default=None, help="PEM private key (HTTPS).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@pass_state
def serve_command(state: State, listen: str, base_path: str, gateway_dsn: str | None, workers: int,
                  pool_size: int, max_body: str, db_timeout: float, tls_cert: str | None, tls_key: str | None,
                  log_level: str) -> None:
    """Serve the HTTP API: the RunMat remote-filesystem contract at BASE/api/v1/fs, Tarbox's file and
    layer routes at BASE/api/v1, /health, /metrics, the OpenAPI schema and BASE/docs.

    Clients authenticate with `Authorization: Bearer TOKEN` (`tarbox token create TENANT`); each
    request runs as the token's tenant, in one transaction, with row-level security as for a mount.
    """
    # The server (FastAPI, pydantic) is imported here, not with the CLI: importing it took 0.6 s
    # of the 1.0 s every other tarbox command spent starting.
    from ..server.app import Settings, normalize_base
    from ..server.run import serve

    if bool(tls_cert) != bool(tls_key):
        raise click.UsageError("--tls-cert (--certfile) and --tls-key (--keyfile) go together")
    host, port = parse_listen(listen)
    settings = Settings(dsn=db.gateway_dsn(gateway_dsn, state.dsn), base_path=normalize_base(base_path),
                        pool_min=min(2, pool_size), pool_max=pool_size, db_timeout=db_timeout,
                        data_limit=parse_size(max_body))
    serve(settings, host, port, workers, tls_cert, tls_key, log_level)
