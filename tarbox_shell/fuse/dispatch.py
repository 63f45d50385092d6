"""The mount's :class:`pyfuse3.Operations`: a dispatcher over components.

A mount is made of components, each serving one range of inode numbers and its own file
handles, none knowing of the others:

================================  ========================  ===========================================
inode numbers                     component                 module
================================  ========================  ===========================================
``1 .. 2**40``                    the tenant's tree (SQL)    :mod:`.operations` (``TarboxOperations``)
``COMPOSE_BASE | slot << 40 | n`` one composition each (SQL) :mod:`.compose` (``ComposedView``)
``NATIVE_BASE | slot << 44 | n``  one native mount each      :mod:`.passthrough` (``NativeMount``)
``SNAP_BASE | layer << 40 | i``   layer snapshots (SQL)      :mod:`.control` (``LayerView``)
``CTRL_BASE + n``                 ``/.tarbox``               :mod:`.control` (``ControlComponent``)
================================  ========================  ===========================================

Every request goes to the component that owns its inode (or the inode its file handle was
opened on: the top 16 bits of a handle name the component). The dispatcher itself knows
only what crosses components:

* attachment points: a component other than the tree can be *attached* at a path of the tree
  (``/.tarbox``, a native mount point). The dispatcher remembers the inode of every directory
  on the way to an attachment point (``_paths``); a LOOKUP of the attachment point's name in
  its parent is answered by the attached component's root, and so is the entry a READDIRPLUS
  of the parent lists under that name. Removing or renaming an attachment point or a
  directory on the way to one is refused (EBUSY; EPERM for ``/.tarbox``), as the kernel does
  for a mount point;
* cross-component requests: RENAME and LINK between two components fail with EXDEV (tools
  copy instead, as across filesystems), or with the stricter errno of a read-only component;
* lookup counts of READDIRPLUS entries, which it hands to the owning component.

A composed subtree (another tenant's published layer, issue 15 item 4) is one more component:
a slot of inode numbers, attached at its mount path like a native mount (read-only: EROFS).
"""

from __future__ import annotations

import errno
import logging
import os
import time
from typing import Any, Callable, Iterable, Sequence

import pyfuse3
import trio

from .stats import BridgeStats

log = logging.getLogger("tarbox.mount")

ROOT_INODE = pyfuse3.ROOT_INODE
COMPOSE_BASE = 1 << 56     # compositions: COMPOSE_BASE | slot << COMPOSE_SLOT_SHIFT | publisher's ino
COMPOSE_SLOT_SHIFT = 40
NATIVE_BASE = 1 << 60      # native passthrough: NATIVE_BASE | slot << NATIVE_SLOT_SHIFT | n
NATIVE_SLOT_SHIFT = 44
NATIVE_SLOTS = 1 << 16
SNAP_BASE = 1 << 61        # layer views: SNAP_BASE | layer << 40 | ino
CTRL_BASE = 1 << 62        # the control directory's nodes
FH_SHIFT = 48              # a file handle is component id << FH_SHIFT | number

# Component ids (the top bits of their file handles).
CID_TREE, CID_CONTROL, CID_SNAPSHOTS = 1, 2, 3
CID_NATIVE = 16            # + slot
CID_COMPOSE = 0x8000       # + place in the mount (compositions)


def native_ino_base(slot: int) -> int:
    """The first inode number of native mount slot ``slot`` (0 .. 65535)."""
    if not 0 <= slot < NATIVE_SLOTS:
        raise ValueError(f"native mount slot {slot} out of range")
    return NATIVE_BASE | slot << NATIVE_SLOT_SHIFT


