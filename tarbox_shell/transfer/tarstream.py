"""Tar streams of layers: export any layer of a tenant as a tar archive, import an archive as a
new layer (``tarbox export --layer L TENANT - > x.tar``, ``tarbox import --layer NAME x.tar
TENANT``).

Both directions use the inode API with an explicit layer id, so an export reads exactly the
tree as of that layer (even while the tenant writes to its newest layer) and every path is
resolved once. The archive is POSIX.1-2001 (pax): names are bytes (non-UTF-8 names survive
through pax's binary headers), mtimes keep nanoseconds, owners are numeric, hard links are
link entries, symlinks, FIFOs and devices keep their type, and ``user.*`` xattrs travel as
``SCHILY.xattr.`` records as GNU tar writes them.

A hostile archive is refused (EINVAL) without harm: members with absolute names or '..'
components, hard links to members not (yet) in the archive, paths through a symbolic link or a
file, unknown member types, a stream that ends inside a member; an extension header (pax, GNU
long name or link) larger than :data:`MAX_HEADER` bytes is refused before it is read (the
standard library would hold it in memory whole), an import given ``max_members`` stops with
E2BIG after that many members (the names of an archive's files are remembered while it
imports, for its hard links); the members themselves are not kept.
"""

from __future__ import annotations

import errno
import io
import os
import stat as st
import tarfile
import time
from decimal import Decimal
from typing import BinaryIO, Callable

import psycopg

from ..db import clamp_ns
from ..errors import TarboxError, message_of, translate
from .note import note
from .tree import BULK_FILE_MAX, ImportBatch, Ref, set_attrs_many

#: Bytes per fs_read / fs_write call.
CHUNK = 1 << 20
#: Entries per fs_readdir call.
READDIR_LIMIT = 1000
ROOT_INO = 1
ATTRS = "(a).ino, (a).mode, (a).nlink, (a).uid, (a).gid, (a).rdev, (a).size, (a).mtime_ns"
#: ``progress(entries_delta, bytes_delta)``.
Progress = Callable[[int, int], None]
#: Largest extension header (pax record set, GNU long name or long link) an import reads.
MAX_HEADER = 8 << 20
#: The member types whose data is a header extension that tarfile reads into memory.
EXTENSION_TYPES = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE,
                   tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK)


class BoundedTarInfo(tarfile.TarInfo):
    """A :class:`tarfile.TarInfo` that refuses extension headers over :data:`MAX_HEADER`
    bytes as soon as their 512-byte header block is parsed, before their data is read."""

    @classmethod
    def frombuf(cls, buf, encoding, errors):
        """Parse one header block (see :meth:`tarfile.TarInfo.frombuf`); raises TarboxError
        (EINVAL) for an oversized extension header."""
        info = super().frombuf(buf, encoding, errors)
        if info.type in EXTENSION_TYPES and info.size > MAX_HEADER:
            raise TarboxError(f"tar extension header of {info.size} bytes refused (at most {MAX_HEADER})",
                              errno.EINVAL)
        return info


def layer_id(conn: psycopg.Connection, ref: str | None) -> tuple[int, str]:
    """Resolve a layer reference (name, tag, id, 'current', 'head'; None = current) of the
    connection's tenant to ``(layer_id, name)``. Raises TarboxError(ENOENT) when unknown."""
    try:
        row = conn.execute("SELECT layer_id, name FROM tarbox.layer_info(%s)", (ref or "current",)).fetchone()
    except psycopg.Error as exc:
        raise TarboxError(message_of(exc), translate(exc).errno) from exc
    return row[0], row[1]


class _FileReader(io.RawIOBase):
    """A read-only file object over ``tarbox.fs_read`` of one inode at one layer (for
    :meth:`tarfile.TarFile.addfile`, which reads exactly ``size`` bytes)."""

    def __init__(self, conn: psycopg.Connection, ino: int, layer: int, progress: Progress | None):
        super().__init__()
        self.conn, self.ino, self.layer, self.offset, self.progress = conn, ino, layer, 0, progress

    def readable(self) -> bool:
        """Always True."""
        return True

    def readinto(self, buf) -> int:
        """Fill ``buf`` from the current offset; returns bytes read (0 at end of file)."""
        want = min(len(buf), CHUNK)
        data = self.conn.execute("SELECT tarbox.fs_read(%s, %s, %s, %s)",
                                 (self.ino, self.offset, want, self.layer)).fetchone()[0]
        n = len(data)
        buf[:n] = data
        self.offset += n
        if self.progress and n:
            self.progress(0, n)
        return n


