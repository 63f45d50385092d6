"""Native mounts: one host directory passed through at a path of the tenant's tree, as a
component of the mount (:mod:`.dispatch`). Nothing here touches PostgreSQL: every request is
one or two host system calls.

Containment (the daemon runs as root and acts for the tenant):

* a host object is reached only from its parent's descriptor by one name
  (:func:`.beneath.open_beneath`: ``openat2`` with ``RESOLVE_BENEATH``, never following a
  symbolic link), starting at the source directory opened when the mount starts, and is then
  addressed by an ``O_PATH`` descriptor of its own. The kernel may hold more inodes than a
  process may hold descriptors (a ``find`` over ``/usr``), so descriptors are a cache (least
  recently used first out; never the root's, nor that of an open file or directory): an inode
  whose descriptor was closed is reopened by the names it was reached through, one component
  at a time from the nearest held ancestor, each step checked to be the very object (device
  and inode number) first seen there - a directory swapped for a symbolic link, or anything
  renamed over it, is ESTALE, never followed;
* symbolic links are returned to the kernel as symbolic links (READLINK), which resolves them
  in the caller's own namespace, as for any filesystem; chown, utimens and link act on the
  link itself, chmod of a link is EOPNOTSUPP (as lchmod), xattrs of a link are not served;
* ``..`` is never sent to the host: the parent of the mount's root is the tree's directory
  holding the mount point, and a directory's parent is the one it was looked up in;
* LINK and RENAME stay inside one native mount (the dispatcher answers EXDEV across);
* a file, directory, node or link made through the mount belongs to the caller (uid/gid of
  the FUSE request; the group of a set-group-ID parent directory, as Linux does);
* set-user-ID bits (and set-group-ID bits on anything but a directory) and
  ``security.capability`` are refused with EPERM, and device nodes (including a rename's
  whiteout) with EPERM, unless the definition allows them (``allow_setuid``,
  ``allow_devices``);
* a read-only (``ro``) mount refuses every change with EROFS.

Inode numbers: ``native_ino_base(slot) + n``, ``n`` given once per host (device, inode) pair
and kept for the life of the mount, so they never collide with the tree's, another native
mount's or the control directory's, and a host file keeps its number however often the kernel
forgets it. (Like NFS without generation numbers, a host inode number that the host reuses for
a new object of the same type while the kernel still holds the old one is taken for it; one of
another type gets a new number.)

Audit: :attr:`NativeMount.audit` (default None) is called after every request with the
mount, the operation's name, its arguments (the request context is among them where pyfuse3
gives one; :meth:`NativeMount.handle_info` says who opened a handle), the errno (0 on success),
the time taken and the handler's result (None on error); :mod:`.native_audit` plugs in there
(the source path ``spec.source_path``, :meth:`NativeMount.path_of`).
"""

from __future__ import annotations

import errno
import functools
import itertools
import logging
import os
import resource
import stat
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pyfuse3

from . import beneath
from .dispatch import CID_NATIVE, Component, native_ino_base

log = logging.getLogger("tarbox.mount")

NATIVE_TIMEOUT = 1.0   # kernel cache seconds: the host may change files behind the mount
BLOCKED_XATTRS = (b"security.capability",)


@dataclass(frozen=True)
class NativeSpec:
    """One effective native mount (a row of ``tarbox.native_list``): ``mount_path`` (absolute,
    in the tree), ``source_path`` (host directory, variables expanded), ``mode`` ('ro'/'rw'),
    ``allow_setuid``, ``allow_devices``, ``mount_id`` (None for a --config entry), ``origin``."""

    mount_path: str
    source_path: str
    mode: str
    allow_setuid: bool = False
    allow_devices: bool = False
    mount_id: int | None = None
    origin: str = "table"


@dataclass
class _Node:
    """A host object the kernel knows: its identity (device, inode), file type bits, the
    directory (our number) and name it was last reached through (``b""`` once unlinked), the
    kernel's lookup count, how many known nodes name it as their parent, how many open
    handles pin its descriptor, and the descriptor (-1 when not cached)."""

    key: tuple[int, int]
    kind: int
    parent: int
    name: bytes
    lookups: int = 0
    children: int = 0
    pins: int = 0
    fd: int = -1


@dataclass
class _Handle:
    """An open file or directory: a real descriptor, the inode, who opened it (uid, gid, pid
    of the OPEN/CREATE/OPENDIR request: READ and WRITE carry no request context); for a
    directory, the listing taken when it was read from the start."""

    fd: int
    ino: int
    opener: tuple[int, int, int] = (0, 0, 0)
    entries: list[bytes] | None = None


