"""Bulk copies between the host and a tenant.

* :mod:`.tree` — a host directory tree into a tenant and back (``tarbox import DIR``,
  ``tarbox export ... DIR``);
* :mod:`.tarstream` — a layer as a tar stream and a tar stream as a new layer;
* :mod:`.note` — the one audit record that sums up an import or an export.

Imports: :mod:`tarbox_shell.errors` and :mod:`tarbox_shell.db` (its value helpers: callers pass
the connection); only the CLI imports this.
"""
