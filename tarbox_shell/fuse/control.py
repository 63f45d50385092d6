"""The virtual control directory ``/.tarbox/`` and read-only layer views for the FUSE mount.

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
==============================  =====  ==========================================================

A command is carried out by the ``write(2)`` that sends it (``echo v1 > layers/new``; the O_TRUNC
of the shell's redirection is accepted and ignored); a bad one fails that write with the errno
of the SQL error and leaves the message in ``layers/result``. Read-only files are generated
when opened and read with direct I/O, so ``cat`` always sees current content whatever size
``stat`` reports.

Layer views: an inode of layer L is shown under the number ``SNAP_BASE | L << 40 | ino``; the
SQL inode API is called with ``p_layer = L`` (historical layers are read-only: EROFS).
``tarbox mount --layer L`` pins the whole mount to layer L the same way, without renumbering.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass
from typing import Any, Sequence

import pyfuse3

import psycopg
import trio

from ..audit import SEARCH_SQL, Filter, format_record, parse_filter, search_params
from ..errors import ReportedError, TarboxError, errno_of, message_of
from .operations import CALLER, FETCH_ALL, FETCH_NONE, ROOT_INODE, TarboxOperations, caller_of, fuse_handler
from .trio_pg import PoolTimeout

CONTROL_NAME = b".tarbox"
SNAP_BASE = 1 << 61        # layer views: SNAP_BASE | layer << 40 | ino
INO_BITS = 40
CTRL_BASE = 1 << 62        # the fixed control nodes below, and tag files after TAG_BASE
TAG_BASE = CTRL_BASE + 1000

# Fixed control nodes: number -> (name, parent, kind, mode)
C_ROOT, C_LAYERS, C_SNAPS, C_TAGS = CTRL_BASE + 1, CTRL_BASE + 2, CTRL_BASE + 3, CTRL_BASE + 4
C_CURRENT, C_LIST, C_TREE, C_DIFF = CTRL_BASE + 10, CTRL_BASE + 11, CTRL_BASE + 12, CTRL_BASE + 13
C_NEW, C_SWITCH, C_DROP, C_RESULT = CTRL_BASE + 14, CTRL_BASE + 15, CTRL_BASE + 16, CTRL_BASE + 17
C_AUDIT, C_AUDIT_RECENT, C_AUDIT_QUERY = CTRL_BASE + 5, CTRL_BASE + 18, CTRL_BASE + 19

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
}
CHILDREN: dict[int, list[int]] = {}
for _ino, (_name, _parent, _mode) in NODES.items():
    CHILDREN.setdefault(_parent, []).append(_ino)

Q_LOOKUP_AT = f"SELECT * FROM tarbox.fs_lookup(%s::bigint, %s::bytea, %s::int, {CALLER})"
Q_GETATTR_AT = "SELECT * FROM tarbox.fs_getattr(%s::bigint, %s::int)"
Q_READLINK_AT = f"SELECT tarbox.fs_readlink(%s::bigint, %s::int, {CALLER})"
Q_OPEN_AT = f"SELECT * FROM tarbox.fs_open(%s::bigint, %s::int, %s::int, {CALLER})"
Q_READDIR_AT = ("SELECT r.name, r.next_offset, (r.a).* "
                f"FROM tarbox.fs_readdir(%s::bigint, %s::bigint, %s::int, %s::int, {CALLER}) r")
Q_GETXATTR_AT = "SELECT tarbox.fs_getxattr(%s::bigint, %s::bytea, %s::int)"
Q_LISTXATTR_AT = "SELECT * FROM tarbox.fs_listxattr(%s::bigint, %s::int)"
Q_LAYER = "SELECT layer_id, name FROM tarbox.layer_info(%s)"
Q_LAYERS = "SELECT layer_id, name, description, created_at, is_current, is_head, tags FROM tarbox.layer_list()"


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


class ControlOperations(TarboxOperations):
    """:class:`TarboxOperations` plus the ``/.tarbox/`` control directory and layer views.

    Args (besides those of :class:`TarboxOperations`):
        layer: pin the whole mount to this layer id (read-only), or None for the tenant's
            current layer.
    """

    def __init__(self, *args: Any, layer: int | None = None, **kwargs: Any) -> None:
        if layer is not None:
            kwargs["read_only"] = True
        super().__init__(*args, **kwargs)
        self.layer = layer
        self._docs: dict[int, _Doc] = {}
        self._tags: dict[int, str] = {}      # tag file inode -> tag name
        self._tag_inos: dict[str, int] = {}
        self._diff_query = ""                 # last query written to layers/diff
        self._audit_filter = Filter()         # last filter written to audit/query
        self._views: set[int] = set()         # handles of files opened in a layer view
        self._result = b""

    # ------------------------------------------------------------------ classification

    @staticmethod
    def _is_ctrl(ino: int) -> bool:
        return ino >= CTRL_BASE

    @staticmethod
    def _is_snap(ino: int) -> bool:
        return SNAP_BASE <= ino < CTRL_BASE

    def _real(self, ino: int) -> tuple[int | None, int]:
        """(layer or None, real inode) for a file-system inode (layer view or pinned)."""
        if self._is_snap(ino):
            return split_snap(ino)
        return self.layer, ino

    def _shown(self, layer: int | None, ino: int, snap: bool) -> int:
        return snap_ino(layer, ino) if snap else ino

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

    # ------------------------------------------------------------------ lookups

    @fuse_handler
    async def lookup(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """FUSE LOOKUP: ``/.tarbox`` and below from the control tree, layer views with
        ``tarbox.fs_lookup(parent, name, layer)``, everything else as :class:`TarboxOperations`."""
        if parent_inode == ROOT_INODE and name == CONTROL_NAME:
            return self._ctrl_attr(C_ROOT)
        if self._is_ctrl(parent_inode):
            if parent_inode == C_SNAPS:
                try:
                    layer, _ = await self._layer(os.fsdecode(name))
                except pyfuse3.FUSEError:
                    raise pyfuse3.FUSEError(errno.ENOENT) from None
                row = await self._sql(Q_GETATTR_AT, (ROOT_INODE, layer), idempotent=True)
                return self._view_entry(row, layer, True)
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
        if self._is_snap(parent_inode) or self.layer is not None:
            layer, real = self._real(parent_inode)
            row = await self._sql(Q_LOOKUP_AT, (real, name, layer, *caller_of(ctx)), idempotent=True)
            return self._view_entry(row, layer, self._is_snap(parent_inode))
        return await super().lookup(parent_inode, name, ctx)

    def _view_entry(self, row: Sequence[Any], layer: int, snap: bool) -> pyfuse3.EntryAttributes:
        e = self._entry(row, self.timeout if not snap else 60.0)
        if snap:
            e.st_ino = snap_ino(layer, e.st_ino)
            e.st_mode &= ~0o222  # a historical layer is read-only
        return e

    async def forget(self, inode_list: Sequence[tuple[int, int]]) -> None:
        """FUSE FORGET: virtual inodes are not counted; the rest as :class:`TarboxOperations`
        (which never raises: an exception here would end pyfuse3's main loop)."""
        real = [(i, n) for i, n in inode_list if i < SNAP_BASE]
        if real and self.layer is None:
            await super().forget(real)

    @fuse_handler
    async def getattr(self, inode: int, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """FUSE GETATTR for control nodes, layer views and the rest."""
        if self._is_ctrl(inode):
            return self._ctrl_attr(inode)
        if self._is_snap(inode) or self.layer is not None:
            layer, real = self._real(inode)
            row = await self._sql(Q_GETATTR_AT, (real, layer), idempotent=True)
            return self._view_entry(row, layer, self._is_snap(inode))
        return await super().getattr(inode, ctx)

    @fuse_handler
    async def readlink(self, inode: int, ctx: pyfuse3.RequestContext) -> bytes:
        """FUSE READLINK, as of the layer for layer views."""
        if self._is_snap(inode) or self.layer is not None:
            layer, real = self._real(inode)
            row = await self._sql(Q_READLINK_AT, (real, layer, *caller_of(ctx)), idempotent=True)
            return bytes(row[0])
        return await super().readlink(inode, ctx)

    # ------------------------------------------------------------------ directories

    @fuse_handler
    async def opendir(self, inode: int, ctx: pyfuse3.RequestContext) -> int:
        """FUSE OPENDIR (control directories need no SQL)."""
        return self._new_handle(inode, os.O_RDONLY, is_dir=True, caller=caller_of(ctx))

    @fuse_handler
    async def readdir(self, fh: int, start_id: int, token: pyfuse3.ReaddirToken) -> None:
        """FUSE READDIRPLUS: control directories list their nodes (snapshots/: every layer by
        name, tags/: every tag); layer views list ``tarbox.fs_readdir(ino, off, n, layer)``.
        The root's listing never shows ``.tarbox``."""
        h = self._handle(fh)
        if self._is_ctrl(h.ino):
            entries: list[tuple[bytes, pyfuse3.EntryAttributes]] = []
            if h.ino == C_SNAPS:
                for r in await self._sql(Q_LAYERS, (), FETCH_ALL, idempotent=True):
                    row = await self._sql(Q_GETATTR_AT, (ROOT_INODE, r[0]), idempotent=True)
                    entries.append((os.fsencode(r[1]), self._view_entry(row, r[0], True)))
            elif h.ino == C_TAGS:
                for r in await self._sql(Q_LAYERS, (), FETCH_ALL, idempotent=True):
                    for tag in r[6] or []:
                        entries.append((os.fsencode(tag), self._ctrl_attr(self._tag_ino(tag))))
            else:
                entries = [(NODES[c][0], self._ctrl_attr(c)) for c in CHILDREN.get(h.ino, [])]
            for i, (name, attr) in enumerate(entries[start_id:], start=start_id + 1):
                if not pyfuse3.readdir_reply(token, name, attr, i):
                    return
            return
        if self._is_snap(h.ino) or self.layer is not None:
            snap = self._is_snap(h.ino)
            layer, real = self._real(h.ino)
            offset = start_id
            while True:
                rows = await self._sql(Q_READDIR_AT, (real, offset, 48, layer, *h.caller), FETCH_ALL,
                                       idempotent=True)
                for row in rows:
                    if not pyfuse3.readdir_reply(token, bytes(row[0]), self._view_entry(row[2:], layer, snap), row[1]):
                        return
                    offset = row[1]
                if len(rows) < 48:
                    return
        await super().readdir(fh, start_id, token)

    # ------------------------------------------------------------------ files

    @fuse_handler
    async def open(self, inode: int, flags: int, ctx: pyfuse3.RequestContext) -> pyfuse3.FileInfo:
        """FUSE OPEN: control files get their content now (direct I/O); layer views open
        read-only (EROFS for writing); the rest as :class:`TarboxOperations`."""
        writing = (flags & os.O_ACCMODE) != os.O_RDONLY
        if self._is_ctrl(inode):
            mode = self._ctrl_attr(inode).st_mode
            if stat.S_ISDIR(mode):
                raise pyfuse3.FUSEError(errno.EISDIR)
            fh = self._new_handle(inode, flags, caller=caller_of(ctx))
            doc = _Doc(inode, tag=self._tags.get(inode), caller=caller_of(ctx))
            if not writing:
                doc.data = await self._render(inode)
            self._docs[fh] = doc
            fi = pyfuse3.FileInfo(fh=fh)
            fi.direct_io = True
            fi.keep_cache = False
            return fi
        if self._is_snap(inode) or self.layer is not None:
            if writing or flags & os.O_TRUNC:
                raise pyfuse3.FUSEError(errno.EROFS)
            layer, real = self._real(inode)
            await self._sql(Q_OPEN_AT, (real, flags, layer, *caller_of(ctx)), idempotent=True)
            fi = pyfuse3.FileInfo(fh=self._new_handle(inode, flags, caller=caller_of(ctx), layer=layer, real=real))
            self._views.add(fi.fh)
            fi.keep_cache = True  # a historical layer never changes
            return fi
        return await super().open(inode, flags, ctx)

    @fuse_handler
    async def read(self, fh: int, off: int, size: int) -> bytes:
        """FUSE READ: generated content for control files, ``fs_read(.., layer)`` for views."""
        doc = self._docs.get(fh)
        if doc is not None:
            return doc.data[off:off + size]
        h = self._handle(fh)
        if fh in self._views:
            return await self._read(h, fh, off, size, h.layer)
        return await super().read(fh, off, size)

    @fuse_handler
    async def write(self, fh: int, off: int, buf: bytes) -> int:
        """FUSE WRITE: a control file carries out the command in ``buf`` (EINVAL when the file
        takes no commands, the SQL error's errno when the command fails)."""
        doc = self._docs.get(fh)
        if doc is None:
            return await super().write(fh, off, buf)
        await self._command(doc, buf)
        return len(buf)

    @fuse_handler
    async def release(self, fh: int) -> None:
        """FUSE RELEASE."""
        self._docs.pop(fh, None)
        h = self._handles.get(fh)
        if h is not None and (self._is_ctrl(h.ino) or fh in self._views):
            self._handles.pop(fh, None)
            self._opens.pop(h.ino, None)
            if fh in self._views:  # a file of a layer view: its reads, as for any file
                self._views.discard(fh)
                await self._report_reads(h)
            return
        await super().release(fh)

    @fuse_handler
    async def releasedir(self, fh: int) -> None:
        """FUSE RELEASEDIR."""
        await self.release(fh)

    @fuse_handler
    async def flush(self, fh: int) -> None:
        """FUSE FLUSH."""
        if fh in self._docs:
            return
        await super().flush(fh)

    @fuse_handler
    async def setattr(self, inode: int, attr: pyfuse3.EntryAttributes, fields: pyfuse3.SetattrFields,
                      fh: int | None, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """FUSE SETATTR: the truncation a shell's ``>`` sends to a control file is accepted and
        ignored; nothing else may change there or in a layer view (EROFS / EPERM)."""
        if self._is_ctrl(inode):
            if fields.update_size and not (fields.update_mode or fields.update_uid or fields.update_gid):
                return self._ctrl_attr(inode)
            raise pyfuse3.FUSEError(errno.EPERM)
        if self._is_snap(inode):
            raise pyfuse3.FUSEError(errno.EROFS)
        return await super().setattr(inode, attr, fields, fh, ctx)

    @fuse_handler
    async def create(self, parent_inode: int, name: bytes, mode: int, flags: int,
                     ctx: pyfuse3.RequestContext) -> tuple[pyfuse3.FileInfo, pyfuse3.EntryAttributes]:
        """FUSE CREATE: ``layers/tags/<new tag>`` makes a tag file (the tag exists once a
        layer is written to it); elsewhere in the control tree or a layer view EACCES/EROFS."""
        if parent_inode == C_TAGS:
            ino = self._tag_ino(os.fsdecode(name))
            fh = self._new_handle(ino, flags)
            self._docs[fh] = _Doc(ino, tag=self._tags[ino], caller=caller_of(ctx))
            fi = pyfuse3.FileInfo(fh=fh)
            fi.direct_io = True
            return fi, self._ctrl_attr(ino)
        if self._is_ctrl(parent_inode):
            raise pyfuse3.FUSEError(errno.EACCES)
        if self._is_snap(parent_inode):
            raise pyfuse3.FUSEError(errno.EROFS)
        if parent_inode == ROOT_INODE and name == CONTROL_NAME:
            raise pyfuse3.FUSEError(errno.EEXIST)
        return await super().create(parent_inode, name, mode, flags, ctx)

    # Every other change inside the control tree or a layer view is refused.
    async def _refuse(self, *inodes: int) -> None:
        for ino in inodes:
            if self._is_ctrl(ino):
                raise pyfuse3.FUSEError(errno.EPERM)
            if self._is_snap(ino):
                raise pyfuse3.FUSEError(errno.EROFS)

    @fuse_handler
    async def mknod(self, parent_inode, name, mode, rdev, ctx):
        """FUSE MKNOD (refused in the control tree and layer views)."""
        await self._refuse(parent_inode)
        return await super().mknod(parent_inode, name, mode, rdev, ctx)

    @fuse_handler
    async def mkdir(self, parent_inode, name, mode, ctx):
        """FUSE MKDIR (refused in the control tree and layer views)."""
        await self._refuse(parent_inode)
        return await super().mkdir(parent_inode, name, mode, ctx)

    @fuse_handler
    async def symlink(self, parent_inode, name, target, ctx):
        """FUSE SYMLINK (refused in the control tree and layer views)."""
        await self._refuse(parent_inode)
        return await super().symlink(parent_inode, name, target, ctx)

    @fuse_handler
    async def link(self, inode, new_parent_inode, new_name, ctx):
        """FUSE LINK (refused in the control tree and layer views)."""
        await self._refuse(inode, new_parent_inode)
        return await super().link(inode, new_parent_inode, new_name, ctx)

    @fuse_handler
    async def unlink(self, parent_inode, name, ctx):
        """FUSE UNLINK (a tag file: removes the tag; refused elsewhere in the control tree)."""
        if parent_inode == C_TAGS:
            await self._sql(f"SELECT tarbox.layer_untag(%s, {CALLER})", (os.fsdecode(name), *caller_of(ctx)),
                            FETCH_NONE)
            return
        await self._refuse(parent_inode)
        await super().unlink(parent_inode, name, ctx)

    @fuse_handler
    async def rmdir(self, parent_inode, name, ctx):
        """FUSE RMDIR (refused in the control tree and layer views)."""
        await self._refuse(parent_inode)
        if parent_inode == ROOT_INODE and name == CONTROL_NAME:
            raise pyfuse3.FUSEError(errno.EPERM)
        await super().rmdir(parent_inode, name, ctx)

    @fuse_handler
    async def rename(self, parent_inode_old, name_old, parent_inode_new, name_new, flags, ctx):
        """FUSE RENAME (refused in the control tree and layer views)."""
        await self._refuse(parent_inode_old, parent_inode_new)
        if ROOT_INODE in (parent_inode_old, parent_inode_new) and CONTROL_NAME in (name_old, name_new):
            raise pyfuse3.FUSEError(errno.EPERM)
        await super().rename(parent_inode_old, name_old, parent_inode_new, name_new, flags, ctx)

    @fuse_handler
    async def getxattr(self, inode, name, ctx):
        """FUSE GETXATTR (as of the layer in views; control nodes have none)."""
        if self._is_ctrl(inode):
            raise pyfuse3.FUSEError(errno.ENODATA)
        if self._is_snap(inode) or self.layer is not None:
            layer, real = self._real(inode)
            row = await self._sql(Q_GETXATTR_AT, (real, name, layer), idempotent=True)
            return bytes(row[0])
        return await super().getxattr(inode, name, ctx)

    @fuse_handler
    async def listxattr(self, inode, ctx):
        """FUSE LISTXATTR (as of the layer in views; control nodes have none)."""
        if self._is_ctrl(inode):
            return []
        if self._is_snap(inode) or self.layer is not None:
            layer, real = self._real(inode)
            rows = await self._sql(Q_LISTXATTR_AT, (real, layer), FETCH_ALL, idempotent=True)
            return [bytes(r[0]) for r in rows]
        return await super().listxattr(inode, ctx)

    @fuse_handler
    async def setxattr(self, inode, name, value, ctx):
        """FUSE SETXATTR (refused in the control tree and layer views)."""
        await self._refuse(inode)
        await super().setxattr(inode, name, value, ctx)

    @fuse_handler
    async def removexattr(self, inode, name, ctx):
        """FUSE REMOVEXATTR (refused in the control tree and layer views)."""
        await self._refuse(inode)
        await super().removexattr(inode, name, ctx)

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
            async with self._pool.connection() as conn:
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
        self.change_generation += 1
        listener = getattr(self, "listener", None)
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