def raise_nofile_limit() -> int:
    """Raise RLIMIT_NOFILE as far as allowed: a native mount keeps one descriptor per host
    inode the kernel holds (the kernel forgets inodes under memory pressure, and each one it
    holds costs it more than the descriptor costs us). Root raises the hard limit to
    ``fs.nr_open``; anyone else raises the soft limit to the hard one. Returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard
    if os.geteuid() == 0:
        try:
            with open("/proc/sys/fs/nr_open", encoding="ascii") as fh:
                want = max(hard, int(fh.read().strip()))
        except (OSError, ValueError):
            pass
    for limit in (want, hard):
        if soft >= limit:
            break
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, max(limit, hard)))
            soft = limit
            break
        except (ValueError, OSError):
            continue
    return soft


def host_call(fn: Callable) -> Callable:
    """Decorate a handler: :class:`OSError` becomes :class:`pyfuse3.FUSEError` with its errno,
    and :attr:`NativeMount.audit` is called after the request."""
    name = fn.__name__

    @functools.wraps(fn)
    async def wrapper(self: "NativeMount", *args: Any) -> Any:
        start = time.perf_counter_ns()
        code = 0
        result = None
        if len(self._fds) > self.max_fds:
            self._trim()
        try:
            result = await fn(self, *args)
            return result
        except OSError as exc:
            code = exc.errno or errno.EIO
            raise pyfuse3.FUSEError(code) from None
        except pyfuse3.FUSEError as exc:
            code = exc.errno
            raise
        finally:
            if self.audit is not None:
                try:
                    self.audit(self, name, args, code, time.perf_counter_ns() - start, result)
                except Exception:  # noqa: BLE001 - the hook must not break the request
                    log.exception("native mount audit hook failed")

    return wrapper


class NativeMount(Component):
    """The passthrough of one host directory (see the module docstring).

    Args:
        slot: which slot of native inode numbers (0 .. 65535) and component id it uses.
        spec: the definition (:class:`NativeSpec`).
        read_only: the whole mount is read-only (an ``rw`` definition then refuses changes too).
        timeout: kernel entry/attribute cache seconds.

    The source directory is opened at construction (following symbolic links in the path
    the administrator wrote, once); raises :class:`OSError` when it is missing or not a
    directory.
    """

    def __init__(self, slot: int, spec: NativeSpec, *, read_only: bool = False,
                 timeout: float = NATIVE_TIMEOUT, max_fds: int | None = None) -> None:
        super().__init__()
        self.slot = slot
        self.cid = CID_NATIVE + slot
        self.spec = spec
        self.base = native_ino_base(slot)
        self.timeout = timeout
        self.read_only = read_only or spec.mode != "rw"
        #: Called after every request: audit(mount, op, args, errno, elapsed_ns, result), or None.
        self.audit: Callable[..., None] | None = None
        fd = os.open(spec.source_path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        st = os.fstat(fd)
        self.root = self.base + 1
        self._next = 2
        self._ids: dict[tuple[int, int], int] = {(st.st_dev, st.st_ino): self.root}
        self._nodes: dict[int, _Node] = {self.root: _Node((st.st_dev, st.st_ino), stat.S_IFDIR, 0, b"", fd=fd)}
        self._by_name: dict[tuple[int, bytes], int] = {}
        self._fds: OrderedDict[int, None] = OrderedDict()  # nodes holding a descriptor, oldest first
        if max_fds is None:
            max_fds = max(256, min(resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 2, 100_000))
        self.max_fds = max_fds
        self._handles: dict[int, _Handle] = {}
        self.attach_parent = 0

    # ------------------------------------------------------------------ bookkeeping

    def _node(self, ino: int) -> _Node:
        node = self._nodes.get(ino)
        if node is None:
            raise pyfuse3.FUSEError(errno.ESTALE)
        return node

    def _fd(self, ino: int) -> int:
        """The O_PATH descriptor of node ``ino``, reopened by name from its parent (which is
        reopened first if need be) when the cache had closed it. Raises ESTALE when the
        name no longer leads to the same object (renamed, replaced or unlinked on the host)."""
        node = self._node(ino)
        if node.fd >= 0:
            if ino != self.root:
                self._fds.move_to_end(ino)
            return node.fd
        if not node.name:
            raise pyfuse3.FUSEError(errno.ESTALE)  # unlinked, and not held open
        pfd = self._fd(node.parent)
        try:
            fd = beneath.open_beneath(pfd, node.name, os.O_PATH)
        except OSError as exc:
            raise pyfuse3.FUSEError(errno.ESTALE if exc.errno in (errno.ENOENT, errno.ELOOP, errno.ENOTDIR)
                                    else exc.errno or errno.EIO) from None
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != node.key:
            os.close(fd)
            raise pyfuse3.FUSEError(errno.ESTALE)
        node.fd = fd
        self._fds[ino] = None
        return fd

    def _trim(self) -> None:
        """Close the least recently used descriptors beyond ``max_fds`` (between requests only:
        a request never loses a descriptor it is using)."""
        excess = len(self._fds) - self.max_fds
        if excess <= 0:
            return
        for ino in list(itertools.islice(self._fds, excess + 64)):
            if excess <= 0:
                break
            node = self._nodes.get(ino)
            if node is None or node.pins > 0:
                continue
            del self._fds[ino]
            _close(node.fd)
            node.fd = -1
            excess -= 1

    def _dir(self, ino: int) -> int:
        """The descriptor of directory ``ino``; ENOTDIR for anything else."""
        if self._node(ino).kind != stat.S_IFDIR:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        return self._fd(ino)

    def _handle(self, fh: int) -> _Handle:
        h = self._handles.get(fh)
        if h is None:
            raise pyfuse3.FUSEError(errno.EBADF)
        return h

    def _writable(self) -> None:
        if self.read_only:
            raise pyfuse3.FUSEError(errno.EROFS)

    def set_read_only(self, read_only: bool) -> None:
        """Follow a remount of the whole mount (an ``ro`` definition stays read-only)."""
        self.read_only = read_only or self.spec.mode != "rw"

    def _place(self, ino: int, parent: int, name: bytes) -> None:
        """Record that node ``ino`` is now reached as ``name`` in directory ``parent``."""
        node = self._nodes[ino]
        old = (node.parent, node.name)
        if old == (parent, name):
            return
        if self._by_name.get(old) == ino:
            del self._by_name[old]
        if parent != node.parent:
            self._nodes[parent].children += 1
            previous, node.parent = node.parent, parent
            self._nodes[previous].children -= 1
            self._maybe_drop(previous)
        node.name = name
        self._by_name[(parent, name)] = ino

    def _unname(self, parent: int, name: bytes) -> None:
        """``name`` in ``parent`` is gone (unlinked, or replaced by a rename)."""
        ino = self._by_name.pop((parent, name), None)
        if ino is not None:
            self._nodes[ino].name = b""

    def _intern(self, fd: int, st: os.stat_result, parent: int, name: bytes) -> tuple[int, bool]:
        """Our number for the host object ``st`` (of descriptor ``fd``, or -1 when there is
        none yet) reached as ``name`` in ``parent``, taking ownership of ``fd``: (number,
        whether a new node was made)."""
        key = (st.st_dev, st.st_ino)
        ino = self._ids.get(key)
        node = None if ino is None else self._nodes.get(ino)
        if ino is None or (node is not None and node.kind != stat.S_IFMT(st.st_mode)):
            # new, or a host inode number reused (for an object of another type) while the
            # kernel still holds the old one: a fresh number, never the old object's
            ino = self.base + self._next
            self._next += 1
            self._ids[key] = ino
            node = None
        if node is not None:
            if node.fd < 0 and fd >= 0:
                node.fd = fd
                self._fds[ino] = None
            elif fd >= 0:
                os.close(fd)
            self._place(ino, parent, name)
            return ino, False
        self._nodes[ino] = _Node(key, stat.S_IFMT(st.st_mode), parent, name, fd=fd)
        if fd >= 0:
            self._fds[ino] = None
        self._nodes[parent].children += 1
        self._by_name[(parent, name)] = ino
        return ino, True

    def _maybe_drop(self, ino: int) -> None:
        """Forget nodes nobody refers to any more (no lookups, children or pins), up the tree."""
        while ino != self.root:
            node = self._nodes.get(ino)
            if node is None or node.lookups > 0 or node.children > 0 or node.pins > 0:
                return
            del self._nodes[ino]
            if node.fd >= 0:
                self._fds.pop(ino, None)
                _close(node.fd)
            if self._by_name.get((node.parent, node.name)) == ino:
                del self._by_name[(node.parent, node.name)]
            ino = node.parent
            self._nodes[ino].children -= 1

    def _pin(self, ino: int) -> None:
        self._fd(ino)
        self._nodes[ino].pins += 1

    def _unpin(self, ino: int) -> None:
        node = self._nodes.get(ino)
        if node is not None:
            node.pins -= 1
            self._maybe_drop(ino)

    def count_lookup(self, ino: int, parent: int, name: bytes) -> None:
        """One more kernel reference to ``ino``."""
        node = self._nodes.get(ino)
        if node is not None:
            node.lookups += 1

    async def forget(self, inode_list: Sequence[tuple[int, int]]) -> None:
        """FORGET: lower lookup counts; a node no longer referenced is dropped (its number
        stays reserved for its host object). Never raises."""
        for ino, n in inode_list:
            node = self._nodes.get(ino)
            if node is None or ino == self.root:
                continue
            node.lookups -= n
            self._maybe_drop(ino)

    async def forget_all(self) -> int:
        """At unmount: close every descriptor. Returns how many objects were known."""
        held = len(self._nodes)
        for h in self._handles.values():
            _close(h.fd)
        self._handles.clear()
        for node in self._nodes.values():
            if node.fd >= 0:
                _close(node.fd)
        self._nodes.clear()
        self._fds.clear()
        return held

    def handle_info(self, fh: int) -> tuple[int, int, int, int] | None:
        """(inode, uid, gid, pid) of open handle ``fh`` - who opened it - or None (for the
        audit of READ/WRITE, which carry no request context)."""
        h = self._handles.get(fh)
        return None if h is None else (h.ino, *h.opener)

    def held_descriptors(self) -> int:
        """How many O_PATH descriptors of inodes the cache holds now (the root's not counted)."""
        return len(self._fds)

    def path_of(self, ino: int) -> bytes | None:
        """The path (bytes, relative to the source directory; b'' for the root) through which
        inode ``ino`` was last reached, or None if unknown (for audit and logs; names may
        have changed on the host since)."""
        parts = []
        seen = 0
        while ino != self.root:
            node = self._nodes.get(ino)
            if node is None or seen > 4096:
                return None
            parts.append(node.name)
            ino = node.parent
            seen += 1
        return b"/".join(reversed(parts))

    def _entry(self, ino: int, st: os.stat_result) -> pyfuse3.EntryAttributes:
        e = pyfuse3.EntryAttributes()
        e.st_ino = ino
        e.generation = 0
        e.st_mode = st.st_mode
        e.st_nlink = st.st_nlink
        e.st_uid = st.st_uid
        e.st_gid = st.st_gid
        e.st_rdev = st.st_rdev
        e.st_size = st.st_size
        e.st_blocks = st.st_blocks
        e.st_blksize = st.st_blksize
        e.st_atime_ns = st.st_atime_ns
        e.st_mtime_ns = st.st_mtime_ns
        e.st_ctime_ns = st.st_ctime_ns
        e.entry_timeout = self.timeout
        e.attr_timeout = self.timeout
        return e

    def _attr(self, ino: int) -> pyfuse3.EntryAttributes:
        return self._entry(ino, os.fstat(self._fd(ino)))

    def _lookup_name(self, parent: int, name: bytes, count: bool = True,
                     dirfd: int | None = None) -> tuple[int, pyfuse3.EntryAttributes, bool]:
        """Open ``name`` beneath directory ``parent`` (O_PATH, not following; through
        ``dirfd`` when given, a descriptor of that directory), intern it.
        Returns (ino, entry, new node); counts one lookup when ``count``."""
        fd = beneath.open_beneath(self._dir(parent) if dirfd is None else dirfd, name, os.O_PATH)
        try:
            st = os.fstat(fd)
        except OSError:
            os.close(fd)
            raise
        ino, new = self._intern(fd, st, parent, name)
        if count:
            self._nodes[ino].lookups += 1
        return ino, self._entry(ino, st), new

    def _check_mode(self, mode: int, kind: int) -> None:
        if self.spec.allow_setuid:
            return
        if mode & stat.S_ISUID or (mode & stat.S_ISGID and kind != stat.S_IFDIR):
            raise pyfuse3.FUSEError(errno.EPERM)

    def _owner_of_new(self, pfd: int, ctx: pyfuse3.RequestContext) -> tuple[int, int]:
        """(uid, gid) of an object made for ``ctx`` in the directory of descriptor ``pfd``:
        the caller's, with the directory's group when it is set-group-ID."""
        pst = os.fstat(pfd)
        gid = pst.st_gid if pst.st_mode & stat.S_ISGID else ctx.gid
        return ctx.uid, gid

    def _made(self, parent: int, name: bytes, ctx: pyfuse3.RequestContext, kind: int) -> pyfuse3.EntryAttributes:
        """After mkdir/mknod/symlink of ``name``: give it to the caller, intern it (one lookup)."""
        pfd = self._dir(parent)
        fd = beneath.open_beneath(pfd, name, os.O_PATH)
        try:
            st = os.fstat(fd)
            if stat.S_IFMT(st.st_mode) == kind:  # not replaced by someone else meanwhile
                beneath.chown_fd(fd, *self._owner_of_new(pfd, ctx))
                st = os.fstat(fd)
        except OSError:
            os.close(fd)
            raise
        ino, _ = self._intern(fd, st, parent, name)
        self._nodes[ino].lookups += 1
        return self._entry(ino, st)

    # ------------------------------------------------------------------ the dispatcher's side

    async def root_entry(self, parent: int) -> pyfuse3.EntryAttributes:
        """The source directory's attributes, shown at the mount point in tree directory
        ``parent`` (the dispatcher counts the lookup)."""
        self.attach_parent = parent
        return self._attr(self.root)

    # ------------------------------------------------------------------ names

    @host_call
    async def lookup(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """LOOKUP: ``openat2(parent, name, O_PATH, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)``;
        '.' is the directory itself, '..' the directory it was reached from (never the host's
        parent; ENOENT above the mount's root)."""
        if name == b".":
            entry = self._attr(parent_inode)
            self._node(parent_inode).lookups += 1
            return entry
        if name == b"..":
            node = self._node(parent_inode)
            if parent_inode == self.root:
                raise pyfuse3.FUSEError(errno.ENOENT)
            entry = self._attr(node.parent)
            self._nodes[node.parent].lookups += 1
            return entry
        try:
            return self._lookup_name(parent_inode, name)[1]
        except FileNotFoundError:
            # A negative entry the kernel may cache for the same timeout as positive ones
            # (programs probe many missing names: Python's imports, PATH searches).
            neg = pyfuse3.EntryAttributes()
            neg.st_ino = 0
            neg.entry_timeout = self.timeout
            neg.attr_timeout = self.timeout
            return neg

    @host_call
    async def getattr(self, inode: int, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """GETATTR: fstat of the inode's descriptor (a symbolic link's own attributes)."""
        return self._attr(inode)

    @host_call
    async def setattr(self, inode: int, attr: pyfuse3.EntryAttributes, fields: pyfuse3.SetattrFields,
                      fh: int | None, ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """SETATTR: chown (fchownat AT_EMPTY_PATH), chmod (refused for setuid bits unless
        allowed; EOPNOTSUPP on a symbolic link), truncate (regular files), utimens
        (utimensat AT_EMPTY_PATH); each on the inode's own descriptor."""
        self._writable()
        node = self._node(inode)
        fd = self._fd(inode)
        if fields.update_uid or fields.update_gid:
            beneath.chown_fd(fd, attr.st_uid if fields.update_uid else -1,
                             attr.st_gid if fields.update_gid else -1)
        if fields.update_mode:
            if node.kind == stat.S_IFLNK:
                raise pyfuse3.FUSEError(errno.EOPNOTSUPP)
            mode = attr.st_mode & 0o7777
            self._check_mode(mode, node.kind)
            os.chmod(beneath.proc_path(fd), mode)
        if fields.update_size:
            if node.kind != stat.S_IFREG:
                raise pyfuse3.FUSEError(errno.EINVAL)
            h = self._handles.get(fh) if fh is not None else None
            if h is not None and h.ino == inode:
                os.ftruncate(h.fd, attr.st_size)
            else:
                wfd = beneath.reopen(fd, os.O_WRONLY)
                try:
                    os.ftruncate(wfd, attr.st_size)
                finally:
                    os.close(wfd)
        if fields.update_atime or fields.update_mtime:
            atime = attr.st_atime_ns if fields.update_atime else None
            mtime = attr.st_mtime_ns if fields.update_mtime else None
            try:
                beneath.utimens_fd(fd, atime, mtime)
            except OSError as exc:  # kernels without AT_EMPTY_PATH for utimensat
                if exc.errno != errno.EINVAL or node.kind == stat.S_IFLNK:
                    raise
                st = os.fstat(fd)
                os.utime(beneath.proc_path(fd),
                         ns=(st.st_atime_ns if atime is None else atime, st.st_mtime_ns if mtime is None else mtime))
        return self._attr(inode)

    @host_call
    async def readlink(self, inode: int, ctx: pyfuse3.RequestContext) -> bytes:
        """READLINK: the target as stored (the kernel resolves it in the caller's namespace)."""
        node = self._node(inode)
        if node.kind != stat.S_IFLNK:
            raise pyfuse3.FUSEError(errno.EINVAL)
        return os.readlink(b"", dir_fd=self._fd(inode))

    @host_call
    async def mknod(self, parent_inode: int, name: bytes, mode: int, rdev: int,
                    ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """MKNOD: FIFOs, sockets, regular files; device nodes only with ``allow_devices``."""
        self._writable()
        kind = stat.S_IFMT(mode)
        if kind in (stat.S_IFCHR, stat.S_IFBLK) and not self.spec.allow_devices:
            raise pyfuse3.FUSEError(errno.EPERM)
        if kind not in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK, stat.S_IFREG):
            raise pyfuse3.FUSEError(errno.EINVAL)
        perms = mode & 0o7777 & ~(ctx.umask & 0o777)
        self._check_mode(perms, kind)
        beneath.check_name(name)
        os.mknod(name, kind | perms, rdev, dir_fd=self._dir(parent_inode))
        return self._made(parent_inode, name, ctx, kind)

    @host_call
    async def mkdir(self, parent_inode: int, name: bytes, mode: int,
                    ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """MKDIR, owned by the caller (umask applied)."""
        self._writable()
        perms = mode & 0o7777 & ~(ctx.umask & 0o777)
        self._check_mode(perms, stat.S_IFDIR)
        beneath.check_name(name)
        os.mkdir(name, perms, dir_fd=self._dir(parent_inode))
        return self._made(parent_inode, name, ctx, stat.S_IFDIR)

    @host_call
    async def symlink(self, parent_inode: int, name: bytes, target: bytes,
                      ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """SYMLINK, owned by the caller (the target is stored, never followed here)."""
        self._writable()
        beneath.check_name(name)
        os.symlink(target, name, dir_fd=self._dir(parent_inode))
        return self._made(parent_inode, name, ctx, stat.S_IFLNK)

    @host_call
    async def link(self, inode: int, new_parent_inode: int, new_name: bytes,
                   ctx: pyfuse3.RequestContext) -> pyfuse3.EntryAttributes:
        """LINK: linkat(inode's descriptor, "", AT_EMPTY_PATH) - the object itself, never a
        symbolic link's target."""
        self._writable()
        node = self._node(inode)
        if node.kind == stat.S_IFDIR:
            raise pyfuse3.FUSEError(errno.EPERM)
        beneath.link_fd(self._fd(inode), self._dir(new_parent_inode), new_name)
        return self._lookup_name(new_parent_inode, new_name)[1]

    @host_call
    async def unlink(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """UNLINK (unlinkat: a symbolic link is removed itself)."""
        self._writable()
        beneath.check_name(name)
        os.unlink(name, dir_fd=self._dir(parent_inode))
        self._unname(parent_inode, name)

    @host_call
    async def rmdir(self, parent_inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """RMDIR."""
        self._writable()
        beneath.check_name(name)
        os.rmdir(name, dir_fd=self._dir(parent_inode))
        self._unname(parent_inode, name)

    @host_call
    async def rename(self, parent_inode_old: int, name_old: bytes, parent_inode_new: int,
                     name_new: bytes, flags: int, ctx: pyfuse3.RequestContext) -> None:
        """RENAME (renameat2 with RENAME_NOREPLACE / RENAME_EXCHANGE; a whiteout, which makes
        a device node, only with ``allow_devices`` - and then EINVAL: not supported)."""
        self._writable()
        beneath.rename_at(self._dir(parent_inode_old), name_old, self._dir(parent_inode_new),
                          name_new, flags)
        moved = self._by_name.get((parent_inode_old, name_old))
        other = self._by_name.get((parent_inode_new, name_new))
        if flags & beneath.RENAME_EXCHANGE:
            if moved is not None:
                self._place(moved, parent_inode_new, name_new)
            if other is not None:
                self._place(other, parent_inode_old, name_old)
            return
        if other is not None and other != moved:
            self._unname(parent_inode_new, name_new)
        if moved is not None:
            self._place(moved, parent_inode_new, name_new)

    # ------------------------------------------------------------------ files

    @host_call
    async def create(self, parent_inode: int, name: bytes, mode: int, flags: int,
                     ctx: pyfuse3.RequestContext) -> tuple[pyfuse3.FileInfo, pyfuse3.EntryAttributes]:
        """CREATE: a new file (O_CREAT|O_EXCL beneath the parent, not following a symbolic
        link) owned by the caller, or, without O_EXCL, the existing one opened."""
        self._writable()
        perms = mode & 0o7777 & ~(ctx.umask & 0o777)
        self._check_mode(perms, stat.S_IFREG)
        pfd = self._dir(parent_inode)
        try:
            fd = beneath.open_beneath(pfd, name, flags | os.O_CREAT | os.O_EXCL, perms)
            created = True
        except FileExistsError:
            if flags & os.O_EXCL:
                raise
            fd = beneath.open_beneath(pfd, name, flags & ~(os.O_CREAT | os.O_EXCL))
            created = False
        try:
            if created:
                os.fchown(fd, *self._owner_of_new(pfd, ctx))
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise pyfuse3.FUSEError(errno.EISDIR if stat.S_ISDIR(st.st_mode) else errno.EACCES)
            opath = os.open(beneath.proc_path(fd), os.O_PATH | os.O_CLOEXEC)
        except BaseException:
            os.close(fd)
            raise
        ino, _ = self._intern(opath, st, parent_inode, name)
        self._nodes[ino].lookups += 1
        self._pin(ino)
        fh = self.new_fh()
        self._handles[fh] = _Handle(fd, ino, (ctx.uid, ctx.gid, ctx.pid))
        return self._file_info(fh), self._entry(ino, st)

    def _file_info(self, fh: int) -> pyfuse3.FileInfo:
        fi = pyfuse3.FileInfo(fh=fh)
        fi.direct_io = False
        fi.keep_cache = False  # the host may change the file behind the mount
        return fi

    @host_call
    async def open(self, inode: int, flags: int, ctx: pyfuse3.RequestContext) -> pyfuse3.FileInfo:
        """OPEN of a regular file: a new descriptor of the same object (by descriptor, through
        /proc/self/fd, not by name); EROFS for writing or O_TRUNC on a read-only mount."""
        node = self._node(inode)
        if (flags & os.O_ACCMODE) != os.O_RDONLY or flags & os.O_TRUNC:
            self._writable()
        if node.kind != stat.S_IFREG:
            raise pyfuse3.FUSEError(errno.EISDIR if node.kind == stat.S_IFDIR else errno.EACCES)
        fd = beneath.reopen(self._fd(inode), flags)
        self._pin(inode)
        fh = self.new_fh()
        self._handles[fh] = _Handle(fd, inode, (ctx.uid, ctx.gid, ctx.pid))
        return self._file_info(fh)

    @host_call
    async def read(self, fh: int, off: int, size: int) -> bytes:
        """READ: pread."""
        return os.pread(self._handle(fh).fd, size, off)

    @host_call
    async def write(self, fh: int, off: int, buf: bytes) -> int:
        """WRITE: pwrite (with O_APPEND the host appends at its end of file)."""
        self._writable()
        return os.pwrite(self._handle(fh).fd, buf, off)

    async def flush(self, fh: int) -> None:
        """FLUSH: nothing buffered here (every write went to the host)."""
        self._handle(fh)

    @host_call
    async def release(self, fh: int) -> None:
        """RELEASE: close the descriptor."""
        h = self._handles.pop(fh, None)
        if h is not None:
            _close(h.fd)
            self._unpin(h.ino)

    @host_call
    async def fallocate(self, fh: int, mode: int, offset: int, length: int) -> None:
        """FALLOCATE: fallocate(2) of the host file with the same mode."""
        self._writable()
        beneath.fallocate_fd(self._handle(fh).fd, mode, offset, length)

    @host_call
    async def fsync(self, fh: int, datasync: bool) -> None:
        """FSYNC: fdatasync / fsync of the host file."""
        fd = self._handle(fh).fd
        (os.fdatasync if datasync else os.fsync)(fd)

    @host_call
    async def opendir(self, inode: int, ctx: pyfuse3.RequestContext) -> int:
        """OPENDIR: a real descriptor of the directory (by descriptor, not by name)."""
        fd = beneath.reopen(self._dir(inode), os.O_RDONLY | os.O_DIRECTORY)
        self._pin(inode)
        fh = self.new_fh()
        self._handles[fh] = _Handle(fd, inode, (ctx.uid, ctx.gid, ctx.pid))
        return fh

    @host_call
    async def readdir(self, fh: int, start_id: int, emit: Callable[..., bool]) -> None:
        """READDIRPLUS: the names listed when the directory was read from the start ('.' and
        '..' first), each opened beneath it and given with its attributes; entries that went
        away meanwhile are skipped."""
        h = self._handle(fh)
        if start_id == 0 or h.entries is None:
            h.entries = [b".", b"..", *sorted(os.listdir(h.fd))]
            h.entries = [os.fsencode(n) if isinstance(n, str) else n for n in h.entries]
        for i in range(start_id, len(h.entries)):
            name = h.entries[i]
            if name in (b".", b".."):
                entry = self._attr(h.ino)
                if name == b"..":
                    node = self._node(h.ino)
                    entry.st_ino = self.attach_parent if h.ino == self.root else node.parent
                    if not entry.st_ino:
                        entry.st_ino = h.ino
                if not emit(name, entry, i + 1):
                    return
                continue
            try:
                # fstatat of one name, not following: no descriptor needed until it is used
                st = os.stat(name, dir_fd=h.fd, follow_symlinks=False)
            except (FileNotFoundError, NotADirectoryError):
                continue
            ino, new = self._intern(-1, st, h.ino, name)
            entry = self._entry(ino, st)
            if not emit(name, entry, i + 1):
                if new:
                    self._maybe_drop(ino)
                return

    @host_call
    async def releasedir(self, fh: int) -> None:
        """RELEASEDIR: close the descriptor."""
        h = self._handles.pop(fh, None)
        if h is not None:
            _close(h.fd)
            self._unpin(h.ino)

    @host_call
    async def fsyncdir(self, fh: int, datasync: bool) -> None:
        """FSYNCDIR: fsync of the host directory."""
        os.fsync(self._handle(fh).fd)

    @host_call
    async def statfs(self, ctx: pyfuse3.RequestContext, inode: int | None = None) -> pyfuse3.StatvfsData:
        """STATFS: statvfs(3) of the host object ``inode`` (the source directory when None or
        no longer known), so a filesystem mounted inside the source shows its own figures."""
        try:
            fd = self._fd(self.root if inode is None else inode)
        except pyfuse3.FUSEError:
            fd = self._fd(self.root)
        v = os.statvfs(beneath.proc_path(fd))
        s = pyfuse3.StatvfsData()
        s.f_bsize, s.f_frsize, s.f_blocks, s.f_bfree, s.f_bavail = (
            v.f_bsize, v.f_frsize, v.f_blocks, v.f_bfree, v.f_bavail)
        s.f_files, s.f_ffree, s.f_favail, s.f_namemax = v.f_files, v.f_ffree, v.f_favail, v.f_namemax
        return s

    # ------------------------------------------------------------------ xattrs

    def _xattr_target(self, inode: int) -> str | None:
        node = self._node(inode)
        return None if node.kind == stat.S_IFLNK else beneath.proc_path(self._fd(inode))

    @host_call
    async def getxattr(self, inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> bytes:
        """GETXATTR (a symbolic link's are not served: ENODATA)."""
        target = self._xattr_target(inode)
        if target is None:
            raise pyfuse3.FUSEError(errno.ENODATA)
        return os.getxattr(target, name)

    @host_call
    async def listxattr(self, inode: int, ctx: pyfuse3.RequestContext) -> list[bytes]:
        """LISTXATTR (none for a symbolic link)."""
        target = self._xattr_target(inode)
        return [] if target is None else [os.fsencode(n) for n in os.listxattr(target)]

    def _xattr_change(self, inode: int, name: bytes) -> str:
        self._writable()
        if name.startswith(b"system."):
            raise pyfuse3.FUSEError(errno.EOPNOTSUPP)  # POSIX ACLs are not passed through
        if name in BLOCKED_XATTRS and not self.spec.allow_setuid:
            raise pyfuse3.FUSEError(errno.EPERM)  # file capabilities are setuid in disguise
        target = self._xattr_target(inode)
        if target is None:
            raise pyfuse3.FUSEError(errno.EPERM)
        return target

    @host_call
    async def setxattr(self, inode: int, name: bytes, value: bytes, ctx: pyfuse3.RequestContext) -> None:
        """SETXATTR (not system.*: EOPNOTSUPP; security.capability only with ``allow_setuid``)."""
        os.setxattr(self._xattr_change(inode, name), name, value)

    @host_call
    async def removexattr(self, inode: int, name: bytes, ctx: pyfuse3.RequestContext) -> None:
        """REMOVEXATTR."""
        os.removexattr(self._xattr_change(inode, name), name)


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
