"""``tarbox serve``: check the gateway's login, then run the application on uvicorn."""

from __future__ import annotations

import asyncio
import errno as E
import json
import os
import shutil
import tempfile

import uvicorn

from ..errors import TarboxError
from . import metrics
from .app import Settings, create_app
from .gateway import Gateway

#: Environment variable that carries the settings to ``--workers`` processes.
SETTINGS_ENV = "TARBOX_SERVE_SETTINGS"


def check_login(dsn: str) -> dict:
    """Log in once with ``dsn`` and refuse a superuser or BYPASSRLS role (row-level security
    must apply to every request). Returns the role's attributes; raises :class:`TarboxError`
    (EACCES for such a role, EIO when the database cannot be reached)."""

    async def probe() -> dict:
        gw = Gateway(dsn, min_size=1, max_size=1, timeout=10)
        await gw.pool.open(wait=True, timeout=10)
        try:
            return await gw.check_role()
        finally:
            await gw.close()

    try:
        role = asyncio.run(probe())
    except Exception as exc:
        raise TarboxError(f"cannot log in as the gateway ({exc}); for an external server give "
                          "--dsn with the credentials of role tarbox_gateway", E.EIO) from exc
    if role["superuser"] or role["bypassrls"]:
        raise TarboxError(f"refusing to serve as {role['role']}: a superuser or BYPASSRLS role would bypass "
                          "row-level security; log in as tarbox_gateway", E.EACCES)
    return role


def factory():
    """The application of a ``--workers`` process (settings from :data:`SETTINGS_ENV`)."""
    return create_app(Settings(**json.loads(os.environ[SETTINGS_ENV])))


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8470, workers: int = 1,
          tls_cert: str | None = None, tls_key: str | None = None, log_level: str = "info") -> None:
    """Run the server until interrupted (blocks). ``tls_cert``/``tls_key``: PEM files for
    HTTPS. Raises :class:`TarboxError` when the gateway cannot log in safely."""
    check_login(settings.dsn)
    ssl = {"ssl_certfile": tls_cert, "ssl_keyfile": tls_key} if tls_cert else {}
    common = dict(host=host, port=port, log_level=log_level, proxy_headers=False,
                  server_header=False, h11_max_incomplete_event_size=64 * 1024, **ssl)
    if workers > 1:
        os.environ[SETTINGS_ENV] = json.dumps(settings.__dict__)
        # Metrics of all workers in one /metrics: prometheus_client's multiprocess mode, in a
        # private directory made empty for this run (the workers are spawned, so they import
        # the collectors after this is set) and removed at the end.
        own_dir = None
        if not os.environ.get(metrics.MULTIPROC_ENV):
            own_dir = tempfile.mkdtemp(prefix="tarbox-serve-metrics-")
            os.environ[metrics.MULTIPROC_ENV] = own_dir
        try:
            uvicorn.run("tarbox_shell.server.run:factory", factory=True, workers=workers, **common)
        finally:
            if own_dir is not None:
                shutil.rmtree(own_dir, ignore_errors=True)
                del os.environ[metrics.MULTIPROC_ENV]
    else:
        uvicorn.run(create_app(settings), **common)
