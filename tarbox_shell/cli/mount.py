"""``tarbox mount`` and ``tarbox umount``: argument parsing for :mod:`tarbox_shell.fuse.mount`,
which checks, daemonizes and serves.

Imports: :mod:`tarbox_shell.fuse` and the CLI's native mount configuration reader.
"""

from __future__ import annotations

import os

import click

from ..fuse import mount
from .native import read_config


def _group_dsn(ctx: click.Context) -> str | None:
    """The root group's ``--dsn`` (str or None)."""
    root = ctx.find_root()
    return getattr(root.obj, "dsn", None) if root is not ctx else None


@click.command("mount")
@click.argument("tenant")
@click.argument("mountpoint")
@click.option("--read-only", is_flag=True, help="Mount read-only (ro; changes fail with EROFS).")
@click.option("--foreground", "-f", is_flag=True, help="Stay in the foreground, log to stderr.")
@click.option("--allow-other", is_flag=True, help="Let other users access the mount (allow_other).")
@click.option("--dsn", metavar="DSN", default=None,
              help="libpq connection string (default: the tarbox --dsn, $TARBOX_DSN, "
                   "else the embedded cluster).")
@click.option("--log", "log_file", type=click.Path(dir_okay=False), default=None,
              help="Append the mount's log to this file.")
@click.option("--debug", is_flag=True, help="Verbose logging, including every FUSE request.")
@click.option("--layer", "layer", default=None, metavar="LAYER",
              help="Mount this layer (name, tag or id) read-only, pinned: it does not follow switches.")
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="TOML file whose [[native_mount]] tables add native mounts to this mount.")
@click.option("--user", "user", default=None, metavar="NAME",
              help="The user this mount serves: {user} in native mount sources "
                   "(default: $SUDO_USER, else the current user).")
@click.pass_context
def mount_command(ctx: click.Context, tenant: str, mountpoint: str, read_only: bool,
                  foreground: bool, allow_other: bool, dsn: str | None, log_file: str | None,
                  debug: bool, layer: str | None, config: str | None, user: str | None) -> None:
    """Mount TENANT's filesystem on MOUNTPOINT (FUSE).

    Runs in the background once mounted unless --foreground; SIGINT/SIGTERM unmount.
    Unmount with `tarbox umount MOUNTPOINT`.
    """
    native_config = read_config(config) if config else None
    plan = mount.prepare(tenant, mountpoint, dsn or _group_dsn(ctx), read_only=read_only or layer is not None,
                         allow_other=allow_other, debug=debug, native_config=native_config, user=user)
    if layer is not None:
        plan.layer = mount.resolve_layer(plan, layer)
    if log_file:
        log_file = os.path.abspath(log_file)
    mount.mount(plan, foreground=foreground, log_file=log_file)


@click.command("umount")
@click.argument("mountpoint")
@click.option("--lazy", "-z", is_flag=True, help="Detach even if busy (fusermount3 -u -z).")
def umount_command(mountpoint: str, lazy: bool) -> None:
    """Unmount a tarbox MOUNTPOINT (fusermount3 -u)."""
    mount.umount(mountpoint, lazy=lazy)
