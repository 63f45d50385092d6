"""The benchmark behind ``make bench`` (``python -m tarbox_shell.bench``): not part of the
product. Tarbox against JuiceFS-on-PostgreSQL, bindfs and tmpfs on the same workloads, plus
the layer figures.

* :mod:`.harness` — runs every filesystem in a child process and prints the table;
* :mod:`.targets` — how each filesystem is mounted and cleaned up;
* :mod:`.workloads` — the workloads, run inside a mount point;
* :mod:`.layers` — layer costs measured with direct SQL as tenant roles;
* :mod:`.wasi` — CPython for WASI on a tenant (``tarbox wasi run``), a FUSE mount and tmpfs;
* :mod:`.report` — the table and the JSON file.

Imports: anything in :mod:`tarbox_shell` but the CLI; nothing outside ``bench`` imports this.
"""
