"""The ASGI application: :func:`create_app` builds it from :class:`Settings`.

Routes (``<base>`` is ``--base-path``, default empty): ``<base>/api/v1/fs/...`` (the RunMat
remote-filesystem contract, :mod:`.remote_fs`), ``<base>/api/v1/files|stat|dir|...`` (:mod:`.files`),
``<base>/api/v1/layers|diff|usage`` (:mod:`.layers`), ``<base>/api/v1/audit`` (:mod:`.audit`),
``<base>/api/v1/inodes/...``, ``/sync`` and ``/whoami`` (:mod:`.inodes`, the WASI host's HTTP
mode), ``<base>/health``, ``<base>/metrics``, ``<base>/openapi.json`` and the docs page
``<base>/docs``.

Every error, whatever raised it, is answered with the JSON body ``{error, errno, message}``
(:mod:`.errors`); no traceback leaves the server (it is logged).
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass

import psycopg
import psycopg_pool
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import TarboxError
from . import archives, audit, files, inodes, large_files, layers, metrics, remote_fs
from .bodies import DEFAULT_DATA_LIMIT, DEFAULT_JSON_LIMIT, BodyLimit
from .errors import HTTPProblem, errno_name, problem_of
from .gateway import Gateway

import errno as E

log = logging.getLogger("tarbox.server")


@dataclass
class Settings:
    """What ``tarbox serve`` configures.

    Attributes:
        dsn: libpq DSN logging in as ``tarbox_gateway`` (:func:`tarbox_shell.db.gateway_dsn`).
        base_path: URL prefix of every route ('' or '/x/y', no trailing '/').
        pool_min, pool_max: connection pool size.
        db_timeout: seconds to wait for a database connection before answering 503.
        statement_timeout_ms: PostgreSQL statement_timeout of the gateway's sessions.
        data_limit: bytes allowed in a file-data request body (PUT/PATCH, tar import).
        json_limit: bytes allowed in any other request body.
    """

    dsn: str
    base_path: str = ""
    pool_min: int = 2
    pool_max: int = 16
    db_timeout: float = 5.0
    statement_timeout_ms: int = 60_000
    data_limit: int = DEFAULT_DATA_LIMIT
    json_limit: int = DEFAULT_JSON_LIMIT


def normalize_base(base: str | None) -> str:
    """'' for '/' or None; otherwise '/x/y' (leading '/', no trailing '/')."""
    base = (base or "").strip()
    base = "/" + base.strip("/") if base.strip("/") else ""
    return base


def _problem_response(p: HTTPProblem) -> JSONResponse:
    metrics.ERRORS.labels(errno_name(p.errno)).inc()
    return JSONResponse(p.body(), status_code=p.status, headers=p.headers)


class Metrics:
    """ASGI middleware counting requests by method, route template and status, and timing them
    until the response starts."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        """Handle one ASGI event stream."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = {"code": 500}

        async def timed_send(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                route = scope.get("route")
                name = getattr(route, "path", "unmatched")
                metrics.LATENCY.labels(scope["method"], name).observe(time.perf_counter() - t0)
                metrics.REQUESTS.labels(scope["method"], name, str(message["status"])).inc()
            await send(message)

        await self.app(scope, receive, timed_send)


def create_app(settings: Settings, gateway: Gateway | None = None) -> FastAPI:
    """Build the ASGI application.

    Args:
        settings: see :class:`Settings`.
        gateway: an existing :class:`Gateway` (tests); default: one made from the settings,
            opened at startup and closed at shutdown.
    """
    base = normalize_base(settings.base_path)
    # psycopg warns about every pipeline a refused token aborts; those are answered 401.
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    gw = gateway or Gateway(settings.dsn, settings.pool_min, settings.pool_max, settings.db_timeout,
                            settings.statement_timeout_ms)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        if gateway is None:
            await gw.open()
        try:
            yield
        finally:
            if gateway is None:
                await gw.close()

    app = FastAPI(
        title="Tarbox HTTP API", version=__version__, lifespan=lifespan,
        description="A tenant of Tarbox (a filesystem stored in PostgreSQL) over HTTP. Authenticate with "
        "`Authorization: Bearer <token>` (`tarbox token create TENANT`); each request is one SQL call in one "
        "transaction as the token's tenant. Paths are percent-encoded bytes. Errors are JSON "
        "`{error, errno, message}` with the HTTP status of the errno.",
        openapi_url=f"{base}/openapi.json", docs_url=f"{base}/docs", redoc_url=None)
    app.state.gateway = gw
    app.state.settings = settings

    api = f"{base}/api/v1"
    app.state.api_prefix = api
    app.include_router(remote_fs.router, prefix=api)
    app.include_router(large_files.router, prefix=api)
    app.include_router(files.router, prefix=api)
    app.include_router(archives.router, prefix=api)  # before layers: /layers/import is no {ref}
    app.include_router(layers.router, prefix=api)
    app.include_router(audit.router, prefix=api)
    app.include_router(inodes.router, prefix=api)

    @app.get(f"{base}/health", tags=["operations"], summary="Health",
             description="200 `{status: ok}` when the database answers, else 503.")
    async def health():
        await gw.ping()
        return {"status": "ok"}

    @app.get(f"{base}/metrics", tags=["operations"], response_class=Response, summary="Prometheus metrics",
             description="Requests, latency histograms, file bytes and errors by errno, in the Prometheus "
             "text format.")
    async def prometheus():
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(HTTPProblem)
    async def on_problem(request: Request, exc: HTTPProblem):
        return _problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError):
        parts = []
        for err in exc.errors()[:5]:
            where = ".".join(str(x) for x in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return _problem_response(HTTPProblem(422, E.EINVAL, "invalid request: " + "; ".join(parts)))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException):
        value = {404: E.ENOENT, 405: E.EOPNOTSUPP}.get(exc.status_code, E.EINVAL)
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404:
            detail = f"no such route: {request.method} {request.url.path}"
        return _problem_response(HTTPProblem(exc.status_code, value, detail, dict(exc.headers or {})))

    async def on_database(request: Request, exc: Exception):
        p = problem_of(exc)
        if p.status == 500:
            log.error("error on %s %s: %s", request.method, request.url.path, p.message)
        return _problem_response(p)

    for kind in (psycopg.Error, psycopg_pool.PoolTimeout, TarboxError, OSError):
        app.add_exception_handler(kind, on_database)

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception):
        log.error("internal error on %s %s: %s: %s", request.method, request.url.path,
                  type(exc).__name__, exc, exc_info=exc)
        return _problem_response(problem_of(exc))

    app.add_middleware(BodyLimit, data_limit=settings.data_limit, json_limit=settings.json_limit)
    app.add_middleware(Metrics)
    return app