class Component:
    """One part of a mount's inode space (see the module docstring).

    A component implements the pyfuse3 handlers for the inodes it owns, with pyfuse3's
    signatures, except ``readdir(fh, start_id, emit)``: it calls ``emit(name, attr,
    next_id) -> bool`` for each entry instead of :func:`pyfuse3.readdir_reply`, and stops when
    it returns False (the dispatcher replies, substitutes attachment points and counts the
    lookups of accepted entries through :meth:`count_lookup`). Handlers raise only
    :class:`pyfuse3.FUSEError`; one a component does not serve raises ENOSYS.

    Attributes: ``cid`` (component id), ``foreign_errno`` (RENAME/LINK between this and
    another component), ``busy_errno`` (removing or renaming its attachment point), ``root``
    (the inode shown at its attachment point, when it is attached), ``compose_slot`` (a
    composition's slot of ``COMPOSE_BASE`` numbers, None for other components).
    """

    cid = 0
    compose_slot: int | None = None
    foreign_errno = errno.EXDEV
    busy_errno = errno.EBUSY
    root: int | None = None
    profile = None  # requests are profiled by the dispatcher

    def __init__(self) -> None:
        self._next_fh = 0

    def new_fh(self) -> int:
        """A fresh file handle number of this component (int)."""
        self._next_fh += 1
        return self.cid << FH_SHIFT | self._next_fh

    # Bookkeeping hooks (defaults: nothing is counted).

    def count_lookup(self, ino: int, parent: int, name: bytes) -> None:
        """The kernel now holds one more reference to ``ino`` (a READDIRPLUS entry, or the
        root returned for an attachment point)."""

    async def forget(self, inode_list: Sequence[tuple[int, int]]) -> None:
        """FORGET of this component's inodes: lower lookup counts. Never raises."""

    async def forget_all(self) -> int:
        """At unmount: every reference ends. Returns a count for the log."""
        return 0

    async def root_entry(self, parent: int) -> pyfuse3.EntryAttributes:
        """The entry of this component's root as seen at its attachment point in directory
        ``parent`` (counted as a lookup by the caller when it is a LOOKUP reply)."""
        raise pyfuse3.FUSEError(errno.ENOENT)

    def __getattr__(self, name: str) -> Any:
        if name in _HANDLERS:
            async def unsupported(*_args: Any, **_kwargs: Any) -> Any:
                raise pyfuse3.FUSEError(errno.ENOSYS)
            return unsupported
        raise AttributeError(name)


_HANDLERS = frozenset({
    "lookup", "getattr", "setattr", "readlink", "mknod", "mkdir", "unlink", "rmdir", "symlink",
    "rename", "link", "open", "read", "write", "flush", "release", "fsync", "opendir", "readdir",
    "releasedir", "fsyncdir", "statfs", "getxattr", "setxattr", "listxattr", "removexattr",
    "create", "fallocate"})


def dispatched(fn: Callable) -> Callable:
    """Decorate a dispatcher handler: only :class:`pyfuse3.FUSEError` escapes (pyfuse3 ends
    the main loop on anything else: unexpected exceptions are logged and become EIO), and each
    request is counted in ``self.stats`` (:class:`~.stats.BridgeStats`, always) and its wall
    time recorded in ``self.profile`` when profiling."""
    name = fn.__name__

    async def wrapper(self, *args, **kwargs):
        profile = self.profile
        start = time.perf_counter_ns()
        failed = True
        try:
            result = await fn(self, *args, **kwargs)
            failed = False
            return result
        except pyfuse3.FUSEError:
            raise
        except (trio.Cancelled, KeyboardInterrupt):
            raise
        except BaseException as exc:  # noqa: BLE001 - a handler must never crash the loop
            log.exception("%s failed unexpectedly: %s", name, exc)
            raise pyfuse3.FUSEError(errno.EIO) from None
        finally:
            elapsed = time.perf_counter_ns() - start
            self.stats.record(name, elapsed, failed)
            if profile is not None:
                profile.record(name, elapsed, failed)

    wrapper.__name__ = fn.__name__
    wrapper.__qualname__ = fn.__qualname__
    wrapper.__doc__ = fn.__doc__
    return wrapper


