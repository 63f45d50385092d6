"""A small, typed Python client of Tarbox's HTTP API (httpx), used by the CLI when given
``--url``/``$TARBOX_URL`` and a token, and by the WASI host's HTTP mode.

* :mod:`.http` — :class:`TarboxClient`: stat, list, read at offset/length, write at offset,
  whole-file put, truncate, mkdir, rm, rename, symlink/readlink, link, utimes, chmod, chown,
  xattrs, layers, usage; and the inode routes a WASI host needs (``getattr``, ``pread``,
  ``pwrite``, ``readdir``, ``open_at``, ``stat_at``, ... by inode number and beneath a
  directory inode); every error a :class:`RemoteError` carrying the errno.

Paths are ``bytes`` (Tarbox names need not be UTF-8) or ``str`` (encoded as UTF-8).

Imports: :mod:`tarbox_shell.errors` only (never the database: it speaks HTTP).
"""

from .http import Entry, InodeAttr, InodeEntry, RemoteError, TarboxClient

__all__ = ["Entry", "InodeAttr", "InodeEntry", "RemoteError", "TarboxClient"]
