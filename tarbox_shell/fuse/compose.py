"""One component of a mount (:mod:`.dispatch`): a composition, another tenant's published
layer shown read-only or copy-on-write at a path of the tree (issue 15 item 4).

Each kernel request becomes one call of the SQL composition API
(``sql/functions/87-compose/``: ``tarbox.compose_lookup``, ``compose_getattr``,
``compose_readdir``, ``compose_read`` ...), which reads the publisher's rows at the published
layer; row-level security is what lets the tenant's role see them, and only while the
publication is public or granted to it. The publisher's inode ``n`` is shown as
``COMPOSE_BASE | slot << 40 | n`` (``slot``: the composition's SQL id minus 1, fixed for its
life, so these are the numbers ``tarbox.stat``, the remote and WASI APIs show, also after
compositions are added or removed while the mount runs).

Read-only (mode ``ro``): every change is refused with EROFS (RENAME and LINK to or from another
component too). Copy-on-write (mode ``cow``, ``sql/functions/88-compose-cow/``): create, mkdir,
symlink, mknod, write, setattr (and O_TRUNC), unlink, rmdir, rename, link, setxattr and
removexattr are one SQL call each (``tarbox.compose_create`` ...), which copies up and changes
the consumer's own rows; RENAME and LINK across the composition's boundary answer EXDEV (tools
then copy), and so does renaming a directory the publisher has (overlayfs without
redirect_dir). The
kernel caches entries and attributes for ``COMPOSE_TIMEOUT`` seconds only, and file contents
not across opens, so a revoked grant or an unpublished layer shows within that time (ENOENT).

Audit at level ``full``: the calls that serve reads are read-only, so while the tenant's
highest level is full the view queues reports on the tree
(:meth:`~.operations.TarboxOperations.queue_compose_report`), sent in batches to
``tarbox.compose_report`` like the tree's own read and lookup reports: each lookup with its
outcome, each listing read from its start, and each file opened for reading once, at
release, with its read count, bytes and time.

Imports: :mod:`.dispatch` and :mod:`.operations` (the tree's SQL plumbing).
"""

from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pyfuse3

from .dispatch import COMPOSE_BASE, COMPOSE_SLOT_SHIFT, CID_COMPOSE, Component
from ..db import clamp_ns
from .operations import FETCH_ALL, FETCH_NONE, TarboxOperations, caller_of, entry_from_row, fuse_handler

COMPOSE_TIMEOUT = 1.0   # seconds: a revocation shows within this time
COMPOSE_ROOT = 1        # the publisher's root inode

Q_LOOKUP = "SELECT * FROM tarbox.compose_lookup(%s::int, %s::bigint, %s::bytea)"
Q_GETATTR = "SELECT * FROM tarbox.compose_getattr(%s::int, %s::bigint)"
Q_READLINK = "SELECT tarbox.compose_readlink(%s::int, %s::bigint)"
Q_READ = "SELECT tarbox.compose_read(%s::int, %s::bigint, %s::bigint, %s::int)"
Q_READDIR = ("SELECT r.name, r.next_offset, (r.a).* "
             "FROM tarbox.compose_readdir(%s::int, %s::bigint, %s::bigint, %s::int) r")
Q_GETXATTR = "SELECT tarbox.compose_getxattr(%s::int, %s::bigint, %s::bytea)"
Q_LISTXATTR = "SELECT * FROM tarbox.compose_listxattr(%s::int, %s::bigint)"
# Copy-on-write (88-compose-cow): one SQL call per change, copy-up included.
Q_CREATE = ("SELECT * FROM tarbox.compose_create(%s::int, %s::bigint, %s::bytea, %s::int, %s::bigint, "
            "%s::bigint, %s::int, %s::bigint, %s::bigint, %s::int)")
Q_MKDIR = ("SELECT * FROM tarbox.compose_mkdir(%s::int, %s::bigint, %s::bytea, %s::int, %s::bigint, "
           "%s::bigint, %s::bigint, %s::bigint, %s::int)")
Q_SYMLINK = ("SELECT * FROM tarbox.compose_symlink(%s::int, %s::bigint, %s::bytea, %s::bytea, %s::bigint, "
             "%s::bigint, %s::bigint, %s::bigint, %s::int)")
Q_WRITE = ("SELECT tarbox.compose_write(%s::int, %s::bigint, %s::bigint, %s::bytea, false, %s::boolean, "
           "%s::bigint, %s::bigint, %s::int)")
