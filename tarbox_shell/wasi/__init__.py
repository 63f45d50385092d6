"""Tarbox as a WASI filesystem: a file-descriptor client over a tenant, and a WASI preview 1
host for wasmtime whose filesystem calls that client serves.

Imports: :mod:`tarbox_shell.client` (HTTP mode), :mod:`tarbox_shell.db` and
:mod:`tarbox_shell.errors` (and the ``wasmtime`` and ``psycopg`` libraries); the CLI imports
it. It sits beside ``fuse`` and ``transfer`` and imports neither.

* :mod:`.errors` maps errno values to WASI's errno numbers (the one place) and defines
  :class:`WasiError`;
* :mod:`.types` holds the WASI flag sets and records (:class:`OpenFlags`, :class:`FileStat`,
  :class:`DirEntry`, ...), and :class:`ClientConfig`;
* :mod:`.backend` is the interface a client talks to and :class:`DirectBackend`, which makes
  one SQL call (one transaction, as the tenant role) per operation;
* :mod:`.remote` is :class:`HttpBackend`, one request of ``tarbox serve``'s inode routes per
  operation (HTTP mode: ``tarbox wasi run --url URL --token T``);
* :mod:`.client` is :class:`WasiClient`, the descriptor table (positions, flags, rights live
  here, as FUSE file handles live in the bridge) with the operations named as WASI names them,
  and, when the backend allows it (HTTP mode), held small writes and known attributes;
* :mod:`.host` shadows wasmtime's WASI filesystem imports with the client; stdio, args, env,
  clocks and random stay wasmtime's;
* :mod:`.modules` loads modules and caches their compiled form; :mod:`.run` runs one program.
"""

from .backend import Attr, Backend, DirectBackend, open_backend
from .client import WasiClient
from .errors import DatabaseUnavailable, WasiError, wasi_errno
from .types import (ClientConfig, DirEntry, FdFlags, FdStat, FileStat, FileType, FstFlags,
                    LookupFlags, OFlags, OpenFlags, Rights, Whence)

__all__ = [
    "Attr", "Backend", "ClientConfig", "DatabaseUnavailable", "DirEntry", "DirectBackend",
    "FdFlags", "FdStat", "FileStat", "FileType", "FstFlags", "LookupFlags", "OFlags",
    "OpenFlags", "Rights", "WasiClient", "WasiError", "Whence", "open_backend", "wasi_errno",
]
