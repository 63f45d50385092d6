"""The FUSE bridge: each kernel request becomes one call of the SQL inode API (below a native
mount: host system calls, no SQL).

* :mod:`.dispatch` — the :class:`~.dispatch.Dispatcher` (the pyfuse3 Operations) that sends each
  request to the component owning its inode, and the :class:`~.dispatch.Component` base;
* :mod:`.operations` — :class:`~.operations.TarboxOperations`, the tenant's tree (lookup
  counts, file handles, errno mapping; SQL inode API) and the
  :class:`~.operations.ChangeListener` that turns the tenant's change notifications into
  kernel cache invalidations;
* :mod:`.control` — the virtual ``/.tarbox`` control directory and the read-only layer views;
* :mod:`.passthrough` — a native mount: one host directory passed through (no SQL);
* :mod:`.compose` — a composition: another tenant's published layer, read-only (SQL
  ``compose_*`` API);
* :mod:`.beneath` — the host system calls a native mount may make (never outside its source);
* :mod:`.stats` — the mount's own counters (``/.tarbox/stats/performance`` and ``cache``);
* :mod:`.mount` — checks, daemonizing, serving and unmounting;
* :mod:`.session` — the mount's registration in ``tarbox.mount_session`` (unlinked-but-open
  files across mounts);
* :mod:`.trio_pg` — psycopg's async connection driven on trio, and a small pool.

Imports: :mod:`tarbox_shell.db` and :mod:`tarbox_shell.errors` only; only the CLI imports this.
"""
