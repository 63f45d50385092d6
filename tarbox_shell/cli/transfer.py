"""``tarbox import`` and ``tarbox export``: host trees and tar archives in and out of a
tenant, with a progress bar (rich) on a terminal; the work is :mod:`tarbox_shell.transfer`.

Imports: :mod:`tarbox_shell.transfer`, :mod:`tarbox_shell.errors` and the CLI's context.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
import time

import click

from ..errors import TarboxError
from ..transfer import tarstream, tree
from .context import State, parse_tpath, pass_state, tenant_or_tpath
from .files import faithful_options


def _progress(label: str, total_entries: int | None, total_bytes: int | None):
    from rich.console import Console
    from rich.progress import (BarColumn, DownloadColumn, Progress,
                               TextColumn, TimeElapsedColumn, TransferSpeedColumn)

    console = Console(stderr=True)
    prog = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TextColumn("{task.fields[entries]} entries"), TimeElapsedColumn(),
        console=console, transient=False, disable=not console.is_terminal,
    )
    task = prog.add_task(label, total=total_bytes, entries=0)
    counts = {"entries": 0}

    def advance(entries: int, nbytes: int) -> None:
        counts["entries"] += entries
        prog.update(task, advance=nbytes, entries=counts["entries"])

    return prog, advance


def _summary(verb: str, stats: tree.TransferStats) -> str:
    mb = stats.bytes / 1e6
    text = (f"{verb} {stats.entries} entries ({stats.files} files, {stats.dirs} dirs, "
            f"{stats.symlinks} symlinks, {stats.hardlinks} hard links, {stats.specials} special), "
            f"{mb:.1f} MB in {stats.seconds:.2f} s")
    if stats.skipped:
        text += (f"; skipped {stats.skipped} device nodes (--devices copies them) or special files"
                 " the host refused")
    return text


@click.command("import")
@click.argument("source", type=str)
@click.argument("dest", type=str)
@click.option("--layer", "layer", default=None, metavar="NAME",
              help="Tar import: the name of the new layer (default import-<time>).")
@click.option("--yes", "confirm", is_flag=True,
              help="Tar import on a historical layer: delete the later layers.")
@click.option("--json", "as_json", is_flag=True, help="Print the counters as JSON.")
@pass_state
def import_cmd(state: State, source: str, dest: str, layer: str | None, confirm: bool, as_json: bool) -> None:
    """Copy host directory SOURCE into TENANT:/path (created; must be empty), or import the tar
    archive SOURCE (a file, or - for standard input) as a new layer of TENANT[:/path]."""
    if source == "-" or os.path.isfile(source):
        tp = tenant_or_tpath(dest)
        conn = state.tenant(tp.tenant)
        name = layer or time.strftime("import-%Y%m%d-%H%M%S")
        prog, advance = _progress(f"import {source} as layer {name}", None, None)
        with prog, (click.open_file(source, "rb") if source != "-" else _stdin_binary()) as fh:
            counts = tarstream.import_tar(conn, fh, name, path=tp.path, progress=advance, confirm=confirm)
        click.echo(json.dumps(counts) if as_json else
                   f"imported {counts['entries']} entries ({counts['bytes'] / 1e6:.1f} MB) as layer "
                   f"{counts['layer_id']} {name} in {counts['seconds']:.2f} s")
        return
    if not os.path.isdir(source):
        raise TarboxError(f"{source}: no such directory or tar file", errno.ENOENT)
    tp = parse_tpath(dest)
    conn = state.tenant(tp.tenant)
    entries, nbytes = tree.scan_host_tree(source)
    prog, advance = _progress(f"import {tp}", entries, nbytes)
    with prog:
        stats = tree.import_tree(conn, source, tp.path, progress=advance)
    click.echo(json.dumps(stats.as_dict()) if as_json else _summary("imported", stats))


def _stdin_binary():
    """Standard input as a binary file object that is not closed afterwards."""
    return contextlib.nullcontext(sys.stdin.buffer)


@click.command("export")
@click.argument("src", type=str)
@click.argument("dest", type=str)
@click.option("--layer", "layer", default=None, metavar="LAYER",
              help="Export the tree as of this layer (name, tag, id); implies a tar archive.")
@click.option("--tar", "as_tar", is_flag=True, help="Write a tar archive (also when DEST is - or *.tar).")
@click.option("--json", "as_json", is_flag=True, help="Print the counters as JSON (to stderr for -).")
@click.option("-a", "--archive", is_flag=True,
              help="Directory export: a faithful copy (owners, set-user-ID/set-group-ID bits, device nodes).")
@click.option("--owner", is_flag=True, help="Directory export: give files their stored owners (needs root).")
@click.option("--setid", is_flag=True, help="Directory export: keep set-user-ID/set-group-ID bits.")
@click.option("--devices", is_flag=True, help="Directory export: create device nodes (needs root).")
@pass_state
def export_cmd(state: State, src: str, dest: str, layer: str | None, as_tar: bool, as_json: bool,
               archive: bool, owner: bool, setid: bool, devices: bool) -> None:
    """Copy TENANT:/path (a directory) to host directory DEST (created; must be empty), or write
    TENANT[:/path] as of a layer as a tar archive to DEST (a file, or - for standard output).

    A directory export is safe by default, like cp without -a: no set-user-ID/set-group-ID
    bits, no device nodes (skipped and counted), no owners but the caller's. A tar archive
    keeps everything (it is data; tar applies its own rules when extracting)."""
    if layer is not None or as_tar or dest == "-" or dest.endswith(".tar"):
        tp = tenant_or_tpath(src)
        conn = state.tenant(tp.tenant)
        if dest == "-":
            counts = tarstream.export_tar(conn, sys.stdout.buffer, layer=layer, path=tp.path)
            sys.stdout.buffer.flush()
        else:
            prog, advance = _progress(f"export {tp} as of {layer or 'current'}", None, None)
            with prog, open(dest, "wb") as fh:
                counts = tarstream.export_tar(conn, fh, layer=layer, path=tp.path, progress=advance)
        text = (json.dumps(counts) if as_json else
                f"exported {counts['entries']} entries ({counts['bytes'] / 1e6:.1f} MB) of layer "
                f"{counts['layer']} in {counts['seconds']:.2f} s")
        click.echo(text, err=dest == "-")
        return
    tp = parse_tpath(src)
    conn = state.tenant(tp.tenant)
    prog, advance = _progress(f"export {tp}", None, None)
    with prog:
        stats = tree.export_tree(conn, tp.path, dest, progress=advance,
                                 faithful=faithful_options(archive, owner, setid, devices))
    click.echo(json.dumps(stats.as_dict()) if as_json else _summary("exported", stats))


#: The commands of this module, added to the root group by :mod:`tarbox_shell.cli`.
COMMANDS = [import_cmd, export_cmd]
