"""Bulk copies between the host and a tenant.

* :mod:`.tree` — a host directory tree into a tenant and back (``tarbox import DIR``,
  ``tarbox export ... DIR``);
* :mod:`.tarstream` — a layer as a tar stream and a tar stream as a new layer.

Imports: :mod:`tarbox_shell.errors` only (callers pass the connection); only the CLI imports
this.
"""
