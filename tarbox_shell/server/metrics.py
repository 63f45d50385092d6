"""Prometheus collectors of the HTTP server (``GET /metrics``, text format): requests by
method, route template and status, their latency, bytes of file data in and out, and errors by
errno name. With ``--workers N`` every process records into files of the directory
``$PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode, set up by
:func:`tarbox_shell.server.run.serve`), and ``/metrics``, whichever worker answers it, reports
the sum over all workers.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

#: The environment variable of prometheus_client's multiprocess mode.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter("tarbox_http_requests_total", "HTTP requests answered",
                   ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram("tarbox_http_request_seconds", "Time to answer an HTTP request (until the "
                    "response starts)", ["method", "route"], registry=REGISTRY,
                    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
BYTES = Counter("tarbox_http_file_bytes_total", "File data bytes moved", ["direction"],
                registry=REGISTRY)
ERRORS = Counter("tarbox_http_errors_total", "Error responses by errno", ["errno"], registry=REGISTRY)


def exposition() -> bytes:
    """The text exposition of every collector: of this process, or in multiprocess mode (see
    the module docstring) of all the server's processes together."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
