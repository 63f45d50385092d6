"""The FUSE bridge: each kernel request becomes one call of the SQL inode API.

* :mod:`.operations` — :class:`~.operations.TarboxOperations`, the pyfuse3 handlers (lookup
  counts, file handles, errno mapping) and the :class:`~.operations.ChangeListener` that
  turns the tenant's change notifications into kernel cache invalidations;
* :mod:`.control` — the virtual ``/.tarbox`` control directory and layer snapshots, on top of
  the operations;
* :mod:`.mount` — checks, daemonizing, serving and unmounting;
* :mod:`.session` — the mount's registration in ``tarbox.mount_session`` (unlinked-but-open
  files across mounts);
* :mod:`.trio_pg` — psycopg's async connection driven on trio, and a small pool.

Imports: :mod:`tarbox_shell.db` and :mod:`tarbox_shell.errors` only; only the CLI imports this.
"""
