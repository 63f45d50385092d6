"""One component of a mount (:mod:`.dispatch`): a composition, another tenant's published
layer shown read-only at a path of the tree (issue 15 item 4).

Each kernel request becomes one call of the SQL composition API
(``sql/functions/87-compose/``: ``tarbox.compose_lookup``, ``compose_getattr``,
``compose_readdir``, ``compose_read`` ...), which reads the publisher's rows at the published
layer; row-level security is what lets the tenant's role see them, and only while the
publication is public or granted to it. The publisher's inode ``n`` is shown as
``COMPOSE_BASE | slot << 40 | n`` (``slot``: the composition's place in this mount).

Every change is refused with EROFS (RENAME and LINK to or from another component too). The
kernel caches entries and attributes for ``COMPOSE_TIMEOUT`` seconds only, and file contents
not across opens, so a revoked grant or an unpublished layer shows within that time (ENOENT).

Imports: :mod:`.dispatch` and :mod:`.operations` (the tree's SQL plumbing).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pyfuse3

from .dispatch import COMPOSE_BASE, COMPOSE_SLOT_SHIFT, CID_COMPOSE, Component
from .operations import FETCH_ALL, TarboxOperations, entry_from_row, fuse_handler

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


class ComposedView(Component):
    """A publication shown read-only at its mount point (see the module docstring).

    Args:
        slot: this composition's place in the mount (0 ..): its component id is
            ``CID_COMPOSE + slot`` and its inodes ``COMPOSE_BASE | slot << 40 | n``.
        spec: the composition (:class:`ComposeSpec`).
        tree: the mount's tree component, whose pool and errno mapping the SQL calls use.
    """

    foreign_errno = errno.EROFS

    def __init__(self, slot: int, spec: ComposeSpec, tree: TarboxOperations) -> None:
        super().__init__()
        if not 0 <= slot < 0x7FFF:
            raise ValueError(f"composition slot {slot} out of range")
        self.cid = CID_COMPOSE + slot
        self.base = COMPOSE_BASE | slot << COMPOSE_SLOT_SHIFT
        self.root = self.base | COMPOSE_ROOT
        self.spec = spec
        self.tree = tree
        self._handles: dict[int, int] = {}  # fh -> publisher inode

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
        return self._entry(await self._sql(Q_LOOKUP, (self.spec.compose_id, real, name)))

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
        """OPENDIR (no SQL: readdir checks the inode)."""
        fh = self.new_fh()
        self._handles[fh] = self._real(inode)
        return fh

    @fuse_handler
    async def readdir(self, fh: int, start_id: int, emit: Callable[..., bool]) -> None:
        """READDIRPLUS: '.' (offset 1), '..' (offset 2; the root's parent is shown as the root,
        the kernel replaces it), then ``tarbox.compose_readdir`` from the name cookies on."""
        real = self._handle(fh)
        offset = start_id
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
        if (flags & os.O_ACCMODE) != os.O_RDONLY or flags & os.O_TRUNC:
            raise pyfuse3.FUSEError(errno.EROFS)
        real = self._real(inode)
        entry = self._entry(await self._sql(Q_GETATTR, (self.spec.compose_id, real)))
        if entry.st_mode & 0o170000 == 0o040000:
            raise pyfuse3.FUSEError(errno.EISDIR)
        fh = self.new_fh()
        self._handles[fh] = real
        return pyfuse3.FileInfo(fh=fh)

    @fuse_handler
    async def read(self, fh: int, off: int, size: int) -> bytes:
        """READ: ``tarbox.compose_read``."""
        row = await self._sql(Q_READ, (self.spec.compose_id, self._handle(fh), off, size))
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

    async def releasedir(self, fh: int) -> None:
        """RELEASEDIR."""
        self._handles.pop(fh, None)

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

    async def _refuse(self, *_args: Any) -> Any:
        raise pyfuse3.FUSEError(errno.EROFS)

    setattr = mknod = mkdir = symlink = link = unlink = rmdir = rename = _refuse
    create = setxattr = removexattr = _refuse