def export_tar(conn: psycopg.Connection, out: BinaryIO, layer: str | None = None, path: str = "/",
               progress: Progress | None = None) -> dict:
    """Write the tree under ``path`` (absolute tenant path) as of ``layer`` to ``out`` as a
    pax tar stream; member names are relative to ``path`` (the directory itself is '.').

    ``conn`` is a tenant connection (autocommit). Returns counts ``{entries, bytes, seconds,
    layer}``. Raises TarboxError with the errno of the SQL error (ENOENT for a missing path or
    layer) or of the output stream.
    """
    t0 = time.monotonic()
    lid, lname = layer_id(conn, layer)
    try:
        root = conn.execute("SELECT ino, type FROM tarbox.stat(%s::bytea, true, %s)",
                            (os.fsencode(path), str(lid))).fetchone()
    except psycopg.Error as exc:
        raise TarboxError(f"{path}: {message_of(exc)}", translate(exc).errno) from exc
    counts = {"entries": 0, "bytes": 0, "layer": lname}
    seen: dict[int, str] = {}
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as tar:

        def member(name: str, a: tuple) -> None:
            ino, mode, nlink, uid, gid, rdev, size, mtime_ns = a
            info = tarfile.TarInfo(name)
            info.mode = st.S_IMODE(mode)
            info.uid, info.gid = uid, gid
            info.uname = info.gname = ""
            info.mtime = mtime_ns // 1_000_000_000
            info.pax_headers = {"mtime": f"{Decimal(mtime_ns) / Decimal(1_000_000_000):.9f}"}
            for xname in conn.execute("SELECT n FROM tarbox.fs_listxattr(%s, %s) n", (ino, lid)).fetchall():
                key = bytes(xname[0])
                value = bytes(conn.execute("SELECT tarbox.fs_getxattr(%s, %s, %s)", (ino, key, lid)).fetchone()[0])
                info.pax_headers["SCHILY.xattr." + key.decode("utf-8", "surrogateescape")] = \
                    value.decode("utf-8", "surrogateescape")
            fileobj = None
            if not st.S_ISDIR(mode) and nlink > 1 and ino in seen:
                info.type, info.linkname, info.size = tarfile.LNKTYPE, seen[ino], 0
            elif st.S_ISDIR(mode):
                info.type = tarfile.DIRTYPE
            elif st.S_ISREG(mode):
                info.type, info.size = tarfile.REGTYPE, size
                fileobj = io.BufferedReader(_FileReader(conn, ino, lid, progress), CHUNK)
                counts["bytes"] += size
            elif st.S_ISLNK(mode):
                target = bytes(conn.execute("SELECT tarbox.fs_readlink(%s, %s)", (ino, lid)).fetchone()[0])
                info.type, info.linkname = tarfile.SYMTYPE, target.decode("utf-8", "surrogateescape")
            elif st.S_ISFIFO(mode):
                info.type = tarfile.FIFOTYPE
            elif st.S_ISCHR(mode) or st.S_ISBLK(mode):
                info.type = tarfile.CHRTYPE if st.S_ISCHR(mode) else tarfile.BLKTYPE
                info.devmajor, info.devminor = os.major(rdev), os.minor(rdev)
            else:  # sockets cannot be archived (as with GNU tar)
                return
            if not st.S_ISDIR(mode) and nlink > 1 and ino not in seen:
                seen[ino] = name
            tar.addfile(info, fileobj)
            counts["entries"] += 1
            if progress:
                progress(1, 0)

        try:
            member(".", conn.execute(f"SELECT {ATTRS} FROM tarbox.fs_getattr(%s, %s) a", (root[0], lid)).fetchone())
            stack = [(root[0], ".")] if root[1] == "dir" else []
            while stack:
                dino, dname = stack.pop()
                offset = 2  # past '.' and '..'
                while True:
                    rows = conn.execute(
                        f"SELECT name, next_offset, {ATTRS} FROM tarbox.fs_readdir(%s, %s, %s, %s)",
                        (dino, offset, READDIR_LIMIT, lid)).fetchall()
                    if not rows:
                        break
                    for name, nxt, *a in rows:
                        child = dname + "/" + bytes(name).decode("utf-8", "surrogateescape")
                        member(child, tuple(a))
                        if st.S_ISDIR(a[1]):
                            stack.append((a[0], child))
                        offset = nxt
        except psycopg.Error as exc:
            raise TarboxError(message_of(exc), translate(exc).errno) from exc
        except OSError as exc:
            raise translate(exc) from exc
    note(conn, "export", path, {"format": "tar", "layer": lname, "entries": counts["entries"],
                                "bytes": counts["bytes"]})
    counts["seconds"] = time.monotonic() - t0
    return counts