class Dispatcher(pyfuse3.Operations):
    """The pyfuse3 Operations of a mount: routes each request to a component.

    Args:
        tree: the component serving inodes below ``NATIVE_BASE`` (the tenant's tree, live or
            pinned to a layer); it also answers STATFS (pyfuse3 does not pass the inode of a
            STATFS request, so it cannot be routed).
        others: the other components, each with a distinct ``cid``, owning the inode range of
            its kind (control: ``CTRL_BASE`` and up; snapshots: ``SNAP_BASE``..; native mounts:
            their slot of ``NATIVE_BASE``..; compositions: their ``compose_slot`` of
            ``COMPOSE_BASE``..).
        attach: ``{path: component}``, absolute paths (bytes) of the tree where components
            are attached (``b"/.tarbox"``, native mount points).
    """

    supports_dot_lookup = True
    enable_writeback_cache = False
    enable_acl = False

    def __init__(self, tree: Component, others: Iterable[Component] = (),
                 attach: dict[bytes, Component] | None = None, *, mountpoint: str | None = None,
                 read_only: bool = False) -> None:
        super().__init__()
        #: The mount was started read-only (``ro``), and where it is mounted: a change the
        #: kernel lets through then means ``mount -o remount,rw`` (see :meth:`_writable`).
        self.read_only = read_only
        self.mountpoint = mountpoint
        self._remount_checked = 0.0
        self.tree = tree
        self.components: dict[int, Component] = {tree.cid: tree}
        for comp in others:
            if comp.cid in self.components:
                raise ValueError(f"two components with id {comp.cid}")
            self.components[comp.cid] = comp
        #: compose_slot -> composition (its numbers are its SQL id's, not its cid's).
        self._composed: dict[int, Component] = {}
        for comp in others:
            if comp.compose_slot is not None:
                if comp.compose_slot in self._composed:
                    raise ValueError(f"two compositions in slot {comp.compose_slot}")
                self._composed[comp.compose_slot] = comp
        self._control = self.components.get(CID_CONTROL)
        self._snapshots = self.components.get(CID_SNAPSHOTS)
        self._attach: dict[bytes, Component] = dict(attach or {})
        self._ancestors: set[bytes] = set()
        for path in self._attach:
            parts = path.split(b"/")[1:-1]
            for i in range(len(parts)):
                self._ancestors.add(b"/" + b"/".join(parts[: i + 1]))
        #: inode -> path (bytes) of the directories on the way to an attachment point.
        self._paths: dict[int, bytes] = {ROOT_INODE: b"/"}
        self._dirfh: dict[int, int] = {}  # directory handle -> inode, for tracked directories
        self.profile = None
        #: The mount's counters (``/.tarbox/stats/performance`` and ``cache``).
        self.stats = BridgeStats()

    # ------------------------------------------------------------------ routing

    def owner(self, ino: int) -> Component:
        """The component that owns inode ``ino``; ENOENT (stale inode) when none does."""
        if ino < COMPOSE_BASE:
            return self.tree
        if ino < NATIVE_BASE:
            comp = self._composed.get((ino >> COMPOSE_SLOT_SHIFT) & 0xFFFF)
        elif ino >= CTRL_BASE:
            comp = self._control
        elif ino >= SNAP_BASE:
            comp = self._snapshots
        else:
            comp = self.components.get(CID_NATIVE + ((ino >> NATIVE_SLOT_SHIFT) & (NATIVE_SLOTS - 1)))
        if comp is None:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return comp

    def owner_of_fh(self, fh: int) -> Component:
        """The component that issued file handle ``fh``; EBADF when none did."""
        comp = self.components.get(fh >> FH_SHIFT)
        if comp is None:
            raise pyfuse3.FUSEError(errno.EBADF)
        return comp

    def _child_path(self, parent: int, name: bytes) -> bytes | None:
        base = self._paths.get(parent)
        if base is None or name in (b".", b".."):
            return None
        return base + name if base == b"/" else base + b"/" + name

    def _attached(self, parent: int, name: bytes) -> Component | None:
        path = self._child_path(parent, name)
        return None if path is None else self._attach.get(path)

    def set_read_only(self, read_only: bool) -> None:
        """Follow a remount (``mount -o remount,ro|rw``): every component that can change
        adopts the new state."""
        self.read_only = read_only
        for comp in self.components.values():
            setter = getattr(type(comp), "set_read_only", None)
            if setter is not None:
                setter(comp, read_only)

    def _check_not_attached(self, parent: int, name: bytes) -> None:
        """Refuse to remove or rename an attachment point or a directory on the way to one."""
        path = self._child_path(parent, name)
        if path is None:
            return
        comp = self._attach.get(path)
        if comp is not None:
            raise pyfuse3.FUSEError(comp.busy_errno)
        if path in self._ancestors:
            raise pyfuse3.FUSEError(errno.EBUSY)

    def _writable(self) -> None:
        """Before a change: on a mount started read-only, the kernel forwards a change only
        once ``mount -o remount,rw`` made it writable (the kernel does not tell the daemon
        of a remount), so look at the mount's flags (at most twice a second) and follow."""
        if not self.read_only or self.mountpoint is None:
            return
        now = time.monotonic()
        if now - self._remount_checked < 0.5:
            return
        self._remount_checked = now
        from .mount import mount_options  # the mount plumbing reads /proc/self/mountinfo

        opts = mount_options(self.mountpoint)
        if "rw" in opts:
            log.info("%s was remounted read-write: serving changes", self.mountpoint)
            self.set_read_only(False)

    def _cross(self, a: Component, b: Component) -> int:
        """errno of a RENAME/LINK between components a and b."""
        for comp in (a, b):
            if comp.foreign_errno != errno.EXDEV:
                return comp.foreign_errno
        return errno.EXDEV

    # ------------------------------------------------------------------ names

    @dispatched
    async def lookup(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """LOOKUP: an attachment point's name gives the attached component's root; anything
        else goes to the parent's component (a directory on the way to an attachment point is
        remembered)."""
        path = self._child_path(parent_inode, name)
        comp = None if path is None else self._attach.get(path)
        if comp is not None:
            entry = await comp.root_entry(parent_inode)
            comp.count_lookup(entry.st_ino, parent_inode, name)
        else:
            entry = await self.owner(parent_inode).lookup(parent_inode, name, ctx)
        if path is not None and path in self._ancestors and entry.st_ino:
            self._paths[entry.st_ino] = path
        return entry

    async def forget(self, inode_list: Sequence[tuple[int, int]]) -> None:
        """FORGET / BATCH_FORGET: each component gets its own inodes. Never raises."""
        by_comp: dict[int, list[tuple[int, int]]] = {}
        for ino, n in inode_list:
            try:
                cid = self.owner(ino).cid
            except pyfuse3.FUSEError:
                continue
            by_comp.setdefault(cid, []).append((ino, n))
        for cid, pairs in by_comp.items():
            try:
                await self.components[cid].forget(pairs)
            except (trio.Cancelled, KeyboardInterrupt):
                raise
            except BaseException as exc:  # noqa: BLE001 - FORGET has no reply
                log.exception("forget failed: %s", exc)

    async def forget_all(self) -> int:
        """At unmount: every component drops its references. Returns the tree's count of
        inodes removed (unlinked files purged)."""
        removed = 0
        for comp in self.components.values():
            try:
                n = await comp.forget_all()
            except Exception as exc:  # noqa: BLE001
                log.warning("forgetting %s at unmount failed: %s", type(comp).__name__, exc)
                continue
            if comp is self.tree:
                removed = n
        return removed

    @dispatched
    async def getattr(self, inode: int, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """GETATTR: the owner of the inode."""
        return await self.owner(inode).getattr(inode, ctx)

    @dispatched
    async def setattr(self, inode: int, attr: pyfuse3.EntryAttributes, fields: pyfuse3.SetattrFields,
                      fh: int | None, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """SETATTR: the owner of the inode."""
        self._writable()
        return await self.owner(inode).setattr(inode, attr, fields, fh, ctx)

    @dispatched
    async def readlink(self, inode: int, ctx: pyfuse3.RequestContext) -> bytes:
        """READLINK: the owner of the inode."""
        return await self.owner(inode).readlink(inode, ctx)

    def _creating(self, parent: int, name: bytes) -> Component:
        if self._attached(parent, name) is not None:
            raise pyfuse3.FUSEError(errno.EEXIST)
        return self.owner(parent)

    @dispatched
    async def mknod(self, parent_inode: int, name: bytes, mode: int, rdev: int,
                    ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """MKNOD: the parent's component (EEXIST on an attachment point)."""
        self._writable()
        return await self._creating(parent_inode, name).mknod(parent_inode, name, mode, rdev, ctx)

    @dispatched
    async def mkdir(self, parent_inode: int, name: bytes, mode: int,
                    ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """MKDIR: the parent's component (EEXIST on an attachment point)."""
        self._writable()
        return await self._creating(parent_inode, name).mkdir(parent_inode, name, mode, ctx)

    @dispatched
    async def symlink(self, parent_inode: int, name: bytes, target: bytes,
                      ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """SYMLINK: the parent's component (EEXIST on an attachment point)."""
        self._writable()
        return await self._creating(parent_inode, name).symlink(parent_inode, name, target, ctx)

    @dispatched
    async def create(self, parent_inode: int, name: bytes, mode: int, flags: int,
                     ctx: pyfuse3.RequestContext) -> tuple[pyfuse3.FileInfo, pyfuse3.EntryAttributes]:
        """CREATE: the parent's component (EEXIST on an attachment point)."""
        self._writable()
        return await self._creating(parent_inode, name).create(parent_inode, name, mode, flags, ctx)

    @dispatched
    async def link(self, inode: int, new_parent_inode: int, new_name: bytes,
                   ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """LINK: within one component only (EXDEV across, EEXIST on an attachment point)."""
        self._writable()
        comp = self._creating(new_parent_inode, new_name)
        source = self.owner(inode)
        if source is not comp:
            raise pyfuse3.FUSEError(self._cross(source, comp))
        return await comp.link(inode, new_parent_inode, new_name, ctx)

    @dispatched
    async def unlink(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """UNLINK: the parent's component (EBUSY on an attachment point)."""
        self._writable()
        self._check_not_attached(parent_inode, name)
        await self.owner(parent_inode).unlink(parent_inode, name, ctx)

    @dispatched
    async def rmdir(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """RMDIR: the parent's component (EBUSY on an attachment point or on the way to one)."""
        self._writable()
        self._check_not_attached(parent_inode, name)
        await self.owner(parent_inode).rmdir(parent_inode, name, ctx)

    @dispatched
    async def rename(self, parent_inode_old: int, name_old: bytes, parent_inode_new: int,
                     name_new: bytes, flags: int, ctx: pyfuse3.RequestContext) -> None:
        """RENAME: within one component only (EXDEV across); an attachment point, or a
        directory on the way to one, is neither moved nor replaced (EBUSY)."""
        self._writable()
        self._check_not_attached(parent_inode_old, name_old)
        self._check_not_attached(parent_inode_new, name_new)
        old, new = self.owner(parent_inode_old), self.owner(parent_inode_new)
        if old is not new:
            raise pyfuse3.FUSEError(self._cross(old, new))
        await old.rename(parent_inode_old, name_old, parent_inode_new, name_new, flags, ctx)

    # ------------------------------------------------------------------ files

    @dispatched
    async def open(self, inode: int, flags: int, ctx: pyfuse3.RequestContext) -> pyfuse3.FileInfo:
        """OPEN: the owner of the inode (its handle carries the component id)."""
        if (flags & os.O_ACCMODE) != os.O_RDONLY or flags & os.O_TRUNC:
            self._writable()
        return await self.owner(inode).open(inode, flags, ctx)

    @dispatched
    async def read(self, fh: int, off: int, size: int) -> bytes:
        """READ: the component of the handle."""
        return await self.owner_of_fh(fh).read(fh, off, size)

    @dispatched
    async def write(self, fh: int, off: int, buf: bytes) -> int:
        """WRITE: the component of the handle."""
        self._writable()
        return await self.owner_of_fh(fh).write(fh, off, buf)

    @dispatched
    async def flush(self, fh: int) -> None:
        """FLUSH: the component of the handle."""
        await self.owner_of_fh(fh).flush(fh)

    @dispatched
    async def release(self, fh: int) -> None:
        """RELEASE: the component of the handle."""
        await self.owner_of_fh(fh).release(fh)

    @dispatched
    async def fsync(self, fh: int, datasync: bool) -> None:
        """FSYNC: the component of the handle."""
        await self.owner_of_fh(fh).fsync(fh, datasync)

    @dispatched
    async def fallocate(self, fh: int, mode: int, offset: int, length: int) -> None:
        """FALLOCATE: the component of the handle; a component without it answers
        EOPNOTSUPP, never ENOSYS (after one ENOSYS the kernel would stop sending FALLOCATE
        for the whole mount)."""
        self._writable()
        try:
            await self.owner_of_fh(fh).fallocate(fh, mode, offset, length)
        except pyfuse3.FUSEError as exc:
            if exc.errno == errno.ENOSYS:
                raise pyfuse3.FUSEError(errno.EOPNOTSUPP) from None
            raise

    @dispatched
    async def opendir(self, inode: int, ctx: pyfuse3.RequestContext) -> int:
        """OPENDIR: the owner of the inode."""
        fh = await self.owner(inode).opendir(inode, ctx)
        if inode in self._paths:
            self._dirfh[fh] = inode
        return fh

    @dispatched
    async def readdir(self, fh: int, start_id: int, token: pyfuse3.ReaddirToken) -> None:
        """READDIRPLUS: the component of the handle lists; in a directory on the way to an
        attachment point, the entry of an attachment point shows the attached root (and the
        directories on the way are remembered); accepted entries count as lookups of their
        owners."""
        dir_ino = self._dirfh.get(fh, 0)

        def emit(name: bytes, attr: pyfuse3.EntryAttributes, next_id: int) -> bool:
            if not pyfuse3.readdir_reply(token, name, attr, next_id):
                return False
            if name not in (b".", b".."):
                self.owner(attr.st_ino).count_lookup(attr.st_ino, dir_ino, name)
            return True

        if not dir_ino:
            await self.owner_of_fh(fh).readdir(fh, start_id, emit)
            return
        roots: dict[bytes, pyfuse3.EntryAttributes | None] = {}
        base = self._paths.get(dir_ino, b"/")
        for path, comp in self._attach.items():
            head, _, leaf = path.rpartition(b"/")
            if (head or b"/") == base:
                try:
                    roots[leaf] = await comp.root_entry(dir_ino)
                except pyfuse3.FUSEError:
                    roots[leaf] = None

        def emit_tracked(name: bytes, attr: pyfuse3.EntryAttributes, next_id: int) -> bool:
            if name in roots:
                root = roots[name]
                if root is None:
                    return True  # an attachment point whose root is unavailable: not listed
                attr = root
            if not emit(name, attr, next_id):
                return False
            path = self._child_path(dir_ino, name)
            if path is not None and path in self._ancestors:
                self._paths[attr.st_ino] = path
            return True

        await self.owner_of_fh(fh).readdir(fh, start_id, emit_tracked)

    @dispatched
    async def releasedir(self, fh: int) -> None:
        """RELEASEDIR: the component of the handle."""
        self._dirfh.pop(fh, None)
        await self.owner_of_fh(fh).releasedir(fh)

    @dispatched
    async def fsyncdir(self, fh: int, datasync: bool) -> None:
        """FSYNCDIR: the component of the handle."""
        await self.owner_of_fh(fh).fsyncdir(fh, datasync)

    statfs_takes_inode = True   # vendor/pyfuse3.patch: STATFS says which inode it is for

    @dispatched
    async def statfs(self, ctx: pyfuse3.RequestContext, inode: int = ROOT_INODE) -> pyfuse3.StatvfsData:
        """STATFS of ``inode`` (the inode of the path given to statfs(2)): a native mount's
        inode answers with its host filesystem's figures, anything else with the tenant's
        (``tarbox.fs_statfs``: quota and usage)."""
        try:
            comp = self.owner(inode)
        except pyfuse3.FUSEError:
            comp = self.tree
        if comp.cid >= CID_NATIVE:
            return await comp.statfs(ctx, inode)
        return await self.tree.statfs(ctx)

    # ------------------------------------------------------------------ xattrs

    @dispatched
    async def getxattr(self, inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> bytes:
        """GETXATTR: the owner of the inode."""
        return await self.owner(inode).getxattr(inode, name, ctx)

    @dispatched
    async def setxattr(self, inode: int, name: bytes, value: bytes, ctx: pyfuse3.RequestContext) -> None:
        """SETXATTR: the owner of the inode."""
        self._writable()
        await self.owner(inode).setxattr(inode, name, value, ctx)

    @dispatched
    async def listxattr(self, inode: int, ctx: pyfuse3.RequestContext) -> list[bytes]:
        """LISTXATTR: the owner of the inode."""
        return await self.owner(inode).listxattr(inode, ctx)

    @dispatched
    async def removexattr(self, inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """REMOVEXATTR: the owner of the inode."""
        self._writable()
        await self.owner(inode).removexattr(inode, name, ctx)

    @dispatched
    async def access(self, inode: int, mode: int, ctx: pyfuse3.RequestContext) -> bool:
        """ACCESS: never sent with ``default_permissions`` (the kernel checks)."""
        return True


__all__ = ["Component", "Dispatcher", "native_ino_base", "NATIVE_BASE", "SNAP_BASE", "CTRL_BASE"]