Q_SETATTR = ("SELECT * FROM tarbox.compose_setattr(%s::int, %s::bigint, %s::int, %s::bigint, %s::bigint, "
             "%s::bigint, %s::bigint, %s::bigint, %s::bigint, %s::bigint, %s::bigint, %s::int)")
Q_UNLINK = "SELECT tarbox.compose_unlink(%s::int, %s::bigint, %s::bytea, %s::bigint, %s::bigint, %s::int)"
Q_RMDIR = "SELECT tarbox.compose_rmdir(%s::int, %s::bigint, %s::bytea, %s::bigint, %s::bigint, %s::int)"
Q_RENAME = ("SELECT tarbox.compose_rename(%s::int, %s::bigint, %s::bytea, %s::bigint, %s::bytea, %s::int, "
            "%s::bigint, %s::bigint, %s::int)")
Q_LINK = ("SELECT * FROM tarbox.compose_link(%s::int, %s::bigint, %s::bigint, %s::bytea, "
          "%s::bigint, %s::bigint, %s::int)")
Q_MKNOD = ("SELECT * FROM tarbox.compose_mknod(%s::int, %s::bigint, %s::bytea, %s::int, %s::bigint, %s::bigint, "
           "%s::bigint, %s::bigint, %s::bigint, %s::int)")
Q_SETXATTR = ("SELECT tarbox.compose_setxattr(%s::int, %s::bigint, %s::bytea, %s::bytea, 0, "
              "%s::bigint, %s::bigint, %s::int)")
Q_REMOVEXATTR = ("SELECT tarbox.compose_removexattr(%s::int, %s::bigint, %s::bytea, "
                 "%s::bigint, %s::bigint, %s::int)")

_READDIR_BATCH = 48
_INO_MASK = (1 << COMPOSE_SLOT_SHIFT) - 1


@dataclass(frozen=True)
class ComposeSpec:
    """One composition of the tenant (a row of ``tarbox.compose_prepare()`` or
    ``compose_list()``): ``compose_id`` (the SQL id), ``mount_path`` (str), ``source``
    (``published:NAME``), ``mode`` (``ro``) and ``available`` (the grant exists now)."""

    compose_id: int
    mount_path: str
    source: str
    mode: str
    available: bool


@dataclass
class _Reads:
    """The reads of one open handle while reads are audited: who opened it, calls, bytes, ns."""

    caller: tuple
    calls: int = 0
    bytes: int = 0
    ns: int = 0


