"""The file commands over HTTP (``tarbox --url URL --token TOKEN ls|stat|cat|put|get|mkdir|rm|mv|ln``):
the same commands as :mod:`.files`, through :class:`tarbox_shell.client.TarboxClient`. The
token decides the tenant; the ``TENANT:`` of a ``TENANT:/path`` argument is not used.

Imports: :mod:`tarbox_shell.client`, :mod:`tarbox_shell.errors`, :mod:`tarbox_shell.transfer.tree`
(the host side of ``get``) and the CLI's context.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import stat as st
import sys

import click

from ..client import Entry, TarboxClient
from ..errors import TarboxError
from ..transfer import tree
from .context import TPath

TYPE_BITS = {
    "file": st.S_IFREG, "dir": st.S_IFDIR, "symlink": st.S_IFLNK, "fifo": st.S_IFIFO,
    "socket": st.S_IFSOCK, "chardev": st.S_IFCHR, "blockdev": st.S_IFBLK,
}


def _row(e: Entry, path: str) -> dict:
    return {"name": os.fsdecode(e.name) if e.name else path, "path": path, "type": e.type, "ino": e.ino,
            "mode": e.mode & 0o7777, "nlink": e.nlink, "uid": e.uid, "gid": e.gid, "size": e.size,
            "mtime": dt.datetime.fromtimestamp(e.mtime_ns / 1e9, dt.timezone.utc).isoformat(), "etag": e.etag,
            "target": os.fsdecode(e.target) if e.target is not None else None}


def ls(c: TarboxClient, paths: tuple[TPath, ...], long: bool, as_json: bool) -> None:
    """``ls`` over HTTP."""
    out = []
    for tp in paths:
        e = c.stat(tp.path)
        entries = c.list(tp.path) if e.type == "dir" else [e]
        rows = [_row(x, tp.path.rstrip("/") + "/" + os.fsdecode(x.name)) for x in entries]
        if as_json:
            out += rows
            continue
        for r in rows:
            if not long:
                click.echo(r["name"])
                continue
            name = r["name"] + (f" -> {r['target']}" if r["target"] is not None else "")
            click.echo(f"{st.filemode(TYPE_BITS.get(r['type'], 0) | r['mode'])} {r['uid']:>5} {r['gid']:>5} "
                       f"{r['size']:>10} {r['mtime'][:16].replace('T', ' ')} {name}")
    if as_json:
        click.echo(json.dumps(out, indent=2))


def stat(c: TarboxClient, paths: tuple[TPath, ...], follow: bool, as_json: bool) -> None:
    """``stat`` over HTTP (``--json`` prints the entries, etag included)."""
    rows = [_row(c.stat(tp.path, follow=follow), tp.path) for tp in paths]
    if as_json:
        click.echo(json.dumps(rows if len(rows) > 1 else rows[0], indent=2))
        return
    for r in rows:
        click.echo(f"  File: {r['path']}" + (f" -> {r['target']}" if r["target"] is not None else ""))
        click.echo(f"  Size: {r['size']:<12} Type: {r['type']}  Inode: {r['ino']}  Links: {r['nlink']}")
        click.echo(f"Access: ({r['mode']:04o})  Uid: {r['uid']}  Gid: {r['gid']}")
        click.echo(f"Modify: {r['mtime']}  ETag: {r['etag']}")


def cat(c: TarboxClient, paths: tuple[TPath, ...]) -> None:
    """``cat`` over HTTP (streamed)."""
    out = sys.stdout.buffer
    for tp in paths:
        for chunk in c.iter_read(tp.path):
            out.write(chunk)
    out.flush()


def put(c: TarboxClient, hostfile: str, dest: TPath) -> None:
    """``put`` over HTTP: one streamed PUT, atomic like the SQL form."""
    path = dest.path
    try:
        if c.stat(path).type == "dir":
            if hostfile == "-":
                raise TarboxError(f"{dest}: is a directory", errno.EISDIR)
            path = path.rstrip("/") + "/" + os.path.basename(hostfile)
    except TarboxError as exc:
        if exc.errno != errno.ENOENT:
            raise
    src = sys.stdin.buffer if hostfile == "-" else open(hostfile, "rb")
    try:
        c.write_file(path, iter(lambda: src.read(1 << 20), b""))
    finally:
        if src is not sys.stdin.buffer:
            src.close()


def get(c: TarboxClient, src: TPath, hostfile: str, faithful: tree.Faithful = tree.Faithful()) -> None:
    """``get`` over HTTP into a host file or stdout: the host file is written as over SQL
    (:func:`tarbox_shell.transfer.tree.write_host_file`: safe by default, ``faithful`` for a
    faithful copy)."""
    if hostfile == "-":
        cat(c, (src,))
        return
    target = os.path.join(hostfile, os.path.basename(src.path.rstrip("/")) or "root") \
        if os.path.isdir(hostfile) and not os.path.islink(hostfile) else hostfile
    e = c.stat(src.path)
    if e.type != "file":
        raise TarboxError(f"{src}: not a regular file", errno.EISDIR if e.type == "dir" else errno.EINVAL)
    tree.write_host_file(target, c.iter_read(src.path, if_match=e.etag), e.mode, e.uid, e.gid, faithful)


def mkdir(c: TarboxClient, paths: tuple[TPath, ...], parents: bool, mode: int | None) -> None:
    """``mkdir`` over HTTP."""
    for tp in paths:
        c.mkdir(tp.path, 0o755 if mode is None else mode, parents)


def rm(c: TarboxClient, paths: tuple[TPath, ...], recursive: bool, force: bool) -> None:
    """``rm`` over HTTP."""
    for tp in paths:
        try:
            c.rm(tp.path, recursive)
        except TarboxError as exc:
            if not (force and exc.errno == errno.ENOENT):
                raise


def mv(c: TarboxClient, src: TPath, dst: TPath) -> None:
    """``mv`` over HTTP (into DST when it is a directory, as mv(1))."""
    target = dst.path
    try:
        if c.stat(target).type == "dir":
            target = target.rstrip("/") + "/" + os.path.basename(src.path.rstrip("/"))
    except TarboxError as exc:
        if exc.errno != errno.ENOENT:
            raise
    c.rename(src.path, target)


def ln(c: TarboxClient, target: str, link: TPath, symbolic: bool) -> None:
    """``ln`` over HTTP."""
    if symbolic:
        c.symlink(target, link.path)
    else:
        c.link(target.split(":", 1)[1] if ":" in target and not target.startswith("/") else target, link.path)
