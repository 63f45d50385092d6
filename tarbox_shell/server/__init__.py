"""The HTTP API (``tarbox serve``): an ASGI application (FastAPI on uvicorn) that is a shell
like the FUSE bridge: each request is parsed, becomes one SQL call (one pipeline: the token
check, ``SET LOCAL ROLE`` to the token's tenant and the API call) in one transaction, and is
answered.

* :mod:`.app` — :func:`create_app` and :class:`Settings`: routes, error handlers, ``/health``,
  ``/metrics``, the OpenAPI schema;
* :mod:`.gateway` — the psycopg async connection pool as ``tarbox_gateway`` and the one way a
  request reaches SQL (:meth:`Gateway.call`, :meth:`Gateway.transaction`);
* :mod:`.errors` — the one mapping from errno to HTTP status and the JSON error body;
* :mod:`.paths` — tenant paths are bytes: percent-decoding of raw URLs, percent-encoding out;
* :mod:`.bodies` — bounded request bodies and streamed uploads/downloads in block-sized pieces;
* :mod:`.remote_fs` — the remote-filesystem contract of sandboxed runtimes (``/api/v1/fs``);
* :mod:`.large_files` — the contract's large-file routes: download URLs and upload sessions;
* :mod:`.files` and :mod:`.layers` — Tarbox's own routes (``/api/v1/files``, ``/api/v1/layers``...);
* :mod:`.archives` — a layer as a tar stream and a tar upload as a new layer (reusing
  :mod:`tarbox_shell.transfer.tarstream` on a pooled connection);
* :mod:`.inodes` — descriptors by inode and paths beneath a directory inode (``/api/v1/inodes``):
  what the WASI host needs in HTTP mode;
* :mod:`.models` — the JSON shapes (pydantic) the OpenAPI schema documents;
* :mod:`.metrics` — Prometheus collectors;
* :mod:`.run` — ``tarbox serve``: uvicorn with the CLI's options.

Imports: :mod:`tarbox_shell.db`, :mod:`tarbox_shell.transfer` and :mod:`tarbox_shell.errors`
(never the CLI, the FUSE bridge or the client).
"""