def import_tar(conn: psycopg.Connection, src: BinaryIO, name: str, description: str | None = None,
               path: str = "/", progress: Progress | None = None, confirm: bool = False,
               begin: Callable[[psycopg.Connection], None] | None = None,
               max_members: int | None = None, bulk: bool = True) -> dict:
    """Import the tar stream ``src`` as a new layer ``name`` of the connection's tenant:
    checkpoint (``tarbox.layer_new``), then create every member under ``path`` (absolute,
    created if missing) in the new layer, replacing files of the same name; owners, modes,
    nanosecond mtimes, symlinks, hard links, FIFOs, devices and ``SCHILY.xattr`` records are
    kept. Members with absolute names or '..' components are refused (EINVAL).

    All or nothing: the whole import is one transaction, so on any error (a bad member, a
    truncated stream, a refused call, an interrupt) no layer is created and the tenant's
    current layer and tree are as before. The transaction holds the tenant's layer lock from
    the checkpoint on, so the tenant's other writes (its mounts, SQL) wait until the import
    has committed or rolled back. Its one commit is synchronous: the import is durable when
    this returns. ``begin(conn)``, when given, runs first inside that transaction (the HTTP
    server enters the bearer token's tenant role there). Returns ``{entries, bytes, seconds,
    layer_id}``. Raises TarboxError (EINVAL bad archive or member, E2BIG more than
    ``max_members`` members (None: no bound), EBUSY when the current layer is historical and ``confirm`` is
    False, or the errno of the SQL error) naming the member.

    With ``bulk`` (the default) the members are sent in batches to ``tarbox.fs_import``
    (:class:`tarbox_shell.transfer.tree.ImportBatch`); without, one inode API call per step
    (fs_mkdir, fs_create, fs_write, fs_release, ...): the same layer either way.
    """
    t0 = time.monotonic()
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise TarboxError("import_tar needs a connection with no open transaction", errno.EINVAL)
    counts = {"entries": 0, "bytes": 0, "layer_id": None}
    where = {"member": "?"}  # the member being imported, for the error message
    try:
        with conn.transaction():
            if begin is not None:
                begin(conn)
            counts["layer_id"] = (_import_members_bulk if bulk else _import_members)(
                conn, src, name, description, path, progress, confirm, counts, where, max_members)
    except psycopg.Error as exc:
        raise TarboxError(f"import of {where['member']} failed: {message_of(exc)}",
                          translate(exc).errno) from exc
    except tarfile.TarError as exc:
        raise TarboxError(f"not a valid tar stream near {where['member']}: {exc}", errno.EINVAL) from exc
    except OSError as exc:
        raise translate(exc) from exc
    counts["seconds"] = time.monotonic() - t0
    return counts