class ComposedView(Component):
    """A publication shown read-only at its mount point (see the module docstring).

    Args:
        index: this composition's place in the mount (0 ..): its component id is
            ``CID_COMPOSE + index``. Its inodes are ``COMPOSE_BASE | slot << 40 | n``, slot
            ``spec.compose_id - 1`` (0 .. 65534), as SQL numbers them (``tarbox._compose_ino``).
        spec: the composition (:class:`ComposeSpec`).
        tree: the mount's tree component, whose pool and errno mapping the SQL calls use.
    """

    foreign_errno = errno.EROFS

    def __init__(self, index: int, spec: ComposeSpec, tree: TarboxOperations) -> None:
        super().__init__()
        slot = spec.compose_id - 1
        if not 0 <= index < 0x7FFF or not 0 <= slot < 0xFFFF:
            raise ValueError(f"composition {spec.compose_id} (index {index} in the mount) out of range")
        self.cid = CID_COMPOSE + index
        self.compose_slot = slot
        self.base = COMPOSE_BASE | slot << COMPOSE_SLOT_SHIFT
        self.root = self.base | COMPOSE_ROOT
        self.spec = spec
        self.tree = tree
        self._handles: dict[int, int] = {}  # fh -> publisher inode
        self._reads: dict[int, _Reads] = {}  # fh -> what went through it, while reads are audited
        self._listers: dict[int, tuple] = {}  # directory fh -> who opened it, while reads are audited
        tree.compose_views.append(self)
        self.cow = spec.mode == "cow"
        # RENAME/LINK across the boundary: EROFS for a read-only view, EXDEV for a cow one.
        self.foreign_errno = errno.EXDEV if self.cow else errno.EROFS

    def _real(self, ino: int) -> int:
        """The publisher's inode number of an inode this view shows."""
        return ino & _INO_MASK

    def _entry(self, row: Sequence[Any]) -> pyfuse3.EntryAttributes:
        e = entry_from_row(row, COMPOSE_TIMEOUT)
        e.st_ino = self.base | e.st_ino
        return e

    async def _sql(self, query: str, params: Sequence[Any], fetch: Any = None) -> Any:
        if fetch is None:
            return await self.tree.run_sql(query, params, idempotent=True)
        return await self.tree.run_sql(query, params, fetch, idempotent=True)

    def _handle(self, fh: int) -> int:
        ino = self._handles.get(fh)
        if ino is None:
            raise pyfuse3.FUSEError(errno.EBADF)
        return ino

    @fuse_handler
    async def root_entry(self, parent: int) -> pyfuse3.EntryAttributes:
        """The published root directory, shown at the mount point."""
        return self._entry(await self._sql(Q_GETATTR, (self.spec.compose_id, COMPOSE_ROOT)))

    @fuse_handler
    async def lookup(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """LOOKUP: ``tarbox.compose_lookup``; '..' of the root is ENOENT here (the kernel
        resolves it through its own dentry of the mount point)."""
        real = self._real(parent_inode)
        if name == b".." and real == COMPOSE_ROOT:
            raise pyfuse3.FUSEError(errno.ENOENT)
        if not self.tree.audit_reads:
            return self._entry(await self._sql(Q_LOOKUP, (self.spec.compose_id, real, name)))
        try:
            entry = self._entry(await self._sql(Q_LOOKUP, (self.spec.compose_id, real, name)))
        except pyfuse3.FUSEError as exc:
            self._report("lookup", real, name, exc.errno, None, ctx)
            raise
        self._report("lookup", real, name, None, None, ctx)
        return entry

    def _report(self, op: str, real: int, name: bytes | None, code: int | None, reads: "_Reads | None",
                ctx: Any) -> None:
        """Queue an audit report of this composition on the tree (``tarbox.compose_report``)."""
        counts = (None, None, None) if reads is None else (reads.calls, reads.bytes, reads.ns)
        caller = caller_of(ctx) if reads is None else reads.caller
        self.tree.queue_compose_report((op, self.spec.compose_id, real, name, code, *counts, *caller))

    @fuse_handler
    async def getattr(self, inode: int, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """GETATTR: ``tarbox.compose_getattr``."""
        return self._entry(await self._sql(Q_GETATTR, (self.spec.compose_id, self._real(inode))))

    @fuse_handler
    async def readlink(self, inode: int, ctx: pyfuse3.RequestContext) -> bytes:
        """READLINK: ``tarbox.compose_readlink``."""
        row = await self._sql(Q_READLINK, (self.spec.compose_id, self._real(inode)))
        return bytes(row[0])

    @fuse_handler
    async def opendir(self, inode: int, ctx: pyfuse3.RequestContext) -> int:
        """OPENDIR: ``tarbox.compose_getattr`` checks that the directory is still there: a
        revoked or removed publication is ENOENT here. (A READDIR error is no substitute:
        glibc's readdir takes ENOENT from getdents for the end of a deleted directory, so
        ``ls`` would show an empty directory.)"""
        real = self._real(inode)
        entry = self._entry(await self._sql(Q_GETATTR, (self.spec.compose_id, real)))
        if entry.st_mode & 0o170000 != 0o040000:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        fh = self.new_fh()
        self._handles[fh] = real
        if self.tree.audit_reads:
            self._listers[fh] = caller_of(ctx)
        return fh

    @fuse_handler
    async def readdir(self, fh: int, start_id: int, emit: Callable[..., bool]) -> None:
        """READDIRPLUS: '.' (offset 1), '..' (offset 2; the root's parent is shown as the root,
        the kernel replaces it), then ``tarbox.compose_readdir`` from the name cookies on."""
        real = self._handle(fh)
        offset = start_id
        if offset == 0 and fh in self._listers:
            self.tree.queue_compose_report(("readdir", self.spec.compose_id, real, None, None, None, None, None,
                                            *self._listers[fh]))
        if offset < 2:
            me = self._entry(await self._sql(Q_GETATTR, (self.spec.compose_id, real)))
            if offset < 1 and not emit(b".", me, 1):
                return
            up = me
            if real != COMPOSE_ROOT:
                up = self._entry(await self._sql(Q_LOOKUP, (self.spec.compose_id, real, b"..")))
            if not emit(b"..", up, 2):
                return
            offset = 2
        while True:
            rows = await self._sql(Q_READDIR, (self.spec.compose_id, real, offset, _READDIR_BATCH), FETCH_ALL)
            for row in rows:
                if not emit(bytes(row[0]), self._entry(row[2:]), row[1]):
                    return
                offset = row[1]
            if len(rows) < _READDIR_BATCH:
                return

    @fuse_handler
    async def open(self, inode: int, flags: int, ctx: pyfuse3.RequestContext) -> pyfuse3.FileInfo:
        """OPEN read-only (EROFS for writing or O_TRUNC); the inode is checked by a getattr."""
        writing = (flags & os.O_ACCMODE) != os.O_RDONLY or flags & os.O_TRUNC
        if writing and not self.cow:
            raise pyfuse3.FUSEError(errno.EROFS)
        real = self._real(inode)
        if flags & os.O_TRUNC:
            await self._change(Q_SETATTR, (self.spec.compose_id, real, None, None, None, 0, None, None, None,
                                           *caller_of(ctx)))
        entry = self._entry(await self._sql(Q_GETATTR, (self.spec.compose_id, real)))
        if entry.st_mode & 0o170000 == 0o040000:
            raise pyfuse3.FUSEError(errno.EISDIR)
        fh = self.new_fh()
        self._handles[fh] = real
        if not writing and self.tree.audit_reads:
            self._reads[fh] = _Reads(caller_of(ctx))
        return pyfuse3.FileInfo(fh=fh)

    @fuse_handler
    async def read(self, fh: int, off: int, size: int) -> bytes:
        """READ: ``tarbox.compose_read`` (counted for the handle's read report at level full)."""
        start = time.perf_counter_ns()
        row = await self._sql(Q_READ, (self.spec.compose_id, self._handle(fh), off, size))
        data = b"" if row[0] is None else bytes(row[0])
        counted = self._reads.get(fh)
        if counted is not None:
            counted.calls += 1
            counted.bytes += len(data)
            counted.ns += time.perf_counter_ns() - start
        return data

    @fuse_handler
    async def write(self, fh: int, off: int, buf: bytes) -> int:
        """WRITE: ``tarbox.compose_write`` (copy-up included); EROFS read-only."""
        if not self.cow:
            raise pyfuse3.FUSEError(errno.EROFS)
        row = await self._change(Q_WRITE, (self.spec.compose_id, self._handle(fh), off, buf, True, None, None, None))
        return int(row[0])

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
        """RELEASE: the handle's read report is queued (level full)."""
        real = self._handles.pop(fh, None)
        counted = self._reads.pop(fh, None)
        if counted is not None and real is not None:
            self._report("read", real, None, None, counted, None)

    def release_all(self) -> None:
        """At unmount: the read reports of handles still open are queued."""
        for fh in list(self._reads):
            real = self._handles.get(fh)
            counted = self._reads.pop(fh)
            if real is not None:
                self._report("read", real, None, None, counted, None)

    async def releasedir(self, fh: int) -> None:
        """RELEASEDIR."""
        self._handles.pop(fh, None)
        self._listers.pop(fh, None)

    @fuse_handler
    async def getxattr(self, inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> bytes:
        """GETXATTR: ``tarbox.compose_getxattr``."""
        row = await self._sql(Q_GETXATTR, (self.spec.compose_id, self._real(inode), name))
        return bytes(row[0])

    @fuse_handler
    async def listxattr(self, inode: int, ctx: pyfuse3.RequestContext) -> list[bytes]:
        """LISTXATTR: ``tarbox.compose_listxattr``."""
        rows = await self._sql(Q_LISTXATTR, (self.spec.compose_id, self._real(inode)), FETCH_ALL)
        return [bytes(r[0]) for r in rows]

    async def statfs(self, ctx: pyfuse3.RequestContext, inode: int | None = None) -> pyfuse3.StatvfsData:
        """STATFS below the mount point: the tenant's figures (the tree's), as elsewhere in
        the mount (a composition stores nothing of the consumer's)."""
        return await self.tree.statfs(ctx)

    async def _change(self, query: str, params: Sequence[Any], fetch: Any = None) -> Any:
        """One change of a cow composition: one SQL call (EROFS unless cow, or on a read-only mount)."""
        if not self.cow:
            raise pyfuse3.FUSEError(errno.EROFS)
        if fetch is None:
            return await self.tree.run_sql(query, params, write=True)
        return await self.tree.run_sql(query, params, fetch, write=True)

    @fuse_handler
    async def setattr(self, inode: int, attr: pyfuse3.EntryAttributes, fields: pyfuse3.SetattrFields,
                      fh: int | None, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """SETATTR (chmod, chown, truncate, utimes): ``tarbox.compose_setattr``."""
        return self._entry(await self._change(Q_SETATTR, (
            self.spec.compose_id, self._real(inode),
            (attr.st_mode & 0o7777) if fields.update_mode else None,
            attr.st_uid if fields.update_uid else None,
            attr.st_gid if fields.update_gid else None,
            attr.st_size if fields.update_size else None,
            clamp_ns(attr.st_atime_ns) if fields.update_atime else None,
            clamp_ns(attr.st_mtime_ns) if fields.update_mtime else None,
            clamp_ns(attr.st_ctime_ns) if fields.update_ctime else None,
            *caller_of(ctx))))

    @fuse_handler
    async def create(self, parent_inode: int, name: bytes, mode: int, flags: int,
                     ctx: pyfuse3.RequestContext) -> tuple[pyfuse3.FileInfo, pyfuse3.EntryAttributes]:
        """CREATE: ``tarbox.compose_create``, then an open handle on the new file."""
        entry = self._entry(await self._change(Q_CREATE, (
            self.spec.compose_id, self._real(parent_inode), name, mode & 0o7777 & ~(ctx.umask & 0o777),
            ctx.uid, ctx.gid, flags, *caller_of(ctx))))
        fh = self.new_fh()
        self._handles[fh] = self._real(entry.st_ino)
        return pyfuse3.FileInfo(fh=fh), entry

    @fuse_handler
    async def mkdir(self, parent_inode: int, name: bytes, mode: int,
                    ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """MKDIR: ``tarbox.compose_mkdir``."""
        return self._entry(await self._change(Q_MKDIR, (
            self.spec.compose_id, self._real(parent_inode), name, mode & 0o7777 & ~(ctx.umask & 0o777),
            ctx.uid, ctx.gid, *caller_of(ctx))))

    @fuse_handler
    async def symlink(self, parent_inode: int, name: bytes, target: bytes,
                      ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """SYMLINK: ``tarbox.compose_symlink``."""
        return self._entry(await self._change(Q_SYMLINK, (
            self.spec.compose_id, self._real(parent_inode), name, target, ctx.uid, ctx.gid, *caller_of(ctx))))

    @fuse_handler
    async def unlink(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """UNLINK: ``tarbox.compose_unlink`` (a whiteout hides the publisher's entry)."""
        await self._change(Q_UNLINK, (self.spec.compose_id, self._real(parent_inode), name, *caller_of(ctx)),
                           FETCH_NONE)

    @fuse_handler
    async def rmdir(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """RMDIR: ``tarbox.compose_rmdir`` (ENOTEMPTY on the merged view)."""
        await self._change(Q_RMDIR, (self.spec.compose_id, self._real(parent_inode), name, *caller_of(ctx)),
                           FETCH_NONE)

    @fuse_handler
    async def mknod(self, parent_inode: int, name: bytes, mode: int, rdev: int,
                    ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """MKNOD (FIFO, socket, device): ``tarbox.compose_mknod`` (a character device 0/0 is a
        whiteout: EPERM)."""
        return self._entry(await self._change(Q_MKNOD, (
            self.spec.compose_id, self._real(parent_inode), name, mode & ~(ctx.umask & 0o777), rdev,
            ctx.uid, ctx.gid, *caller_of(ctx))))

    @fuse_handler
    async def link(self, inode: int, new_parent_inode: int, new_name: bytes,
                   ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """LINK within the composition: ``tarbox.compose_link`` (the target is copied up)."""
        return self._entry(await self._change(Q_LINK, (
            self.spec.compose_id, self._real(inode), self._real(new_parent_inode), new_name, *caller_of(ctx))))

    @fuse_handler
    async def rename(self, parent_inode_old: int, name_old: bytes, parent_inode_new: int,
                     name_new: bytes, flags: int, ctx: pyfuse3.RequestContext) -> None:
        """RENAME within the composition: ``tarbox.compose_rename`` with the flags passed
        through (RENAME_NOREPLACE, RENAME_EXCHANGE); EXDEV for a publisher's directory."""
        await self._change(Q_RENAME, (
            self.spec.compose_id, self._real(parent_inode_old), name_old, self._real(parent_inode_new), name_new,
            flags, *caller_of(ctx)), FETCH_NONE)

    @fuse_handler
    async def setxattr(self, inode: int, name: bytes, value: bytes, ctx: pyfuse3.RequestContext) -> None:
        """SETXATTR: ``tarbox.compose_setxattr`` (copy-up included)."""
        await self._change(Q_SETXATTR, (self.spec.compose_id, self._real(inode), name, value, *caller_of(ctx)),
                           FETCH_NONE)

    @fuse_handler
    async def removexattr(self, inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """REMOVEXATTR: ``tarbox.compose_removexattr`` (ENODATA when the merged view lacks it)."""
        await self._change(Q_REMOVEXATTR, (self.spec.compose_id, self._real(inode), name, *caller_of(ctx)),
                           FETCH_NONE)
