"""The file commands, each one call (or a loop of calls) of the SQL path API
(``tarbox.ls``, ``stat``, ``read``, ``write``, ``mkdir``, ``rm``, ``mv``, ``ln``) on a
``TENANT:/path``: ``tarbox ls|stat|cat|put|get|mkdir|rm|mv|ln``; with ``--url`` (or
``$TARBOX_URL``) and a token the same commands go over HTTP (:mod:`.remote`).

Imports: :mod:`tarbox_shell.errors`, :mod:`tarbox_shell.transfer.tree` (``get``), :mod:`.remote` and the CLI's
context.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import stat as st
import sys
from typing import Any, Iterable

import click
import psycopg

from ..errors import TarboxError, translate
from ..transfer import tree
from . import remote
from .context import (TENANT_RE, TPATH, State, TPath, mode_arg, name_in_error, parse_tpath,
                      pass_state, query)

CHUNK = 1 << 20
TYPE_BITS = {
    "file": st.S_IFREG, "dir": st.S_IFDIR, "symlink": st.S_IFLNK, "fifo": st.S_IFIFO,
    "socket": st.S_IFSOCK, "chardev": st.S_IFCHR, "blockdev": st.S_IFBLK, "native": st.S_IFDIR,
}



def _fmt_mode(kind: str, mode: int) -> str:
    return st.filemode(TYPE_BITS.get(kind, 0) | (mode & 0o7777))


def _fmt_time(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    return str(value)


def _fmt_ns(ns: int | None) -> str:
    if ns is None:
        return "-"
    secs, frac = divmod(int(ns), 1_000_000_000)
    t = dt.datetime.fromtimestamp(secs).astimezone()
    return t.strftime("%Y-%m-%d %H:%M:%S") + f".{frac:09d} " + t.strftime("%z")


def _join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name


@click.command("ls")
@click.option("-l", "long", is_flag=True, help="Long listing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.argument("paths", nargs=-1, type=TPATH, required=True)
@pass_state
def ls_cmd(state: State, long: bool, as_json: bool, paths: tuple[TPath, ...]) -> None:
    """List directories (or show files)."""
    if state.client():
        return remote.ls(state.client(), paths, long, as_json)
    out: list[dict] = []
    for tp in paths:
        conn = state.tenant(tp.tenant)
        cur = conn.cursor(row_factory=psycopg.rows.dict_row)
        try:
            rows = cur.execute("SELECT * FROM tarbox.ls(%s::bytea)", (tp.raw,)).fetchall()
        except psycopg.Error as exc:
            raise name_in_error(tp, translate(exc)) from exc
        if as_json:
            for r in rows:
                d = dict(r)
                d["mtime"] = d["mtime"].isoformat() if isinstance(d.get("mtime"), dt.datetime) else d.get("mtime")
                d["path"] = str(tp)
                out.append(d)
            continue
        if len(paths) > 1:
            click.echo(f"{tp}:")
        is_dir = None
        for r in rows:
            if not long:
                click.echo(r["name"])
                continue
            name = r["name"]
            if r["type"] == "native":
                name = f"{name} -> {r['target']} (native mount)"
            elif r["type"] == "symlink":
                if is_dir is None:
                    is_dir = _stat_type(conn, tp.path) == "dir"
                target_path = _join(tp.path, name) if is_dir else tp.path
                try:
                    target = query(conn, "SELECT tarbox.readlink(%s::bytea)",
                                   (os.fsencode(target_path),)).fetchone()[0]
                    name = f"{name} -> {target}"
                except TarboxError:
                    pass
            click.echo(f"{_fmt_mode(r['type'], r['mode'])} {r['uid']:>5} {r['gid']:>5} "
                       f"{r['size']:>10} {_fmt_time(r['mtime'])} {name}")
    if as_json:
        click.echo(json.dumps(out, indent=2))


@click.command("stat")
@click.option("-L", "--dereference", "follow", is_flag=True, help="Follow a final symlink.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.argument("paths", nargs=-1, type=TPATH, required=True)
@pass_state
def stat_cmd(state: State, follow: bool, as_json: bool, paths: tuple[TPath, ...]) -> None:
    """Show inode attributes."""
    if state.client():
        return remote.stat(state.client(), paths, follow, as_json)
    results = []
    for tp in paths:
        conn = state.tenant(tp.tenant)
        cur = conn.cursor(row_factory=psycopg.rows.dict_row)
        try:
            r = cur.execute("SELECT * FROM tarbox.stat(%s::bytea, %s)", (tp.raw, follow)).fetchone()
        except psycopg.Error as exc:
            raise name_in_error(tp, translate(exc)) from exc
        if r is None:
            raise TarboxError(f"{tp}: No such file or directory", errno.ENOENT)
        d = dict(r)
        target = d.get("target")
        d["target"] = os.fsdecode(bytes(target)) if target is not None else None
        d["path"] = str(tp)
        results.append(d)
    if as_json:
        click.echo(json.dumps(results if len(results) > 1 else results[0], indent=2))
        return
    for d in results:
        name = d["path"] + (f" -> {d['target']}" if d["target"] is not None else "")
        click.echo(f"  File: {name}")
        click.echo(f"  Size: {d['size']:<12} Blocks: {d['blocks']:<10} Type: {d['type']}")
        click.echo(f"Inode: {d['ino']:<12} Links: {d['nlink']:<10} Rdev: {d['rdev']}")
        click.echo(f"Access: ({d['mode'] & 0o7777:04o}/{_fmt_mode(d['type'], d['mode'])})  "
                   f"Uid: {d['uid']}  Gid: {d['gid']}")
        click.echo(f"Access: {_fmt_ns(d['atime_ns'])}")
        click.echo(f"Modify: {_fmt_ns(d['mtime_ns'])}")
        click.echo(f"Change: {_fmt_ns(d['ctime_ns'])}")
        click.echo(f" Birth: {_fmt_ns(d['btime_ns'])}")


def _read_chunks(conn: psycopg.Connection, tp: TPath) -> Iterable[bytes]:
    offset = 0
    while True:
        try:
            data = query(conn, "SELECT tarbox.read(%s::bytea, %s::bigint, %s::bigint)", (tp.raw, offset, CHUNK),
                      binary=True).fetchone()[0]
        except TarboxError as exc:
            raise name_in_error(tp, exc) from exc
        if not data:
            return
        yield bytes(data)
        offset += len(data)
        if len(data) < CHUNK:
            return


@click.command("cat")
@click.argument("paths", nargs=-1, type=TPATH, required=True)
@pass_state
def cat_cmd(state: State, paths: tuple[TPath, ...]) -> None:
    """Write file contents to stdout."""
    if state.client():
        return remote.cat(state.client(), paths)
    out = sys.stdout.buffer
    for tp in paths:
        conn = state.tenant(tp.tenant)
        for chunk in _read_chunks(conn, tp):
            out.write(chunk)
    out.flush()


def _stat_type(conn: psycopg.Connection, path: str) -> str | None:
    try:
        row = query(conn, "SELECT type FROM tarbox.stat(%s::bytea, true)", (os.fsencode(path),)).fetchone()
    except TarboxError as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise
    return row[0] if row else None


@click.command("put")
@click.argument("hostfile", type=click.Path(dir_okay=False, allow_dash=True, path_type=str))
@click.argument("dest", type=TPATH)
@pass_state
def put_cmd(state: State, hostfile: str, dest: TPath) -> None:
    """Copy host file HOSTFILE ('-' = stdin) to TENANT:/path (atomically)."""
    if state.client():
        return remote.put(state.client(), hostfile, dest)
    conn = state.tenant(dest.tenant)
    path = dest.path
    kind = _stat_type(conn, path)
    if kind == "dir":
        if hostfile == "-":
            raise TarboxError(f"{dest}: is a directory", errno.EISDIR)
        path = _join(path, os.path.basename(hostfile))
        kind = _stat_type(conn, path)
    if hostfile == "-":
        src = sys.stdin.buffer
        host_mode = None
    else:
        try:
            src = open(hostfile, "rb")
            host_mode = st.S_IMODE(os.fstat(src.fileno()).st_mode)
        except OSError as exc:
            raise translate(exc) from exc
    try:
        with conn.transaction():
            chunk = src.read(CHUNK)
            query(conn, "SELECT tarbox.write(%s::bytea, %b::bytea, NULL::bigint)", (os.fsencode(path), chunk))
            offset = len(chunk)
            while True:
                chunk = src.read(CHUNK)
                if not chunk:
                    break
                query(conn, "SELECT tarbox.write(%s::bytea, %b::bytea, %s::bigint)",
                      (os.fsencode(path), chunk, offset))
                offset += len(chunk)
            if kind is None and host_mode is not None:
                query(conn, "SELECT tarbox.chmod(%s::bytea, %s::int)", (os.fsencode(path), host_mode & ~_umask()))
    except TarboxError as exc:
        raise name_in_error(TPath(dest.tenant, path), exc) from exc
    finally:
        if src is not sys.stdin.buffer:
            src.close()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def faithful_options(archive: bool, owner: bool, setid: bool, devices: bool = False) -> tree.Faithful:
    """The :class:`tarbox_shell.transfer.tree.Faithful` of the command line's flags
    (``--archive`` is all of them)."""
    return tree.Faithful.archive() if archive else tree.Faithful(owner, setid, devices)


@click.command("get")
@click.argument("src", type=TPATH)
@click.argument("hostfile", type=click.Path(allow_dash=True, path_type=str))
@click.option("-a", "--archive", is_flag=True, help="Keep the owner and the set-user-ID/set-group-ID bits.")
@click.option("--owner", is_flag=True, help="Give the file the stored owner (needs root).")
@click.option("--setid", is_flag=True, help="Keep set-user-ID/set-group-ID bits.")
@pass_state
def get_cmd(state: State, src: TPath, hostfile: str, archive: bool, owner: bool, setid: bool) -> None:
    """Copy TENANT:/path to host file HOSTFILE ('-' = stdout).

    Safe by default, like cp without -a: no set-user-ID/set-group-ID bits, the caller's
    ownership; an existing regular file is written through, and a symbolic link, device,
    FIFO or socket at HOSTFILE is refused. A new file appears only when complete, and no
    temporary file is left whatever happens."""
    if state.client():
        return remote.get(state.client(), src, hostfile, faithful_options(archive, owner, setid))
    conn = state.tenant(src.tenant)
    if hostfile == "-":
        out = sys.stdout.buffer
        for chunk in _read_chunks(conn, src):
            out.write(chunk)
        out.flush()
        return
    target = hostfile
    if os.path.isdir(target) and not os.path.islink(target):
        target = os.path.join(target, os.path.basename(src.path.rstrip("/")) or "root")
    try:
        tree.get_file(conn, src.path, target, faithful_options(archive, owner, setid))
    except TarboxError as exc:
        raise name_in_error(src, exc) from exc


@click.command("mkdir")
@click.option("-p", "parents", is_flag=True, help="Create parents; no error if it exists.")
@click.option("-m", "mode", default=None, metavar="MODE", help="Octal mode (default 755).")
@click.argument("paths", nargs=-1, type=TPATH, required=True)
@pass_state
def mkdir_cmd(state: State, parents: bool, mode: str | None, paths: tuple[TPath, ...]) -> None:
    """Create directories."""
    m = mode_arg(mode)
    if state.client():
        return remote.mkdir(state.client(), paths, parents, m)
    for tp in paths:
        conn = state.tenant(tp.tenant)
        try:
            query(conn, "SELECT tarbox.mkdir(%s::bytea, %s::int, %s)", (tp.raw, 0o755 if m is None else m, parents))
        except TarboxError as exc:
            raise name_in_error(tp, exc) from exc


@click.command("rm")
@click.option("-r", "-R", "recursive", is_flag=True, help="Remove directories and their contents.")
@click.option("-f", "force", is_flag=True, help="Ignore missing paths.")
@click.argument("paths", nargs=-1, type=TPATH, required=True)
@pass_state
def rm_cmd(state: State, recursive: bool, force: bool, paths: tuple[TPath, ...]) -> None:
    """Remove files (and directories with -r)."""
    if state.client():
        return remote.rm(state.client(), paths, recursive, force)
    for tp in paths:
        conn = state.tenant(tp.tenant)
        try:
            query(conn, "SELECT tarbox.rm(%s::bytea, %s)", (tp.raw, recursive))
        except TarboxError as exc:
            if force and exc.errno == errno.ENOENT:
                continue
            raise name_in_error(tp, exc) from exc


@click.command("mv")
@click.argument("src", type=TPATH)
@click.argument("dst", type=TPATH)
@pass_state
def mv_cmd(state: State, src: TPath, dst: TPath) -> None:
    """Move/rename SRC to DST (into DST if it is a directory)."""
    if state.client():
        return remote.mv(state.client(), src, dst)
    if src.tenant != dst.tenant:
        raise TarboxError(f"cannot move {src} to another tenant ({dst.tenant})", errno.EXDEV)
    conn = state.tenant(src.tenant)
    try:
        query(conn, "SELECT tarbox.mv(%s::bytea, %s::bytea)", (src.raw, dst.raw))
    except TarboxError as exc:
        raise name_in_error(src, exc) from exc


@click.command("ln")
@click.option("-s", "symbolic", is_flag=True, help="Make a symbolic link (TARGET is stored as given).")
@click.argument("target")
@click.argument("link", type=TPATH)
@pass_state
def ln_cmd(state: State, symbolic: bool, target: str, link: TPath) -> None:
    """Make LINK (TENANT:/path) a hard link to TARGET, or with -s a symlink to TARGET."""
    if state.client():
        return remote.ln(state.client(), target, link, symbolic)
    if not symbolic:
        m = TENANT_RE.match(target)
        if m:
            tp = parse_tpath(target)
            if tp.tenant != link.tenant:
                raise TarboxError(f"cannot link across tenants ({tp.tenant} -> {link.tenant})", errno.EXDEV)
            target = tp.path
        elif not target.startswith("/"):
            raise click.BadParameter("hard link TARGET must be TENANT:/path or an absolute path")
    conn = state.tenant(link.tenant)
    try:
        query(conn, "SELECT tarbox.ln(%s::bytea, %s::bytea, %s)", (os.fsencode(target), link.raw, symbolic))
    except TarboxError as exc:
        raise name_in_error(link, exc) from exc


#: The commands of this module, added to the root group by :mod:`tarbox_shell.cli`.
COMMANDS = [ls_cmd, stat_cmd, cat_cmd, put_cmd, get_cmd, mkdir_cmd, rm_cmd, mv_cmd, ln_cmd]