def _import_members(conn: psycopg.Connection, src: BinaryIO, name: str, description: str | None,
                    path: str, progress: Progress | None, confirm: bool, counts: dict,
                    where: dict, max_members: int | None = None) -> int:
    """The body of :func:`import_tar`, inside its transaction. Returns the new layer id.
    Calls that may fail for an expected reason (a name that exists) run in a savepoint, so
    that the failure does not abort the transaction."""
    lid = conn.execute("SELECT layer_id FROM tarbox.layer_new(%s, %s, %s)",
                       (name, description, confirm)).fetchone()[0]
    conn.execute("SELECT tarbox.mkdir(%s::bytea, 493, true)", (os.fsencode(path),))
    base = conn.execute("SELECT ino FROM tarbox.stat(%s::bytea, true)", (os.fsencode(path),)).fetchone()[0]
    dirs: dict[str, int] = {"": base}
    fresh: set[int] = set()          # directories made by this import: empty before it
    inos: dict[str, int] = {}
    dir_times: list[tuple[int, tarfile.TarInfo]] = []

    def attr(sql: str, params: tuple) -> int:
        return conn.execute(sql, params).fetchone()[0]

    def attempt(sql: str, params: tuple, expected: str):
        """Run one call in a savepoint; None when it fails with SQLSTATE ``expected``."""
        try:
            with conn.transaction():
                return conn.execute(sql, params).fetchone()
        except psycopg.Error as exc:
            if exc.sqlstate != expected:
                raise
            return None

    def parent_of(rel: str) -> tuple[int, bytes]:
        head, _, leaf = rel.rpartition("/")
        if head not in dirs:
            ino = base
            walked = ""
            for part in head.split("/"):
                walked = part if not walked else walked + "/" + part
                if walked not in dirs:
                    bpart = part.encode("utf-8", "surrogateescape")
                    row = None if ino in fresh else attempt(
                        "SELECT (a).ino, (a).mode FROM tarbox.fs_lookup(%s, %s) a", (ino, bpart), "TX002")
                    if row is not None and not st.S_ISDIR(row[1]):
                        raise TarboxError(f"{walked}: exists and is not a directory", errno.ENOTDIR)
                    if row is None:
                        row = (attr("SELECT (a).ino FROM tarbox.fs_mkdir(%s, %s, 493, 0, 0) a", (ino, bpart)),)
                        fresh.add(row[0])
                    dirs[walked] = row[0]
                ino = dirs[walked]
        return dirs[head], leaf.encode("utf-8", "surrogateescape")

    def clear(parent: int, leaf: bytes, keep_dir: bool, member: str) -> int | None:
        """Remove an existing non-directory entry of that name; return an existing dir's ino."""
        if parent in fresh:
            return None
        a = attempt("SELECT (a).ino, (a).mode FROM tarbox.fs_lookup(%s, %s) a", (parent, leaf), "TX002")
        if a is None:
            return None
        if st.S_ISDIR(a[1]):
            if keep_dir:
                return a[0]
            raise TarboxError(f"{member}: a directory of that name exists", errno.EISDIR)
        conn.execute("SELECT tarbox.fs_unlink(%s, %s)", (parent, leaf))
        conn.execute("SELECT tarbox.fs_forget(%s)", (a[0],))
        return None

    with tarfile.open(fileobj=src, mode="r|*", encoding="utf-8", errors="surrogateescape",
                      tarinfo=BoundedTarInfo) as tar:
        while True:
            m = tar.next()
            if m is None:
                break
            tar.members.clear()  # a stream-mode TarFile would keep every member it read
            where["member"] = m.name
            if max_members is not None and counts["entries"] >= max_members:
                raise TarboxError(f"{m.name}: more than {max_members} members in one import", errno.E2BIG)
            rel = _member_rel(m)
            uid, gid = m.uid, m.gid
            if rel == "":
                ino = base
                dir_times.append((ino, m))
            else:
                parent, leaf = parent_of(rel)
                if m.isdir():
                    ino = clear(parent, leaf, True, m.name)
                    if ino is None:
                        ino = attr("SELECT (a).ino FROM tarbox.fs_mkdir(%s, %s, %s, %s, %s) a",
                                   (parent, leaf, m.mode & 0o7777, uid, gid))
                        fresh.add(ino)
                    dirs[rel] = ino
                    dir_times.append((ino, m))
                else:
                    clear(parent, leaf, False, m.name)
                    if m.islnk():
                        target = m.linkname.strip("/")
                        while target.startswith("./"):
                            target = target[2:]
                        if target not in inos:
                            raise TarboxError(f"{m.name}: hard link to {m.linkname}, not in the archive",
                                              errno.EINVAL)
                        ino = attr("SELECT (a).ino FROM tarbox.fs_link(%s, %s, %s) a",
                                   (inos[target], parent, leaf))
                    elif m.issym():
                        ino = attr("SELECT (a).ino FROM tarbox.fs_symlink(%s, %s, %s, %s, %s) a",
                                   (parent, leaf, m.linkname.encode("utf-8", "surrogateescape"), uid, gid))
                    elif m.isreg():
                        ino = attr("SELECT (a).ino FROM tarbox.fs_create(%s, %s, %s, %s, %s, 0) a",
                                   (parent, leaf, st.S_IFREG | (m.mode & 0o7777), uid, gid))
                        data = tar.extractfile(m)
                        offset = 0
                        while True:
                            chunk = data.read(CHUNK)
                            if not chunk:
                                break
                            conn.execute("SELECT tarbox.fs_write(%s, %s, %s)", (ino, offset, chunk))
                            offset += len(chunk)
                            if progress:
                                progress(0, len(chunk))
                        if offset != m.size:
                            raise TarboxError(f"{m.name}: the archive ends inside the member "
                                              f"({offset} of {m.size} bytes)", errno.EINVAL)
                        counts["bytes"] += offset
                        # complete: stored as text chunks if it is text (as a FUSE release)
                        conn.execute("SELECT tarbox.fs_release(%s)", (ino,))
                    elif m.isfifo() or m.ischr() or m.isblk():
                        kind = st.S_IFIFO if m.isfifo() else st.S_IFCHR if m.ischr() else st.S_IFBLK
                        rdev = 0 if m.isfifo() else os.makedev(m.devmajor, m.devminor)
                        ino = attr("SELECT (a).ino FROM tarbox.fs_mknod(%s, %s, %s, %s, %s, %s) a",
                                   (parent, leaf, kind | (m.mode & 0o7777), rdev, uid, gid))
                    else:
                        raise TarboxError(f"{m.name}: unsupported tar member type {m.type!r}", errno.EINVAL)
                    inos[rel] = ino
                    if not m.issym() and not m.islnk():
                        conn.execute("SELECT tarbox.fs_setattr(%s, NULL, NULL, NULL, NULL, %s, %s)",
                                     (ino, _mtime_ns(m), _mtime_ns(m)))
            for key, value in m.pax_headers.items():
                if key.startswith("SCHILY.xattr."):
                    conn.execute("SELECT tarbox.fs_setxattr(%s, %s, %s, 0)",
                                 (ino, key[len("SCHILY.xattr."):].encode("utf-8", "surrogateescape"),
                                  value.encode("utf-8", "surrogateescape")))
            counts["entries"] += 1
            if progress:
                progress(1, 0)
    where["member"] = "(directory attributes)"
    # Directory modes and times last: adding children changes a directory's mtime.
    for ino, m in reversed(dir_times):
        conn.execute("SELECT tarbox.fs_setattr(%s, %s, %s, %s, NULL, %s, %s)",
                     (ino, m.mode & 0o7777, m.uid, m.gid, _mtime_ns(m), _mtime_ns(m)))
    note(conn, "import", path, {"format": "tar", "layer": name, "entries": counts["entries"],
                                "bytes": counts["bytes"]})
    return lid


