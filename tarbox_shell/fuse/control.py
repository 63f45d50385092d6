"""Two components of a mount (:mod:`.dispatch`): the virtual control directory ``/.tarbox/``
(:class:`ControlComponent`) and read-only layer views (:class:`LayerView`).

Nothing here is stored: every file's content is produced from (or sent to) one SQL call of the
layer API. The directory is reached by name only (it is not listed in ``/``, so ``tar``,
``git add -A`` or ``find`` at the root never descend into every layer's tree):

==============================  =====  ==========================================================
``layers/current``              0444   ``<id> <name>`` of the tenant's current layer
``layers/list``                 0444   one line per layer: id, name, tags, current / read-only
``layers/tree``                 0444   the chain, newest first, with A/M/D counts per layer
``layers/diff``                 0644   write ``FROM [TO] [PATH]`` (or JSON); read the diff
``layers/new``                  0200   write a name, or ``{"name": .., "description": .., "confirm": true}``
``layers/switch``               0200   write a layer name, tag or id
``layers/drop``                 0200   write a name, or ``{"name": "current", "confirm": true}``
``layers/tags/<tag>``           0644   read: the layer it names; write a layer to (re)point the tag
``layers/result``               0444   what the last command of this mount did, or why it failed
``snapshots/<layer>/...``       ro     the tree as of every layer (names, tags and ids)
``audit/recent``                0444   the tenant's newest 100 audit records, one line each
``audit/query``                 0644   write a filter (``since=1h path=/src op=write,unlink failed
                                       limit=50 oldest``, or JSON); read the matching records
``stats/usage``                 0444   ``tarbox.usage()``: one ``name value`` line per figure
``stats/performance``           0444   this mount's requests since it started: totals (requests,
                                       errors, SQL calls), then per operation count, errors,
                                       mean/p50/p99/max latency in us (the bridge's counters, no SQL)
``stats/cache``                 0444   what the bridge knows the kernel holds (inodes, lookup
                                       counts, handles, timeouts) and the invalidations it sent
``control/gc``                  0200   write anything: ``tarbox.gc()``; what it freed goes to
                                       ``layers/result``
``control/flush``               0200   write anything: as syncfs(2), every handle's writes stored
                                       and everything durable (``fs_release(ino, true)``,
                                       ``tarbox.fs_fsync()``); the outcome goes to ``layers/result``
==============================  =====  ==========================================================

A command is carried out by the ``write(2)`` that sends it (``echo v1 > layers/new``; the O_TRUNC
of the shell's redirection is accepted and ignored); a bad one fails that write with the errno
of the SQL error and leaves the message in ``layers/result``. Read-only files are generated
when opened and read with direct I/O, so ``cat`` always sees current content whatever size
``stat`` reports.

Layer views: an inode of layer L is shown under the number ``SNAP_BASE | L << 40 | ino``; the
SQL inode API is called with ``p_layer = L`` (historical layers are read-only: EROFS).
``tarbox mount --layer L`` pins the whole mount to layer L the same way, without renumbering:
the tree component of such a mount is a :class:`LayerView` of L.

Both run their SQL through the tree component (:meth:`~.operations.TarboxOperations.run_sql`:
the mount's pool, retries and errno mapping), passing the caller's uid/gid/pid to the audited
calls. At audit level full a layer view's reads are recorded one by one (the tree's files
report theirs once per open file).
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import psycopg
import pyfuse3
import trio

from ..audit import SEARCH_SQL, Filter, format_record, parse_filter, search_params
from ..errors import ReportedError, TarboxError, errno_of, message_of
from .dispatch import CID_CONTROL, CID_SNAPSHOTS, CID_TREE, CTRL_BASE, SNAP_BASE, Component
from .operations import (CALLER, FETCH_ALL, FETCH_NONE, FETCH_ONE, ROOT_INODE, TarboxOperations, caller_of,
                         entry_from_row, fuse_handler)
from .trio_pg import PoolTimeout

CONTROL_NAME = b".tarbox"
CONTROL_PATH = b"/.tarbox"
INO_BITS = 40
TAG_BASE = CTRL_BASE + 1000

# Fixed control nodes: number -> (name, parent, kind, mode)
C_ROOT, C_LAYERS, C_SNAPS, C_TAGS = CTRL_BASE + 1, CTRL_BASE + 2, CTRL_BASE + 3, CTRL_BASE + 4
C_CURRENT, C_LIST, C_TREE, C_DIFF = CTRL_BASE + 10, CTRL_BASE + 11, CTRL_BASE + 12, CTRL_BASE + 13
C_NEW, C_SWITCH, C_DROP, C_RESULT = CTRL_BASE + 14, CTRL_BASE + 15, CTRL_BASE + 16, CTRL_BASE + 17
C_AUDIT, C_AUDIT_RECENT, C_AUDIT_QUERY = CTRL_BASE + 5, CTRL_BASE + 18, CTRL_BASE + 19
C_STATS, C_CONTROL, C_USAGE, C_GC = CTRL_BASE + 20, CTRL_BASE + 21, CTRL_BASE + 22, CTRL_BASE + 23
C_PERF, C_CACHE, C_FLUSH = CTRL_BASE + 24, CTRL_BASE + 25, CTRL_BASE + 26

_DIR = stat.S_IFDIR | 0o555
NODES: dict[int, tuple[bytes, int, int]] = {
    C_ROOT: (CONTROL_NAME, ROOT_INODE, _DIR),
    C_LAYERS: (b"layers", C_ROOT, _DIR),
    C_SNAPS: (b"snapshots", C_ROOT, _DIR),
    C_TAGS: (b"tags", C_LAYERS, stat.S_IFDIR | 0o755),
    C_CURRENT: (b"current", C_LAYERS, stat.S_IFREG | 0o444),
    C_LIST: (b"list", C_LAYERS, stat.S_IFREG | 0o444),
    C_TREE: (b"tree", C_LAYERS, stat.S_IFREG | 0o444),
    C_DIFF: (b"diff", C_LAYERS, stat.S_IFREG | 0o644),
    C_NEW: (b"new", C_LAYERS, stat.S_IFREG | 0o200),
    C_SWITCH: (b"switch", C_LAYERS, stat.S_IFREG | 0o200),
    C_DROP: (b"drop", C_LAYERS, stat.S_IFREG | 0o200),
    C_RESULT: (b"result", C_LAYERS, stat.S_IFREG | 0o444),
    C_AUDIT: (b"audit", C_ROOT, _DIR),
    C_AUDIT_RECENT: (b"recent", C_AUDIT, stat.S_IFREG | 0o444),
    C_AUDIT_QUERY: (b"query", C_AUDIT, stat.S_IFREG | 0o644),
    C_STATS: (b"stats", C_ROOT, _DIR),
    C_CONTROL: (b"control", C_ROOT, _DIR),
    C_USAGE: (b"usage", C_STATS, stat.S_IFREG | 0o444),
    C_GC: (b"gc", C_CONTROL, stat.S_IFREG | 0o200),
    C_PERF: (b"performance", C_STATS, stat.S_IFREG | 0o444),
    C_CACHE: (b"cache", C_STATS, stat.S_IFREG | 0o444),
    C_FLUSH: (b"flush", C_CONTROL, stat.S_IFREG | 0o200),
}
CHILDREN: dict[int, list[int]] = {}
for _ino, (_name, _parent, _mode) in NODES.items():
    CHILDREN.setdefault(_parent, []).append(_ino)

Q_LOOKUP_AT = f"SELECT * FROM tarbox.fs_lookup(%s::bigint, %s::bytea, %s::int, {CALLER})"
Q_GETATTR_AT = "SELECT * FROM tarbox.fs_getattr(%s::bigint, %s::int)"
Q_READLINK_AT = f"SELECT tarbox.fs_readlink(%s::bigint, %s::int, {CALLER})"
Q_OPEN_AT = f"SELECT * FROM tarbox.fs_open(%s::bigint, %s::int, %s::int, false, {CALLER})"
Q_READ_AT = f"SELECT tarbox.fs_read(%s::bigint, %s::bigint, %s::int, %s::int, NULL::bigint, {CALLER})"
Q_READDIR_AT = ("SELECT r.name, r.next_offset, (r.a).* "
                f"FROM tarbox.fs_readdir(%s::bigint, %s::bigint, %s::int, %s::int, {CALLER}) r")
Q_GETXATTR_AT = "SELECT tarbox.fs_getxattr(%s::bigint, %s::bytea, %s::int)"
Q_LISTXATTR_AT = "SELECT * FROM tarbox.fs_listxattr(%s::bigint, %s::int)"
Q_STATFS = "SELECT * FROM tarbox.fs_statfs()"
Q_LAYER = "SELECT layer_id, name FROM tarbox.layer_info(%s)"
#: The figures of ``stats/usage``, in order (columns of ``tarbox.usage()``).
USAGE_FIGURES = ("logical_bytes", "referenced_bytes", "unique_bytes", "stored_bytes", "metadata_bytes",
                 "garbage_bytes", "inodes", "layers", "blocks", "text_files", "chunks", "dedup_ratio",
                 "used_bytes", "used_inodes", "quota_bytes", "quota_inodes", "quota_layers",
                 "text_max_bytes", "text_max_lines")
Q_USAGE = f"SELECT {', '.join(USAGE_FIGURES)} FROM tarbox.usage()"
Q_LAYERS = "SELECT layer_id, name, description, created_at, is_current, is_head, tags FROM tarbox.layer_list()"
SNAP_TIMEOUT = 60.0  # a historical layer never changes


def snap_ino(layer: int, ino: int) -> int:
    """The number under which inode ``ino`` of layer ``layer`` is shown in a layer view."""
    return SNAP_BASE | (layer << INO_BITS) | ino


def split_snap(vino: int) -> tuple[int, int]:
    """(layer, real inode) of a layer-view inode number."""
    return (vino & (CTRL_BASE - 1)) >> INO_BITS & ((1 << (61 - INO_BITS)) - 1), vino & ((1 << INO_BITS) - 1)


@dataclass
class _Doc:
    """An open control file: the content generated at open, or the command file written."""

    node: int
    data: bytes = b""
    tag: str | None = None
    caller: tuple = (None, None, None)


# ---------------------------------------------------------------------- layer views


class LayerView(Component):
    """A read-only view of the tenant's tree as of a layer, through the SQL inode API called
    with ``p_layer``.

    Args:
        tree: the mount's tree component (its SQL plumbing and cache timeout).
        layer: the layer of a pinned mount (``tarbox mount --layer``), shown under the real
            inode numbers; None for ``/.tarbox/snapshots``, where every layer is shown and an
            inode number carries its layer (:func:`snap_ino`).

    Every change is refused with EROFS; lookups are not counted (nothing to purge).
    """

    foreign_errno = errno.EROFS

    def __init__(self, tree: TarboxOperations, layer: int | None = None) -> None:
        super().__init__()
        self.tree = tree
        self.layer = layer
        self.cid = CID_TREE if layer is not None else CID_SNAPSHOTS
        self._handles: dict[int, int] = {}  # fh -> shown inode
        self._callers: dict[int, tuple] = {}  # fh -> (uid, gid, pid) of the process that opened it

    def _real(self, ino: int) -> tuple[int, int]:
        """(layer, real inode) of an inode this view shows."""
        if self.layer is not None:
            return self.layer, ino
        return split_snap(ino)

    def _view_entry(self, row: Sequence[Any], layer: int) -> pyfuse3.EntryAttributes:
        if self.layer is not None:
            return entry_from_row(row, self.tree.timeout)
        e = entry_from_row(row, SNAP_TIMEOUT)
        e.st_ino = snap_ino(layer, e.st_ino)
        e.st_mode &= ~0o222  # a historical layer is read-only
        return e

    async def layer_root_entry(self, layer: int) -> pyfuse3.EntryAttributes:
        """The entry of the root directory of ``layer`` (``/.tarbox/snapshots/<layer>``)."""
        row = await self.tree.run_sql(Q_GETATTR_AT, (ROOT_INODE, layer), idempotent=True)
        return self._view_entry(row, layer)

    def _handle(self, fh: int) -> int:
        ino = self._handles.get(fh)
        if ino is None:
            raise pyfuse3.FUSEError(errno.EBADF)
        return ino

    @fuse_handler
    async def lookup(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """LOOKUP: ``tarbox.fs_lookup(parent, name, layer)``."""
        layer, real = self._real(parent_inode)
        row = await self.tree.run_sql(Q_LOOKUP_AT, (real, name, layer, *caller_of(ctx)), idempotent=True)
        return self._view_entry(row, layer)

    @fuse_handler
    async def getattr(self, inode: int, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """GETATTR: ``tarbox.fs_getattr(ino, layer)``."""
        layer, real = self._real(inode)
        row = await self.tree.run_sql(Q_GETATTR_AT, (real, layer), idempotent=True)
        return self._view_entry(row, layer)

    @fuse_handler
    async def readlink(self, inode: int, ctx: pyfuse3.RequestContext) -> bytes:
        """READLINK as of the layer."""
        layer, real = self._real(inode)
        row = await self.tree.run_sql(Q_READLINK_AT, (real, layer, *caller_of(ctx)), idempotent=True)
        return bytes(row[0])

    @fuse_handler
    async def opendir(self, inode: int, ctx: pyfuse3.RequestContext) -> int:
        """OPENDIR (no SQL: readdir checks the inode)."""
        fh = self.new_fh()
        self._handles[fh] = inode
        self._callers[fh] = caller_of(ctx)
        return fh

    @fuse_handler
    async def readdir(self, fh: int, start_id: int, emit: Callable[..., bool]) -> None:
        """READDIRPLUS: ``tarbox.fs_readdir(ino, off, n, layer)``."""
        layer, real = self._real(self._handle(fh))
        offset = start_id
        while True:
            rows = await self.tree.run_sql(Q_READDIR_AT, (real, offset, 48, layer, *self._callers.get(fh, (None,) * 3)),
                                           FETCH_ALL, idempotent=True)
            for row in rows:
                if not emit(bytes(row[0]), self._view_entry(row[2:], layer), row[1]):
                    return
                offset = row[1]
            if len(rows) < 48:
                return

    @fuse_handler
    async def open(self, inode: int, flags: int, ctx: pyfuse3.RequestContext) -> pyfuse3.FileInfo:
        """OPEN read-only (EROFS for writing or O_TRUNC): ``tarbox.fs_open(.., layer)``."""
        if (flags & os.O_ACCMODE) != os.O_RDONLY or flags & os.O_TRUNC:
            raise pyfuse3.FUSEError(errno.EROFS)
        layer, real = self._real(inode)
        await self.tree.run_sql(Q_OPEN_AT, (real, flags, layer, *caller_of(ctx)), idempotent=True)
        fh = self.new_fh()
        self._handles[fh] = inode
        self._callers[fh] = caller_of(ctx)
        fi = pyfuse3.FileInfo(fh=fh)
        fi.keep_cache = True  # a historical layer never changes
        return fi

    @fuse_handler
    async def read(self, fh: int, off: int, size: int) -> bytes:
        """READ: ``tarbox.fs_read(ino, off, size, layer)``."""
        layer, real = self._real(self._handle(fh))
        row = await self.tree.run_sql(Q_READ_AT, (real, off, size, layer, *self._callers.get(fh, (None,) * 3)),
                                      idempotent=True)
        return b"" if row[0] is None else bytes(row[0])

    async def write(self, fh: int, off: int, buf: bytes) -> int:
        """WRITE: EROFS (never opened for writing)."""
        raise pyfuse3.FUSEError(errno.EROFS)

    async def flush(self, fh: int) -> None:
        """FLUSH: nothing buffered."""
        self._handle(fh)

    async def fsync(self, fh: int, datasync: bool) -> None:
        """FSYNC: nothing to make durable."""
        self._handle(fh)

    async def fsyncdir(self, fh: int, datasync: bool) -> None:
        """FSYNCDIR: nothing to make durable."""
        self._handle(fh)

    async def release(self, fh: int) -> None:
        """RELEASE."""
        self._handles.pop(fh, None)
        self._callers.pop(fh, None)

    async def releasedir(self, fh: int) -> None:
        """RELEASEDIR."""
        self._callers.pop(fh, None)
        self._handles.pop(fh, None)

    @fuse_handler
    async def statfs(self, ctx: pyfuse3.RequestContext) -> pyfuse3.StatvfsData:
        """STATFS of a pinned mount: ``tarbox.fs_statfs()``."""
        row = await self.tree.run_sql(Q_STATFS, (), idempotent=True)
        s = pyfuse3.StatvfsData()
        (s.f_bsize, s.f_frsize, s.f_blocks, s.f_bfree, s.f_bavail,
         s.f_files, s.f_ffree, s.f_favail, s.f_namemax) = row
        return s

    @fuse_handler
    async def getxattr(self, inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> bytes:
        """GETXATTR as of the layer."""
        layer, real = self._real(inode)
        row = await self.tree.run_sql(Q_GETXATTR_AT, (real, name, layer), idempotent=True)
        return bytes(row[0])

    @fuse_handler
    async def listxattr(self, inode: int, ctx: pyfuse3.RequestContext) -> list[bytes]:
        """LISTXATTR as of the layer."""
        layer, real = self._real(inode)
        rows = await self.tree.run_sql(Q_LISTXATTR_AT, (real, layer), FETCH_ALL, idempotent=True)
        return [bytes(r[0]) for r in rows]

    async def _refuse(self, *_args: Any) -> Any:
        raise pyfuse3.FUSEError(errno.EROFS)

    setattr = mknod = mkdir = symlink = link = unlink = rmdir = rename = _refuse
    create = setxattr = removexattr = _refuse


# ---------------------------------------------------------------------- /.tarbox


class ControlComponent(Component):
    """The ``/.tarbox`` control directory (see the module docstring), attached at
    ``/.tarbox`` of the tree and never listed in ``/``.

    Args:
        tree: the mount's tree component (SQL plumbing, read-only flag, change generation
            and listener for invalidations after a layer command).
        snapshots: the :class:`LayerView` serving ``snapshots/<layer>``.
    """

    cid = CID_CONTROL
    foreign_errno = errno.EPERM
    busy_errno = errno.EPERM
    root = C_ROOT

    def __init__(self, tree: TarboxOperations, snapshots: LayerView) -> None:
        super().__init__()
        self.tree = tree
        self.snapshots = snapshots
        self._dirs: dict[int, int] = {}      # directory handle -> node
        self._docs: dict[int, _Doc] = {}
        self._tags: dict[int, str] = {}      # tag file inode -> tag name
        self._tag_inos: dict[str, int] = {}
        self._diff_query = ""                 # last query written to layers/diff
        self._audit_filter = Filter()         # last filter written to audit/query
        self._result = b""

    @property
    def read_only(self) -> bool:
        """Whether the mount is read-only (commands are refused with EROFS)."""
        return self.tree.read_only

    async def _sql(self, query: str, params: Sequence[Any] = (), fetch: int = FETCH_ONE, *,
                   idempotent: bool = False) -> Any:
        return await self.tree.run_sql(query, params, fetch, idempotent=idempotent)

    def _ctrl_attr(self, ino: int, size: int = 0) -> pyfuse3.EntryAttributes:
        e = pyfuse3.EntryAttributes()
        e.st_ino = ino
        e.generation = 0
        if ino in NODES:
            e.st_mode = NODES[ino][2]
        elif ino in self._tags:
            e.st_mode = stat.S_IFREG | 0o644
        else:
            raise pyfuse3.FUSEError(errno.ENOENT)
        e.st_nlink = 2 if stat.S_ISDIR(e.st_mode) else 1
        e.st_uid = os.getuid()
        e.st_gid = os.getgid()
        e.st_size = size
        e.st_blksize = 4096
        e.entry_timeout = 0
        e.attr_timeout = 0
        return e

    def _tag_ino(self, tag: str) -> int:
        ino = self._tag_inos.get(tag)
        if ino is None:
            ino = TAG_BASE + len(self._tag_inos) + 1
            self._tag_inos[tag] = ino
            self._tags[ino] = tag
        return ino

    async def _layer(self, ref: str) -> tuple[int, str]:
        row = await self._sql(Q_LAYER, (ref,), idempotent=True)
        return row[0], row[1]

    async def root_entry(self, parent: int) -> pyfuse3.EntryAttributes:
        """The entry of ``/.tarbox`` itself."""
        return self._ctrl_attr(C_ROOT)

    # ------------------------------------------------------------------ lookups

    @fuse_handler
    async def lookup(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """LOOKUP in the control tree: fixed nodes, ``snapshots/<layer>`` (name, tag or id)
        and ``layers/tags/<tag>``."""
        if parent_inode == C_SNAPS:
            try:
                layer, _ = await self._layer(os.fsdecode(name))
            except pyfuse3.FUSEError:
                raise pyfuse3.FUSEError(errno.ENOENT) from None
            return await self.snapshots.layer_root_entry(layer)
        if parent_inode == C_TAGS:
            rows = await self._sql(Q_LAYERS, (), FETCH_ALL, idempotent=True)
            tag = os.fsdecode(name)
            if not any(tag in (r[6] or []) for r in rows):
                raise pyfuse3.FUSEError(errno.ENOENT)
            return self._ctrl_attr(self._tag_ino(tag))
        for child in CHILDREN.get(parent_inode, []):
            if NODES[child][0] == name:
                return self._ctrl_attr(child)
        raise pyfuse3.FUSEError(errno.ENOENT)

    @fuse_handler
    async def getattr(self, inode: int, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """GETATTR of a control node."""
        return self._ctrl_attr(inode)

    # ------------------------------------------------------------------ directories

    @fuse_handler
    async def opendir(self, inode: int, ctx: pyfuse3.RequestContext) -> int:
        """OPENDIR (no SQL)."""
        fh = self.new_fh()
        self._dirs[fh] = inode
        return fh

    @fuse_handler
    async def readdir(self, fh: int, start_id: int, emit: Callable[..., bool]) -> None:
        """READDIRPLUS: control directories list their nodes (snapshots/: every layer by
        name, tags/: every tag)."""
        node = self._dirs.get(fh)
        if node is None:
            raise pyfuse3.FUSEError(errno.EBADF)
        entries: list[tuple[bytes, pyfuse3.EntryAttributes]] = []
        if node == C_SNAPS:
            for r in await self._sql(Q_LAYERS, (), FETCH_ALL, idempotent=True):
                entries.append((os.fsencode(r[1]), await self.snapshots.layer_root_entry(r[0])))
        elif node == C_TAGS:
            for r in await self._sql(Q_LAYERS, (), FETCH_ALL, idempotent=True):
                for tag in r[6] or []:
                    entries.append((os.fsencode(tag), self._ctrl_attr(self._tag_ino(tag))))
        else:
            entries = [(NODES[c][0], self._ctrl_attr(c)) for c in CHILDREN.get(node, [])]
        for i, (name, attr) in enumerate(entries[start_id:], start=start_id + 1):
            if not emit(name, attr, i):
                return

    async def releasedir(self, fh: int) -> None:
        """RELEASEDIR."""
        self._dirs.pop(fh, None)

    async def fsyncdir(self, fh: int, datasync: bool) -> None:
        """FSYNCDIR: nothing stored."""

    # ------------------------------------------------------------------ files

    @fuse_handler
    async def open(self, inode: int, flags: int, ctx: pyfuse3.RequestContext) -> pyfuse3.FileInfo:
        """OPEN: control files get their content now (direct I/O)."""
        writing = (flags & os.O_ACCMODE) != os.O_RDONLY
        mode = self._ctrl_attr(inode).st_mode
        if stat.S_ISDIR(mode):
            raise pyfuse3.FUSEError(errno.EISDIR)
        fh = self.new_fh()
        doc = _Doc(inode, tag=self._tags.get(inode), caller=caller_of(ctx))
        if not writing:
            doc.data = await self._render(inode)
        self._docs[fh] = doc
        fi = pyfuse3.FileInfo(fh=fh)
        fi.direct_io = True
        fi.keep_cache = False
        return fi

    def _doc(self, fh: int) -> _Doc:
        doc = self._docs.get(fh)
        if doc is None:
            raise pyfuse3.FUSEError(errno.EBADF)
        return doc

    @fuse_handler
    async def read(self, fh: int, off: int, size: int) -> bytes:
        """READ: the content generated at open."""
        doc = self._doc(fh)
        return doc.data[off:off + size]

    @fuse_handler
    async def write(self, fh: int, off: int, buf: bytes) -> int:
        """WRITE: a control file carries out the command in ``buf`` (EINVAL when the file
        takes no commands, the SQL error's errno when the command fails)."""
        await self._command(self._doc(fh), buf)
        return len(buf)

    async def release(self, fh: int) -> None:
        """RELEASE."""
        self._docs.pop(fh, None)

    async def flush(self, fh: int) -> None:
        """FLUSH: nothing buffered."""

    async def fsync(self, fh: int, datasync: bool) -> None:
        """FSYNC: nothing stored."""

    @fuse_handler
    async def setattr(self, inode: int, attr: pyfuse3.EntryAttributes, fields: pyfuse3.SetattrFields,
                      fh: int | None, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """SETATTR: the truncation a shell's ``>`` sends to a control file is accepted and
        ignored; nothing else may change (EPERM)."""
        if fields.update_size and not (fields.update_mode or fields.update_uid or fields.update_gid):
            return self._ctrl_attr(inode)
        raise pyfuse3.FUSEError(errno.EPERM)

    @fuse_handler
    async def create(self, parent_inode: int, name: bytes, mode: int, flags: int,
                     ctx: pyfuse3.RequestContext) -> tuple[pyfuse3.FileInfo, pyfuse3.EntryAttributes]:
        """CREATE: ``layers/tags/<new tag>`` makes a tag file (the tag exists once a layer is
        written to it); elsewhere in the control tree EACCES."""
        if parent_inode != C_TAGS:
            raise pyfuse3.FUSEError(errno.EACCES)
        ino = self._tag_ino(os.fsdecode(name))
        fh = self.new_fh()
        self._docs[fh] = _Doc(ino, tag=self._tags[ino], caller=caller_of(ctx))
        fi = pyfuse3.FileInfo(fh=fh)
        fi.direct_io = True
        return fi, self._ctrl_attr(ino)

    @fuse_handler
    async def unlink(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """UNLINK: a tag file removes the tag; EPERM elsewhere in the control tree."""
        if parent_inode != C_TAGS:
            raise pyfuse3.FUSEError(errno.EPERM)
        await self._sql(f"SELECT tarbox.layer_untag(%s, {CALLER})", (os.fsdecode(name), *caller_of(ctx)), FETCH_NONE)

    async def getxattr(self, inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> bytes:
        """GETXATTR: control nodes have none (ENODATA)."""
        raise pyfuse3.FUSEError(errno.ENODATA)

    async def listxattr(self, inode: int, ctx: pyfuse3.RequestContext) -> list[bytes]:
        """LISTXATTR: none."""
        return []

    async def _refuse(self, *_args: Any) -> Any:
        raise pyfuse3.FUSEError(errno.EPERM)

    mknod = mkdir = symlink = link = rmdir = rename = setxattr = removexattr = _refuse

    # ------------------------------------------------------------------ content and commands

    async def _render(self, node: int) -> bytes:
        """The content of a readable control file, generated now (one or two SQL calls)."""
        if node == C_RESULT:
            return self._result
        if node in self._tags:
            rows = await self._sql(Q_LAYERS, (), FETCH_ALL, idempotent=True)
            for r in rows:
                if self._tags[node] in (r[6] or []):
                    return f"{r[0]} {r[1]}\n".encode()
            raise pyfuse3.FUSEError(errno.ENOENT)
        if node == C_AUDIT_RECENT:
            return await self._render_audit(Filter())
        if node == C_AUDIT_QUERY:
            return await self._render_audit(self._audit_filter)
        if node == C_PERF:
            return self.tree.stats.performance_text().encode()
        if node == C_CACHE:
            return self.tree.stats.cache_text(self.tree.cache_state()).encode()
        if node == C_USAGE:
            row = await self._sql(Q_USAGE, (), idempotent=True)
            return "".join(f"{n} {'' if v is None else v}\n" for n, v in zip(USAGE_FIGURES, row)).encode()
        if node == C_CURRENT:
            row = await self._sql("SELECT layer_id, name FROM tarbox.layer_current()", (), idempotent=True)
            return f"{row[0]} {row[1]}\n".encode()
        rows = await self._sql(Q_LAYERS, (), FETCH_ALL, idempotent=True)
        if node == C_LIST:
            return "".join(_layer_line(r) + "\n" for r in rows).encode()
        if node == C_TREE:
            lines = []
            prev = None
            for r in rows:
                counts = ""
                if prev is not None:
                    ch = await self._sql("SELECT change, count(*) FROM tarbox.diff(%s, %s) GROUP BY 1 ORDER BY 1",
                                         (str(prev), str(r[0])), FETCH_ALL, idempotent=True)
                    counts = "  " + (" ".join(f"{c}{n}" for c, n in ch) or "(no changes)")
                lines.append(("* " if r[4] else "o ") + _layer_line(r) + counts)
                prev = r[0]
            return ("\n|\n".join(reversed(lines)) + "\n").encode()
        if node == C_DIFF:
            return await self._render_diff(rows)
        raise pyfuse3.FUSEError(errno.EACCES)  # write-only command files

    async def _render_audit(self, f: Filter) -> bytes:
        """The tenant's audit records matching ``f``, one line each (``tarbox.audit_search``)."""
        rows = await self._sql(SEARCH_SQL, search_params(f), FETCH_ALL, idempotent=True)
        return "".join(format_record(r) + "\n" for r in rows).encode()

    async def _render_diff(self, layers: list[tuple]) -> bytes:
        words = self._diff_query.split()
        if not words:
            current = [r[0] for r in layers if r[4]][0]
            below = [r[0] for r in layers if r[0] < current]
            words = [str(below[-1] if below else current), str(current)]
        frm = words[0]
        to = words[1] if len(words) > 1 else "current"
        path = words[2] if len(words) > 2 else "/"
        rows = await self._sql("SELECT path, change, type, size_delta, lines_added, lines_deleted "
                               "FROM tarbox.diff(%s, %s, %s)", (frm, to, path), FETCH_ALL, idempotent=True)
        out = [f"# diff {frm} {to} {path}\n"]
        for p, change, kind, delta, added, deleted in rows:
            lines = f" +{added} -{deleted}" if added is not None else ""
            out.append(f"{change} {p}{'/' if kind == 'dir' else ''} {delta:+d}{lines}\n")
        return "".join(out).encode()

    async def _command(self, doc: _Doc, buf: bytes) -> None:
        """Carry out the command written to a control file; remember the outcome in
        ``layers/result``; raise FUSEError(errno) when it fails."""
        text = buf.decode("utf-8", "replace").strip()
        if "\x00" in text:  # names and JSON never hold NUL (the SQL text type cannot carry it)
            self._result = b"error EINVAL: a command cannot contain a NUL byte\n"
            raise pyfuse3.FUSEError(errno.EINVAL)
        if doc.node == C_AUDIT_QUERY:
            try:
                self._audit_filter = parse_filter(text)
            except TarboxError as exc:
                self._result = f"error {errno.errorcode.get(exc.errno, exc.errno)}: {exc.message}\n".encode()
                raise pyfuse3.FUSEError(exc.errno) from None
            self._result = f"ok: audit query set to {text!r}\n".encode()
            return
        try:
            args = json.loads(text) if text.startswith("{") else {"name": text}
            if not isinstance(args, dict):
                raise ValueError("a JSON object is expected")
        except ValueError as exc:
            self._result = f"error EINVAL: {exc}\n".encode()
            raise pyfuse3.FUSEError(errno.EINVAL) from None
        name = args.get("name")
        try:
            if doc.node == C_GC:
                if self.read_only:
                    raise _Refused(errno.EROFS, "this mount is read-only")
                row = await self._command_sql("SELECT * FROM tarbox.gc()", ())
                self._result = (f"ok: gc freed {row[1]} blocks ({row[2]} bytes), {row[3]} blocks kept, "
                                f"{row[4]} ms\n").encode()
                return
            if doc.node == C_FLUSH:
                if self.read_only:
                    raise _Refused(errno.EROFS, "this mount is read-only")
                try:
                    n = await self.tree.sync_all()
                except pyfuse3.FUSEError as exc:
                    raise _Refused(exc.errno, f"flush failed ({errno.errorcode.get(exc.errno, exc.errno)})") from None
                self._result = f"ok: flushed ({n} open file(s) stored); everything written is durable\n".encode()
                return
            if doc.node == C_DIFF:
                self._diff_query = text
                self._result = f"ok: diff query set to {text!r}\n".encode()
                return
            if self.read_only:
                raise _Refused(errno.EROFS, "this mount is read-only")
            if not name:
                raise _Refused(errno.EINVAL, "no layer name given")
            if doc.node == C_NEW:
                row = await self._command_sql(f"SELECT * FROM tarbox.layer_new(%s, %s, %s, {CALLER})",
                                              (str(name), args.get("description"), bool(args.get("confirm")),
                                               *doc.caller))
                message = f"ok: layer {row[0]} {row[1]} is current" + (
                    f" ({row[2]} later layer(s) deleted)" if row[2] else "")
            elif doc.node == C_SWITCH:
                row = await self._command_sql(f"SELECT * FROM tarbox.layer_switch(%s, {CALLER})",
                                              (str(name), *doc.caller))
                message = f"ok: layer {row[0]} {row[1]} is current" + (" (read-only)" if row[2] else "")
            elif doc.node == C_DROP:
                row = await self._command_sql(f"SELECT * FROM tarbox.layer_drop(%s, %s, {CALLER})",
                                              (str(name), bool(args.get("confirm")), *doc.caller))
                message = f"ok: dropped layer {row[0]} {row[1]}"
            elif doc.tag is not None:
                await self._command_sql(
                    f"SELECT count(tarbox.layer_untag(%s, {CALLER})) FROM tarbox.layer_list() l WHERE %s = ANY (l.tags)",
                    (doc.tag, *doc.caller, doc.tag))
                await self._command_sql(f"SELECT tarbox.layer_tag(%s, %s, {CALLER})", (str(name), doc.tag, *doc.caller))
                message = f"ok: tag {doc.tag} names layer {name}"
            else:
                raise _Refused(errno.EACCES, "this file takes no commands")
        except _Refused as exc:
            self._result = f"error {errno.errorcode.get(exc.errno, exc.errno)}: {exc.message}\n".encode()
            raise pyfuse3.FUSEError(exc.errno) from None
        self._result = (message + "\n").encode()
        self.invalidate_after_layer_change()

    async def _command_sql(self, query: str, params: tuple) -> Any:
        """Run one layer command on a pooled connection; on failure (an error, or a failure the
        server reported as a warning, see :func:`~tarbox_shell.fuse.operations.watch_reports`)
        raise :class:`_Refused` with the errno and the database's own message (for
        ``layers/result``)."""
        try:
            self.tree.stats.sql_calls += 1
            async with self.tree.pool.connection() as conn:
                reported = getattr(conn, "reported", None)
                if reported:
                    reported.clear()
                cur = await conn.execute(query, params)
                row = await cur.fetchone()
                failure = reported[0] if reported else None
                if reported:
                    reported.clear()
            if failure is not None:  # raised outside the block: the connection stays pooled
                raise failure
            return row
        except (psycopg.Error, PoolTimeout, ReportedError) as exc:
            raise _Refused(errno_of(exc), message_of(exc)) from None

    def invalidate_after_layer_change(self) -> None:
        """After a layer command of this mount: drop what the kernel caches (the change
        listener ignores this mount's own notifications). Runs after the handler returns,
        in a worker thread, never inside the request that caused it."""
        self.tree.change_generation += 1
        listener = self.tree.listener
        if listener is not None:
            trio.lowlevel.spawn_system_task(trio.to_thread.run_sync, listener.invalidate_everything)


class _Refused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.errno = code
        self.message = message


def _layer_line(r: Sequence[Any]) -> str:
    """One line of layers/list: id, name, [tags], *current*, (read-only)."""
    layer_id, name, _description, created_at, is_current, is_head, tags = r
    tag_text = f" [{', '.join(tags)}]" if tags else ""
    return (f"{layer_id} {name}{tag_text}" + (" *current*" if is_current else "")
            + ("" if is_head else " (read-only)") + f" {created_at:%Y-%m-%dT%H:%M:%S}")
