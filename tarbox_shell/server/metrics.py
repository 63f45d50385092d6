"""Prometheus collectors of the HTTP server (``GET /metrics``, text format): requests by
method, route template and status, their latency, bytes of file data in and out, and errors by
errno name. Per server process (each ``--workers`` process counts its own requests).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter("tarbox_http_requests_total", "HTTP requests answered",
                   ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram("tarbox_http_request_seconds", "Time to answer an HTTP request (until the "
                    "response starts)", ["method", "route"], registry=REGISTRY,
                    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
BYTES = Counter("tarbox_http_file_bytes_total", "File data bytes moved", ["direction"],
                registry=REGISTRY)
ERRORS = Counter("tarbox_http_errors_total", "Error responses by errno", ["errno"], registry=REGISTRY)