def _member_rel(m: tarfile.TarInfo) -> str:
    """A member's name relative to the import root ('' for the root); EINVAL for absolute
    names and names with '..' components."""
    rel = m.name.strip("/") if m.name not in (".", "./") else ""
    while rel.startswith("./"):
        rel = rel[2:]
    if m.name.startswith("/") or ".." in rel.split("/"):
        raise TarboxError(f"{m.name}: member outside the archive root refused", errno.EINVAL)
    return rel


def _import_members_bulk(conn: psycopg.Connection, src: BinaryIO, name: str, description: str | None,
                         path: str, progress: Progress | None, confirm: bool, counts: dict,
                         where: dict, max_members: int | None = None) -> int:
    """:func:`_import_members` through ``tarbox.fs_import``: members under directories this
    import made are queued (nothing can exist there); a name in a directory that existed is
    looked up first (replaced when it is not a directory, as the per-member path does), with
    the queue sent first when it holds that name. Files over ``BULK_FILE_MAX`` are written
    with fs_write right after their entry is sent."""
    lid = conn.execute("SELECT layer_id FROM tarbox.layer_new(%s, %s, %s)",
                       (name, description, confirm)).fetchone()[0]
    conn.execute("SELECT tarbox.mkdir(%s::bytea, 493, true)", (os.fsencode(path),))
    base = Ref(conn.execute("SELECT ino FROM tarbox.stat(%s::bytea, true)", (os.fsencode(path),)).fetchone()[0])
    cur = conn.cursor()
    batch = ImportBatch(cur)
    dirs: dict[str, Ref] = {"": base}
    fresh: set[int] = set()          # (ids of) directories made by this import: empty before it
    inos: dict[str, Ref] = {}
    dir_times: list[tuple[Ref, tarfile.TarInfo]] = []

    def attempt(sql: str, params: tuple, expected: str):
        """Run one call in a savepoint; None when it fails with SQLSTATE ``expected``."""
        try:
            with conn.transaction():
                return conn.execute(sql, params).fetchone()
        except psycopg.Error as exc:
            if exc.sqlstate != expected:
                raise
            return None

    def lookup(parent: Ref, leaf: bytes):
        """(ino, mode) of an entry of an existing directory, or None."""
        if batch.holds(parent, leaf):
            batch.flush()
        return attempt("SELECT (a).ino, (a).mode FROM tarbox.fs_lookup(%s, %s) a", (parent.ino, leaf), "TX002")

    def mkdir(parent: Ref, leaf: bytes, mode: int, uid: int, gid: int, xattrs=()) -> Ref:
        ref = batch.add(parent, leaf, st.S_IFDIR | mode, uid, gid, xattrs=xattrs)
        fresh.add(id(ref))
        return ref

    def parent_of(rel: str) -> tuple[Ref, bytes]:
        head, _, leaf = rel.rpartition("/")
        if head not in dirs:
            ref = base
            walked = ""
            for part in head.split("/"):
                walked = part if not walked else walked + "/" + part
                if walked not in dirs:
                    bpart = part.encode("utf-8", "surrogateescape")
                    row = None if id(ref) in fresh else lookup(ref, bpart)
                    if row is not None and not st.S_ISDIR(row[1]):
                        raise TarboxError(f"{walked}: exists and is not a directory", errno.ENOTDIR)
                    dirs[walked] = Ref(row[0]) if row is not None else mkdir(ref, bpart, 0o755, 0, 0)
                ref = dirs[walked]
        return dirs[head], leaf.encode("utf-8", "surrogateescape")

    def clear(parent: Ref, leaf: bytes, keep_dir: bool, member: str) -> Ref | None:
        """Remove an existing non-directory entry of that name; return an existing dir."""
        if id(parent) in fresh:
            return None
        a = lookup(parent, leaf)
        if a is None:
            return None
        if st.S_ISDIR(a[1]):
            if keep_dir:
                return Ref(a[0])
            raise TarboxError(f"{member}: a directory of that name exists", errno.EISDIR)
        conn.execute("SELECT tarbox.fs_unlink(%s, %s)", (parent.ino, leaf))
        conn.execute("SELECT tarbox.fs_forget(%s)", (a[0],))
        return None

    def xattrs_of(m: tarfile.TarInfo) -> list[tuple[bytes, bytes]]:
        return [(k[len("SCHILY.xattr."):].encode("utf-8", "surrogateescape"), v.encode("utf-8", "surrogateescape"))
                for k, v in m.pax_headers.items() if k.startswith("SCHILY.xattr.")]

    def set_xattrs(ref: Ref, xattrs: list[tuple[bytes, bytes]]) -> None:
        for k, v in xattrs:
            conn.execute("SELECT tarbox.fs_setxattr(%s, %s, %s, 0)", (ref.ino, k, v))

    def write_big(ref: Ref, data, m: tarfile.TarInfo) -> None:
        batch.flush()
        offset = 0
        while True:
            chunk = data.read(CHUNK)
            if not chunk:
                break
            conn.execute("SELECT tarbox.fs_write(%s, %s, %s)", (ref.ino, offset, chunk))
            offset += len(chunk)
            if progress:
                progress(0, len(chunk))
        if offset != m.size:
            raise TarboxError(f"{m.name}: the archive ends inside the member ({offset} of {m.size} bytes)",
                              errno.EINVAL)
        conn.execute("SELECT tarbox.fs_release(%s)", (ref.ino,))
        conn.execute("SELECT tarbox.fs_setattr(%s, NULL, NULL, NULL, NULL, %s, %s)",
                     (ref.ino, _mtime_ns(m), _mtime_ns(m)))
        counts["bytes"] += offset

    with tarfile.open(fileobj=src, mode="r|*", encoding="utf-8", errors="surrogateescape",
                      tarinfo=BoundedTarInfo) as tar:
        while True:
            m = tar.next()
            if m is None:
                break
            tar.members.clear()  # a stream-mode TarFile would keep every member it read
            where["member"] = m.name
            if max_members is not None and counts["entries"] >= max_members:
                raise TarboxError(f"{m.name}: more than {max_members} members in one import", errno.E2BIG)
            rel = _member_rel(m)
            uid, gid = m.uid, m.gid
            xattrs = xattrs_of(m)
            if rel == "":
                dir_times.append((base, m))
                set_xattrs(base, xattrs)
            else:
                parent, leaf = parent_of(rel)
                if m.isdir():
                    ref = clear(parent, leaf, True, m.name)
                    if ref is None:
                        ref = mkdir(parent, leaf, m.mode & 0o7777, uid, gid, xattrs)
                    else:
                        set_xattrs(ref, xattrs)
                    dirs[rel] = ref
                    dir_times.append((ref, m))
                else:
                    clear(parent, leaf, False, m.name)
                    times = (_mtime_ns(m), _mtime_ns(m))
                    if m.islnk():
                        target = m.linkname.strip("/")
                        while target.startswith("./"):
                            target = target[2:]
                        if target not in inos:
                            raise TarboxError(f"{m.name}: hard link to {m.linkname}, not in the archive",
                                              errno.EINVAL)
                        ref = batch.add(parent, leaf, 0, 0, 0, link=inos[target], xattrs=xattrs)
                    elif m.issym():
                        ref = batch.add(parent, leaf, st.S_IFLNK | 0o777, uid, gid,
                                        target=m.linkname.encode("utf-8", "surrogateescape"), xattrs=xattrs)
                    elif m.isreg():
                        data = tar.extractfile(m)
                        mode = st.S_IFREG | (m.mode & 0o7777)
                        if m.size > BULK_FILE_MAX:
                            ref = batch.add(parent, leaf, mode, uid, gid, times=times, xattrs=xattrs)
                            write_big(ref, data, m)
                        else:
                            content = data.read()
                            if len(content) != m.size:
                                raise TarboxError(f"{m.name}: the archive ends inside the member "
                                                  f"({len(content)} of {m.size} bytes)", errno.EINVAL)
                            ref = batch.add(parent, leaf, mode, uid, gid, times=times, data=content, xattrs=xattrs)
                            counts["bytes"] += len(content)
                            if progress and content:
                                progress(0, len(content))
                    elif m.isfifo() or m.ischr() or m.isblk():
                        kind = st.S_IFIFO if m.isfifo() else st.S_IFCHR if m.ischr() else st.S_IFBLK
                        rdev = 0 if m.isfifo() else os.makedev(m.devmajor, m.devminor)
                        ref = batch.add(parent, leaf, kind | (m.mode & 0o7777), uid, gid, rdev, times=times,
                                        xattrs=xattrs)
                    else:
                        raise TarboxError(f"{m.name}: unsupported tar member type {m.type!r}", errno.EINVAL)
                    inos[rel] = ref
            counts["entries"] += 1
            if progress:
                progress(1, 0)
    where["member"] = "(the last members)"
    batch.flush()
    where["member"] = "(directory attributes)"
    # Directory modes and times last: adding children changes a directory's mtime.
    # (a directory listed twice gets what its first member says, as with one call per member
    # made in reverse order)
    final = {ref.ino: (ref.ino, m.mode & 0o7777, m.uid, m.gid, _mtime_ns(m), _mtime_ns(m))
             for ref, m in reversed(dir_times)}
    set_attrs_many(cur, list(final.values()))
    note(conn, "import", path, {"format": "tar", "layer": name, "entries": counts["entries"],
                                "bytes": counts["bytes"]})
    return lid


def _mtime_ns(m: tarfile.TarInfo) -> int:
    """A member's mtime in ns since the epoch (pax records keep the fraction), clamped to what
    the SQL stores (1677..2262: :func:`tarbox_shell.db.clamp_ns`)."""
    raw = m.pax_headers.get("mtime")
    return clamp_ns(int(Decimal(raw) * 1_000_000_000) if raw else int(m.mtime) * 1_000_000_000)
