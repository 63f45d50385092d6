"""``mount.fuse.tarbox``: the mount helper that ``mount(8)`` runs for filesystem type
``fuse.tarbox``, so that ``mount -t fuse.tarbox tarbox:TENANT DIR -o OPTIONS`` and an
``/etc/fstab`` line work as for other FUSE filesystems.

``mount(8)`` calls ``mount.fuse.tarbox SOURCE DIR [-sfnv] [-o OPTIONS] [-t TYPE]``. SOURCE is
``tarbox:TENANT`` (as ``/proc/mounts`` shows it). Options (comma-separated):

=====================  ==================================================================
``ro`` / ``rw``        read-only or read-write (default rw)
``allow_other``        let other users in (FUSE allow_other)
``config=FILE``        TOML file of ``[[native_mount]]`` tables added to this mount
``layer=L``            mount layer L (name, tag or id) read-only, pinned
``dsn=DSN``            libpq connection string (default: ``$TARBOX_DSN``, else the embedded cluster)
``user=NAME``          the user the mount serves (``{user}`` in native sources)
``log=FILE``           append the mount daemon's log to FILE
``debug``              verbose logging
``remount``            with ``ro``/``rw``: change the running mount (see below)
=====================  ==================================================================

Options that only concern ``mount(8)`` or the kernel's generic mount flags (``defaults``,
``auto``, ``noauto``, ``nofail``, ``_netdev``, ``user``, ``users``, ``x-*``, ``comment=``,
``nosuid``, ``nodev``, ``noexec``, ``exec``, ``suid``, ``dev``, ``noatime``, ``relatime``, ...)
and the FUSE options of ``/proc/mounts`` (``user_id=``, ``group_id=``, ``default_permissions``,
...), which ``mount(8)`` passes back on a remount, are accepted and ignored: a Tarbox mount is
always ``nosuid,nodev,noatime,default_permissions``.

The helper returns once the filesystem is mounted and served (``tarbox mount`` daemonizes
and waits for the child). ``remount`` never starts a second daemon: it asks the kernel to
change the running mount (``mount(2)`` with ``MS_REMOUNT``, keeping the mount's other flags);
the daemon of a mount started read-only notices at the first change that the kernel now
lets through, and serves it. ``umount DIR`` and ``umount tarbox:TENANT`` unmount with no
helper: the daemon sees the kernel end the session and exits.

Exit status as ``mount(8)`` expects: 0 mounted, 1 bad usage, 32 mount failure.

Imports: :mod:`tarbox_shell.fuse`, :mod:`tarbox_shell.errors` and the CLI's native mount
configuration reader.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys

from ..errors import TarboxError, one_line
from ..fuse import mount
from .native import read_config

PROG = "mount.fuse.tarbox"
EXIT_USAGE, EXIT_FAILURE = 1, 32

#: Options of mount(8), fstab or the kernel's generic mount flags: accepted, ignored.
IGNORED = {"defaults", "auto", "noauto", "nofail", "_netdev", "user", "users", "owner", "group",
           "nouser", "nosuid", "nodev", "noexec", "exec", "suid", "dev", "async", "sync", "dirsync",
           "noatime", "atime", "relatime", "norelatime", "strictatime", "nodiratime", "diratime",
           "lazytime", "nolazytime", "silent", "loud", "nosymfollow", "symfollow"}
#: ... and the FUSE options the kernel shows in /proc/mounts, which mount(8) passes back on a
#: remount (a Tarbox mount sets them itself).
IGNORED |= {"default_permissions", "allow_root", "auto_unmount", "kernel_cache"}
IGNORED_PREFIXES = ("x-", "comment=", "X-", "user_id=", "group_id=", "rootmode=", "max_read=",
                    "blksize=", "fd=", "fsname=", "subtype=")

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME = 32, 1024, 2048
_MOUNT_FLAGS = {"ro": MS_RDONLY, "nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME}


class UsageError(Exception):
    """A bad command line (exit 1)."""


def parse_args(argv: list[str]) -> tuple[str, str, dict[str, str | bool]]:
    """``(tenant, mount point, options)`` from mount(8)'s helper arguments. Raises
    :class:`UsageError` for a missing argument, an unknown flag or option, or a source
    that is not ``tarbox:TENANT``."""
    positional: list[str] = []
    raw: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "-o":
            if i + 1 >= len(argv):
                raise UsageError("-o needs a value")
            raw.extend(o for o in argv[i + 1].split(",") if o)
            i += 2
            continue
        if arg.startswith("-o") and len(arg) > 2:
            raw.extend(o for o in arg[2:].split(",") if o)
        elif arg == "-t":
            i += 1  # the type (fuse.tarbox): what we are
        elif arg in ("-s", "-f", "-n", "-v", "-sn", "-nv", "-sv", "-snv"):
            pass    # sloppy, fake, no mtab, verbose: nothing to do differently
        elif arg == "-N":
            raise UsageError("mounting in another mount namespace (-N) is not supported")
        elif arg.startswith("-"):
            raise UsageError(f"unknown flag {arg}")
        else:
            positional.append(arg)
        i += 1
    if len(positional) != 2:
        raise UsageError(f"usage: {PROG} tarbox:TENANT MOUNTPOINT [-o OPTIONS]")
    source, target = positional
    if not source.startswith("tarbox:") or len(source) == len("tarbox:"):
        raise UsageError(f"source {source!r} is not tarbox:TENANT")
    opts: dict[str, str | bool] = {}
    for o in raw:
        key, eq, value = o.partition("=")
        if key in ("ro", "rw", "allow_other", "debug", "remount") and not eq:
            opts[key] = True
        elif key in ("config", "layer", "dsn", "user", "log") and eq:
            opts[key] = value
        elif o in IGNORED or o.startswith(IGNORED_PREFIXES) or (key in ("user", "users") and eq):
            continue
        else:
            raise UsageError(f"unknown option {o!r}")
    if opts.get("ro") and opts.get("rw"):
        raise UsageError("options ro and rw contradict each other")
    return source[len("tarbox:"):], target, opts


def remount(target: str, read_only: bool) -> None:
    """``mount(2)`` with ``MS_REMOUNT`` on the running tarbox mount at ``target``, read-only
    or read-write, keeping its per-mount flags (nosuid, nodev, noatime ...). Raises
    :class:`TarboxError`: EINVAL when no tarbox mount is there, the kernel's errno else."""
    absolute = os.path.realpath(target)
    found = mount.find_mount(absolute)
    if found is None or found[0] != mount.FSTYPE:
        raise TarboxError(f"{target} is not a tarbox mount: nothing to remount", errno.EINVAL)
    flags = MS_REMOUNT | (MS_RDONLY if read_only else 0)
    for name in mount.mount_options(absolute):
        if name != "ro":
            flags |= _MOUNT_FLAGS.get(name, 0)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(None, os.fsencode(absolute), None, ctypes.c_ulong(flags), None) != 0:
        err = ctypes.get_errno()
        raise TarboxError(f"cannot remount {target}: {os.strerror(err)}", err)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``mount.fuse.tarbox`` (exits with mount(8)'s status)."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        tenant, target, opts = parse_args(argv)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    try:
        if opts.get("remount"):
            remount(target, bool(opts.get("ro")))
            sys.exit(0)
        config = read_config(str(opts["config"])) if "config" in opts else None
        layer = opts.get("layer")
        plan = mount.prepare(tenant, target, opts.get("dsn") or None,  # type: ignore[arg-type]
                             read_only=bool(opts.get("ro")) or layer is not None,
                             allow_other=bool(opts.get("allow_other")), debug=bool(opts.get("debug")),
                             native_config=config, user=opts.get("user") or None)  # type: ignore[arg-type]
        if layer is not None:
            plan.layer = mount.resolve_layer(plan, str(layer))
        log_file = os.path.abspath(str(opts["log"])) if "log" in opts else None
        mount.mount(plan, foreground=False, log_file=log_file)
    except TarboxError as exc:
        print(f"{PROG}: {exc.message}", file=sys.stderr)
        sys.exit(EXIT_FAILURE)
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback
        print(f"{PROG}: {type(exc).__name__}: {one_line(exc)}", file=sys.stderr)
        sys.exit(EXIT_FAILURE)
    sys.exit(0)


if __name__ == "__main__":
    main()
