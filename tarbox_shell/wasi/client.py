"""The fd-style client: a descriptor table over one tenant, with the operations named as WASI
preview 1 names them.

The table (positions, flags, rights) lives here, as FUSE file handles live in the bridge:
``fd_seek``, ``fd_tell``, ``fd_fdstat_get``, ``fd_renumber``, ``fd_advise`` and the prestat
calls never reach the tenant, nor does ``fd_close`` of a descriptor that did not write; every
other call is one round trip of the backend (one SQL call, one transaction, in direct mode).
The close (or fd_sync) of a descriptor that wrote is one round trip too (:meth:`Backend.release`,
``tarbox.wasi_close``): what it wrote is stored as text chunks, as a FUSE release does. Semantics follow what wasmtime answers for a
preopened host directory (measured), so a program sees the same errors either way.

When the backend allows it (:attr:`Backend.attr_ttl` and :attr:`Backend.read_ahead`: both
modes, 1 s in direct mode and 3 s in HTTP mode; :attr:`Backend.write_buffer`: HTTP mode only)
the client also answers from what it holds:

* **write buffering**: contiguous small writes of a descriptor are held and sent as one write
  when the descriptor is closed or synced, before any other round trip of the client (a read,
  a stat, an open, a rename...: so the program itself always sees its own writes), when a
  write does not continue the held run, when the run reaches the buffer size, and when the
  run ends. A write error found then is reported by the descriptor's next write, sync or
  close (as NFS reports it), and by the run's end if the program never closed the file;
* **attributes and data**: ``fd_filestat_get`` is answered from the attributes the open (or
  the last getattr, truncate, ...) returned, a read of the first :attr:`Backend.read_ahead`
  bytes from what an open for reading fetched with it, and a read at the end of file the
  previous read reached is answered empty, while the client made no other round trip and for
  at most :attr:`Backend.attr_ttl` seconds.

For another client reading the same file at the same time this is close-to-open consistency:
it sees the writes once the writer closed or synced the file (or made any other filesystem
call), not while they are held.
"""

from __future__ import annotations

import errno as E
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from .backend import Attr, Backend, open_backend
from .errors import DatabaseUnavailable, WasiError
from .types import (ALL_RIGHTS, DIR_RIGHTS, FILE_RO_RIGHTS, FILE_RW_RIGHTS, FILE_WO_RIGHTS,
                    PREOPEN_RIGHTS_BASE, PREOPEN_RIGHTS_INHERITING, READ_RIGHTS, WRITE_RIGHTS,
                    ClientConfig, DirEntry, FdFlags, FdStat, FileStat, FileType, OFlags,
                    OpenFlags, Whence)

#: The most one call reads or writes (bytes); more is a short read or write, which POSIX
#: and WASI allow and every caller loops over.
MAX_IO = 16 * 1024 * 1024
#: The most directory entries one fd_readdir round trip fetches.
MAX_READDIR = 10000
#: st_dev reported for every inode of the tenant.
DEV = 1
_SYNC_FLAGS = FdFlags.SYNC | FdFlags.DSYNC | FdFlags.RSYNC


@dataclass
class Descriptor:
    """One open descriptor: the backend's ``node`` and inode number, the file type, the
    access wasmtime would grant (``readable``/``writable``), ``flags`` (fdflags), the rights
    reported by fd_fdstat_get, the ``position``, the guest ``preopen`` path of a preopened
    directory, and for a descriptor the host serves itself (wasmtime's stdio) its number
    there as ``foreign``. ``path`` is for messages."""

    node: Any
    ino: int
    filetype: FileType
    readable: bool
    writable: bool
    flags: FdFlags
    rights_base: int
    rights_inheriting: int
    path: str
    position: int = 0
    preopen: str | None = None
    foreign: int | None = None
    #: Held writes (write buffering): the bytes, and the offset they start at (None: they
    #: append at the end of file).
    pending: bytearray = field(default_factory=bytearray)
    pending_at: int | None = None
    #: A write error found while sending held writes, reported by the next write/sync/close.
    error: WasiError | None = None
    #: Whether the descriptor wrote since it was opened or last synced: its close (or fd_sync)
    #: then has the backend store what it wrote as text chunks (``tarbox.wasi_close``).
    wrote: bool = False
    #: Attributes known from the backend, and when (backend round trips, monotonic time).
    attr: Attr | None = None
    attr_calls: int = -1
    attr_time: float = 0.0
    #: The end of file the last read reached, and when.
    eof: int | None = None
    eof_calls: int = -1
    eof_time: float = 0.0
    #: The file's first bytes, fetched with the open (read ahead), and when.
    ahead: bytes | None = None
    ahead_calls: int = -1
    ahead_time: float = 0.0


def _err(code: int, message: str) -> WasiError:
    return WasiError(message, code)


def _text(path: str | bytes) -> str:
    if isinstance(path, bytes):
        try:
            path = path.decode("utf-8")
        except UnicodeDecodeError:
            raise _err(E.EILSEQ, f"path {path!r} is not UTF-8") from None
    if "\x00" in path:
        raise _err(E.EINVAL, f"path {path!r} contains a NUL character")
    return path


def filestat(attr: Attr) -> FileStat:
    """The WASI ``filestat`` of backend attributes."""
    return FileStat(dev=DEV, ino=attr.ino, filetype=FileType.of_mode(attr.mode),
                    nlink=attr.nlink, size=attr.size, atim=attr.atime_ns, mtim=attr.mtime_ns,
                    ctim=attr.ctime_ns, mode=attr.mode)


class WasiClient:
    """A WASI-style file-descriptor client bound to one tenant.

    Args:
        backend: the :class:`tarbox_shell.wasi.Backend` that reaches the tenant.

    Descriptors 0-2 are free for a host's stdio (:meth:`reserve`); preopens (:meth:`preopen`)
    and opened files are numbered from 3, reusing the number freed last first, as wasmtime
    does. Every method raises
    :class:`tarbox_shell.wasi.WasiError` (``.errno``, ``.wasi_errno``) on failure and
    :class:`tarbox_shell.wasi.DatabaseUnavailable` when the tenant cannot be reached.

    Paths (str, or UTF-8 bytes) given with ``dirfd`` are relative to that directory and are
    resolved without leaving it; without ``dirfd`` a path is absolute in the guest's view and
    is taken relative to the preopen whose guest path is its longest prefix (as wasi-libc
    does).
    """

    def __init__(self, backend: Backend):
        self.backend = backend
        self._fds: dict[int, Descriptor] = {}
        self._free: set[int] = set()
        self._next = 3
        self._buffer = max(int(backend.write_buffer), 0)
        self._ttl = max(float(backend.attr_ttl), 0.0)
        self._ahead = max(int(backend.read_ahead), 0) if self._ttl else 0

    @classmethod
    def connect(cls, config: ClientConfig) -> "WasiClient":
        """A client for ``config`` with its preopens made (fd 3, 4, ...). Raises
        :class:`tarbox_shell.errors.TarboxError` when the tenant cannot be reached or a
        preopen is not a directory of the tenant."""
        backend = open_backend(config)
        client = cls(backend)
        try:
            for guest, tenant_path in config.preopens:
                client.preopen(guest, tenant_path)
        except BaseException:
            client.close()
            raise
        return client

    def __enter__(self) -> "WasiClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every descriptor as :meth:`close_files` does (errors are dropped: call it
        first to see them), forget the preopens and close the backend. Never raises."""
        try:
            self.close_files()
        except WasiError:
            pass
        self._fds.clear()
        self.backend.close()

    def close_files(self) -> None:
        """Close every descriptor but the preopens and the host's own, as the end of a
        process closes them: held writes are sent and a descriptor that wrote is released
        (:meth:`fd_close`). Every descriptor is closed; the first error is raised afterwards
        (:class:`WasiError`, :class:`DatabaseUnavailable`)."""
        first: WasiError | None = None
        for fd, d in sorted(self._fds.items()):
            if d.preopen is not None or d.foreign is not None:
                continue
            try:
                self.fd_close(fd)
            except DatabaseUnavailable:
                raise
            except WasiError as exc:
                first = first or exc
        for d in self._fds.values():  # the preopens' deferred errors too
            if d.error is not None and first is None:
                first, d.error = d.error, None
        if first is not None:
            raise first

    # -- held writes and known attributes ------------------------------------------------------
    def flush(self) -> None:
        """Send the held writes of every descriptor now. Raises the first write error (also
        one found earlier and not reported yet) as :class:`WasiError`, and
        :class:`DatabaseUnavailable`."""
        self._flush_all()
        for d in self._fds.values():
            if d.error is not None:
                err, d.error = d.error, None
                raise err

    def _send(self, d: Descriptor) -> None:
        """Send ``d``'s held writes as one write; a failure is raised (the data is dropped)."""
        if not d.pending:
            return
        data, at = bytes(d.pending), d.pending_at
        d.pending = bytearray()
        d.pending_at = None
        end = self.backend.write(d.node, 0 if at is None else at, data, at is None)
        if at is None:
            d.position = end  # appended: the true end of file

    def _flush_one(self, d: Descriptor) -> None:
        """Send ``d``'s held writes, keeping a failure for its next write, sync or close."""
        try:
            self._send(d)
        except DatabaseUnavailable:
            raise
        except WasiError as exc:
            d.error = d.error or exc

    def _flush_all(self) -> None:
        """Before any round trip: send every descriptor's held writes (their order does not
        matter: a run is one descriptor's contiguous bytes, and the run of an inode is sent
        before another descriptor writes that inode)."""
        if not self._buffer:
            return
        for d in list(self._fds.values()):
            if d.pending:
                self._flush_one(d)

    def _tenant(self) -> Backend:
        """The backend, for a round trip: held writes go first, so no request overtakes them."""
        self._flush_all()
        return self.backend

    def _raise_deferred(self, d: Descriptor) -> None:
        if d.error is not None:
            err, d.error = d.error, None
            raise err

    def _remember(self, d: Descriptor, attr: Attr) -> None:
        d.attr, d.attr_calls, d.attr_time = attr, self.backend.calls, time.monotonic()

    def _fresh(self, calls: int, at: float) -> bool:
        return bool(self._ttl) and calls == self.backend.calls and time.monotonic() - at < self._ttl

    # -- the table ----------------------------------------------------------------------------
    def _alloc(self) -> int:
        # As wasmtime's table: the highest number freed, else the next never used (not
        # POSIX's lowest free number: closing 0 and then 4 makes the next open 4, then 0).
        while self._free:
            fd = max(self._free)
            self._free.discard(fd)
            if fd not in self._fds:
                return fd
        while self._next in self._fds:
            self._next += 1
        self._next += 1
        return self._next - 1

    def _release(self, fd: int) -> None:
        del self._fds[fd]
        self._free.add(fd)

    def preopen(self, guest_path: str, tenant_path: str) -> int:
        """Preopen the tenant directory ``tenant_path`` (absolute) as ``guest_path``; returns
        its descriptor. One round trip. Raises ENOENT/ENOTDIR. A directory in a composition
        (another tenant's published layer: its numbers are 2^56 and above) is served as the
        mount shows it, like any path below a composition's mount point."""
        attr = self._tenant().root(tenant_path)
        fd = self._alloc()
        self._fds[fd] = Descriptor(node=attr.node, ino=attr.ino, filetype=FileType.DIRECTORY,
                                   readable=True, writable=False, flags=FdFlags(0),
                                   rights_base=PREOPEN_RIGHTS_BASE,
                                   rights_inheriting=PREOPEN_RIGHTS_INHERITING,
                                   path=guest_path, preopen=guest_path)
        return fd

    def reserve(self, fd: int, foreign: int | None = None) -> None:
        """Mark descriptor ``fd`` as one the host serves itself (its number there:
        ``foreign``, default ``fd``); the client only moves and forgets it."""
        self._fds[fd] = Descriptor(node=None, ino=0, filetype=FileType.UNKNOWN, readable=False,
                                   writable=False, flags=FdFlags(0), rights_base=0,
                                   rights_inheriting=0, path=f"<fd {fd}>",
                                   foreign=fd if foreign is None else foreign)

    def descriptor(self, fd: int) -> Descriptor:
        """The descriptor ``fd``; EBADF when it is not open."""
        try:
            return self._fds[fd]
        except KeyError:
            raise _err(E.EBADF, f"descriptor {fd} is not open") from None

    def descriptors(self) -> Iterator[tuple[int, Descriptor]]:
        """Every open descriptor, by number."""
        return iter(sorted(self._fds.items()))

    def preopens(self) -> list[tuple[int, str]]:
        """(descriptor, guest path) of every open preopened directory."""
        return [(fd, d.preopen) for fd, d in self.descriptors() if d.preopen is not None]

    def _file(self, fd: int, what: str, read: bool = False, write: bool = False) -> Descriptor:
        d = self.descriptor(fd)
        if d.foreign is not None or d.filetype == FileType.DIRECTORY:
            raise _err(E.EBADF, f"{what}: descriptor {fd} ({d.path}) is not a file")
        if read and not d.readable:
            raise _err(E.EBADF, f"{what}: descriptor {fd} ({d.path}) is not open for reading")
        if write and not d.writable:
            raise _err(E.EBADF, f"{what}: descriptor {fd} ({d.path}) is not open for writing")
        return d

    def _dir(self, fd: int, what: str) -> Descriptor:
        d = self.descriptor(fd)
        if d.foreign is not None or d.filetype != FileType.DIRECTORY:
            # EBADF, not ENOTDIR: what wasmtime answers for a path call under a file.
            raise _err(E.EBADF, f"{what}: descriptor {fd} ({d.path}) is not a directory")
        return d

    def _locate(self, path: str | bytes, dirfd: int | None, what: str) -> tuple[Descriptor, str]:
        text = _text(path)
        if dirfd is not None:
            return self._dir(dirfd, what), text
        if not text.startswith("/"):
            raise _err(E.EINVAL, f"{what}: {text} is relative and no dirfd was given")
        best: tuple[int, Descriptor] | None = None
        for fd, d in self._fds.items():
            pre = d.preopen
            if pre is None:
                continue
            root = pre.rstrip("/") or "/"
            if root == "/" or text == root or text.startswith(root + "/"):
                if best is None or len(root) > len(best[1].preopen.rstrip("/") or "/"):
                    best = (fd, d)
        if best is None:
            raise _err(E.ENOENT, f"{what}: no preopened directory contains {text}")
        root = best[1].preopen.rstrip("/") or "/"
        rest = text[len(root):].lstrip("/") if root != "/" else text.lstrip("/")
        return best[1], rest or "."

    # -- opening --------------------------------------------------------------------------------
    def fd_open(self, path: str | bytes, flags: OpenFlags = OpenFlags.READ, *,
                dirfd: int | None = None, follow: bool = True) -> int:
        """Open ``path`` as ``open(2)`` would with ``flags``; returns the new descriptor."""
        return self.path_open(path, oflags=flags.oflags(), fdflags=flags.fdflags(),
                              rights_base=flags.rights(), rights_inheriting=flags.rights(),
                              dirfd=dirfd, follow=follow)

    def path_open(self, path: str | bytes, *, oflags: int = 0, fdflags: int = 0,
                  rights_base: int = ALL_RIGHTS, rights_inheriting: int = ALL_RIGHTS,
                  dirfd: int | None = None, follow: bool = True) -> int:
        """WASI ``path_open``: open ``path`` with WASI ``oflags``, ``fdflags`` and rights
        (reading when the rights ask for fd_read/fd_readdir or for nothing, writing when
        they ask for fd_write, fd_datasync, fd_allocate or fd_filestat_set_size, as wasmtime
        decides); returns the new descriptor. One round trip."""
        base, rel = self._locate(path, dirfd, "path_open")
        readable = bool(rights_base & READ_RIGHTS)
        writable = bool(rights_base & WRITE_RIGHTS)
        if not (readable or writable):
            readable = True
        ahead = self._ahead if readable and not oflags & OFlags.DIRECTORY else 0
        if ahead:
            attr, data = self._tenant().open_read(base.node, rel, follow, int(oflags), writable, ahead)
        else:
            attr, data = self._tenant().open(base.node, rel, follow, int(oflags), writable), None
        ftype = FileType.of_mode(attr.mode)
        flags = FdFlags(int(fdflags) & 31)
        if ftype == FileType.DIRECTORY:
            d = Descriptor(node=attr.node, ino=attr.ino, filetype=ftype, readable=True,
                           writable=False, flags=flags, rights_base=DIR_RIGHTS,
                           rights_inheriting=DIR_RIGHTS, path=rel)
        else:
            rights = (FILE_RW_RIGHTS if readable and writable
                      else FILE_RO_RIGHTS if readable else FILE_WO_RIGHTS)
            d = Descriptor(node=attr.node, ino=attr.ino, filetype=ftype, readable=readable,
                           writable=writable, flags=flags, rights_base=rights,
                           rights_inheriting=rights, path=rel)
        self._remember(d, attr)
        if data is not None:
            d.ahead, d.ahead_calls, d.ahead_time = data, d.attr_calls, d.attr_time
            if len(data) >= attr.size:  # the whole file: its end is known too
                d.eof, d.eof_calls, d.eof_time = len(data), d.attr_calls, d.attr_time
        fd = self._alloc()
        self._fds[fd] = d
        return fd

    def fd_close(self, fd: int) -> Descriptor:
        """WASI ``fd_close``: forget descriptor ``fd``; returns what it was. No round trip for
        a descriptor that did not write; one that wrote is released in one round trip, with
        the writes still held: they are written and what the descriptor wrote is stored as
        text chunks, as a FUSE release does (``tarbox.wasi_close``). A write error is raised
        (the descriptor is closed all the same, as close(2) does)."""
        d = self.descriptor(fd)
        self._release(fd)
        if d.wrote:
            self._close_file(d)
        else:
            self._send(d)
        self._raise_deferred(d)
        return d

    def _close_file(self, d: Descriptor, sync: bool = False) -> None:
        """Release ``d``, which wrote (with ``sync``: durably, for fd_sync): its held writes and
        the text re-chunking in one round trip. A failure is raised (held data is dropped)."""
        data, at = bytes(d.pending), d.pending_at
        d.pending = bytearray()
        d.pending_at = None
        d.wrote = False
        end = self.backend.release(d.node, data, 0 if at is None else at, at is None, sync)
        if at is None and end is not None:
            d.position = end  # appended: the true end of file

    def fd_renumber(self, fd: int, to: int) -> Descriptor | None:
        """WASI ``fd_renumber``: move ``fd`` onto ``to`` (both must be open), closing what
        ``to`` was; returns that descriptor (None when ``fd == to``)."""
        self.descriptor(fd)
        displaced = self.descriptor(to)
        if fd == to:
            return None
        self._fds[to] = self._fds[fd]
        self._release(fd)
        # closed by the renumbering (its errors go, as with dup2)
        if displaced.wrote:
            try:
                self._close_file(displaced)
            except DatabaseUnavailable:
                raise
            except WasiError:
                pass
        else:
            self._flush_one(displaced)
        return displaced

    # -- reading and writing ----------------------------------------------------------------------
    def fd_read(self, fd: int, size: int) -> bytes:
        """WASI ``fd_read``: up to ``size`` bytes at the position, which advances."""
        d = self._file(fd, "fd_read", read=True)
        n = min(max(size, 0), MAX_IO)
        if n == 0:
            return b""
        data = self._read(d, d.position, n)
        d.position += len(data)
        return data

    def _read(self, d: Descriptor, offset: int, n: int) -> bytes:
        backend = self._tenant()
        if d.eof is not None and offset >= d.eof and self._fresh(d.eof_calls, d.eof_time):
            return b""  # the end of file the last read reached, with nothing done since
        if d.ahead is not None and self._fresh(d.ahead_calls, d.ahead_time):
            whole = d.eof is not None and d.eof == len(d.ahead)
            if offset + n <= len(d.ahead) or (whole and offset < len(d.ahead)):
                return d.ahead[offset:offset + n]  # read with the open, nothing done since
        data, size = backend.read_sized(d.node, offset, n)
        if size is not None and offset + len(data) >= size:
            d.eof, d.eof_calls, d.eof_time = size, self.backend.calls, time.monotonic()
        return data

    def fd_pread(self, fd: int, size: int, offset: int) -> bytes:
        """WASI ``fd_pread``: up to ``size`` bytes at ``offset``; the position stays."""
        d = self._file(fd, "fd_pread", read=True)
        if offset < 0:
            raise _err(E.EINVAL, f"fd_pread: negative offset {offset}")
        n = min(max(size, 0), MAX_IO)
        return self._read(d, offset, n) if n else b""

    def fd_write(self, fd: int, data: bytes) -> int:
        """WASI ``fd_write``: write ``data`` at the position (at the end of file with the
        append flag) and advance past it; returns the bytes written. Only the blocks the
        write touches change; a write past the end leaves a hole."""
        d = self._file(fd, "fd_write", write=True)
        self._raise_deferred(d)
        if not data:
            return 0
        chunk = bytes(data[:MAX_IO])
        append = bool(d.flags & FdFlags.APPEND)
        if self._hold(d, None if append else d.position, chunk):
            d.position += len(chunk)  # with append: exact once the run is sent
            return len(chunk)
        d.position = self._tenant().write(d.node, 0 if append else d.position, chunk, append)
        d.wrote = True
        if d.flags & _SYNC_FLAGS:
            self.backend.sync(d.node)
        return len(chunk)

    def _hold(self, d: Descriptor, offset: int | None, chunk: bytes) -> bool:
        """Hold ``chunk`` (to be written at ``offset``; None: appended) in ``d``'s run when
        buffering allows it; True when held. Another descriptor's run of the same inode is
        sent first (writes land in the program's order)."""
        if not self._buffer or len(chunk) >= self._buffer or d.flags & _SYNC_FLAGS:
            return False
        for other in list(self._fds.values()):
            if other is not d and other.pending and other.node == d.node:
                self._flush_one(other)
        if d.pending:
            if offset is None:
                follows = d.pending_at is None
            else:
                follows = d.pending_at is not None and d.pending_at + len(d.pending) == offset
            if not follows or len(d.pending) + len(chunk) > self._buffer:
                self._send(d)
        if not d.pending:
            d.pending_at = offset
        d.pending += chunk
        d.wrote = True
        return True

    def fd_pwrite(self, fd: int, data: bytes, offset: int) -> int:
        """WASI ``fd_pwrite``: write ``data`` at ``offset`` (at the end with the append flag,
        as Linux does); the position stays. Returns the bytes written."""
        d = self._file(fd, "fd_pwrite", write=True)
        if offset < 0:
            raise _err(E.EINVAL, f"fd_pwrite: negative offset {offset}")
        self._raise_deferred(d)
        if not data:
            return 0
        chunk = bytes(data[:MAX_IO])
        append = bool(d.flags & FdFlags.APPEND)
        if append and d.pending:
            self._send(d)  # an append run would move the position when sent; pwrite must not
        if not append and self._hold(d, offset, chunk):
            return len(chunk)
        self._tenant().write(d.node, offset, chunk, append)
        d.wrote = True
        if d.flags & _SYNC_FLAGS:
            self.backend.sync(d.node)
        return len(chunk)

    def fd_seek(self, fd: int, offset: int, whence: Whence | int) -> int:
        """WASI ``fd_seek``: the new position (a round trip only for END, to learn the
        size). A position past the end is allowed; a write there leaves a hole."""
        d = self._file(fd, "fd_seek")
        whence = Whence(whence)
        if d.pending and d.pending_at is None:
            self._send(d)  # held appends: the position is exact once they are sent
        if whence == Whence.SET:
            base = 0
        elif whence == Whence.CUR:
            base = d.position
        else:
            base = self._attr(d).size
        new = base + offset
        if new < 0:
            raise _err(E.EINVAL, f"fd_seek: position {new} is negative")
        d.position = new
        return new

    def fd_tell(self, fd: int) -> int:
        """WASI ``fd_tell``: the position (no round trip, unless appends are held)."""
        d = self._file(fd, "fd_tell")
        if d.pending and d.pending_at is None:
            self._send(d)
        return d.position

    def fd_sync(self, fd: int) -> None:
        """WASI ``fd_sync``: every change made so far is durable when it returns (held writes
        are sent first; a write error is raised). For a descriptor that wrote, the same one
        round trip also releases it as its close would (text chunks)."""
        d = self.descriptor(fd)
        if d.wrote:
            # the other descriptors' held writes first, then this one's with its release
            for other in list(self._fds.values()):
                if other is not d and other.pending:
                    self._flush_one(other)
            self._raise_deferred(d)
            self._close_file(d, sync=True)
            return
        backend = self._tenant()
        self._raise_deferred(d)
        backend.sync(d.node)

    def fd_datasync(self, fd: int) -> None:
        """WASI ``fd_datasync`` (same as :meth:`fd_sync`)."""
        self.fd_sync(fd)

    def fd_advise(self, fd: int, offset: int, length: int, advice: int) -> None:
        """WASI ``fd_advise``: accepted and ignored (advice 0-5), no round trip."""
        self._file(fd, "fd_advise")
        if not 0 <= advice <= 5:
            raise _err(E.EINVAL, f"fd_advise: invalid advice {advice}")

    def fd_allocate(self, fd: int, offset: int, length: int) -> None:
        """WASI ``fd_allocate``: make the file at least ``offset + length`` bytes long
        (posix_fallocate). wasmtime answers ENOTSUP; Tarbox does it."""
        d = self._file(fd, "fd_allocate", write=True)
        self._remember(d, self._tenant().allocate(d.node, offset, length))

    # -- attributes -----------------------------------------------------------------------------
    def fd_fdstat_get(self, fd: int) -> FdStat:
        """WASI ``fd_fdstat_get`` (no round trip)."""
        d = self.descriptor(fd)
        return FdStat(d.filetype, d.flags, d.rights_base, d.rights_inheriting)

    def fd_fdstat_set_flags(self, fd: int, flags: int) -> None:
        """WASI ``fd_fdstat_set_flags``: append and nonblock may change (no round trip);
        the sync flags are EINVAL, as wasmtime answers."""
        d = self.descriptor(fd)
        if flags & ~(FdFlags.APPEND | FdFlags.NONBLOCK):
            raise _err(E.EINVAL, f"fd_fdstat_set_flags: only append and nonblock can change, not {flags}")
        if d.pending and (FdFlags(flags) & FdFlags.APPEND) != (d.flags & FdFlags.APPEND):
            self._flush_one(d)  # the held run was made under the other mode
        d.flags = FdFlags(flags) | (d.flags & _SYNC_FLAGS)

    def fd_fdstat_set_rights(self, fd: int, base: int, inheriting: int) -> None:
        """WASI ``fd_fdstat_set_rights``: ENOTSUP, as wasmtime answers."""
        self.descriptor(fd)
        raise _err(E.EOPNOTSUPP, "fd_fdstat_set_rights is not supported")

    def fd_prestat_get(self, fd: int) -> str:
        """WASI ``fd_prestat_get``: the guest path of preopened directory ``fd``; EBADF for
        any other descriptor (so a guest's scan stops after the last preopen)."""
        d = self.descriptor(fd)
        if d.preopen is None:
            raise _err(E.EBADF, f"descriptor {fd} is not a preopened directory")
        return d.preopen

    def fd_filestat_get(self, fd: int) -> FileStat:
        """WASI ``fd_filestat_get``."""
        d = self.descriptor(fd)
        if d.foreign is not None:
            raise _err(E.EBADF, f"descriptor {fd} is not a Tarbox file")
        return filestat(self._attr(d))

    def _attr(self, d: Descriptor) -> Attr:
        """``d``'s attributes: the ones known while fresh (no round trip since, held writes
        none), else a getattr."""
        backend = self._tenant()
        if d.attr is not None and self._fresh(d.attr_calls, d.attr_time):
            return d.attr
        attr = backend.getattr(d.node)
        self._remember(d, attr)
        return attr

    def fd_filestat_set_size(self, fd: int, size: int) -> None:
        """WASI ``fd_filestat_set_size`` (truncate up or down). EINVAL when the descriptor
        is not open for writing, as wasmtime answers."""
        d = self._file(fd, "fd_filestat_set_size")
        if not d.writable:
            raise _err(E.EINVAL, f"fd_filestat_set_size: descriptor {fd} ({d.path}) is not open for writing")
        if size < 0:
            raise _err(E.EINVAL, f"fd_filestat_set_size: negative size {size}")
        self._remember(d, self._tenant().truncate(d.node, size))

    def fd_filestat_set_times(self, fd: int, atim: int, mtim: int, fst_flags: int) -> None:
        """WASI ``fd_filestat_set_times`` (fstflags: 1 atim, 2 atim_now, 4 mtim, 8 mtim_now)."""
        d = self.descriptor(fd)
        if d.foreign is not None:
            raise _err(E.EBADF, f"descriptor {fd} is not a Tarbox file")
        self._remember(d, self._tenant().set_times(d.node, None, False, atim, mtim, fst_flags))

    def fd_readdir(self, fd: int, cookie: int = 0, limit: int = 1000) -> list[DirEntry]:
        """WASI ``fd_readdir``: up to ``limit`` entries after ``cookie`` (0 = the start;
        ``.`` and ``..`` come first), each with the cookie that resumes after it. Cookies
        stay valid while entries are added or removed. One round trip."""
        d = self.descriptor(fd)
        if d.foreign is not None or d.filetype != FileType.DIRECTORY:
            raise _err(E.EBADF, f"fd_readdir: descriptor {fd} ({d.path}) is not a directory")
        limit = max(1, min(limit, MAX_READDIR))
        return [DirEntry(name, nxt, ino, FileType.of_mode(mode))
                for name, nxt, ino, mode in self._tenant().readdir(d.node, cookie, limit)]

    # -- paths ------------------------------------------------------------------------------------
    def path_filestat_get(self, path: str | bytes, *, dirfd: int | None = None,
                          follow: bool = True) -> FileStat:
        """WASI ``path_filestat_get`` (``follow``: lookupflags.symlink_follow)."""
        base, rel = self._locate(path, dirfd, "path_filestat_get")
        return filestat(self._tenant().stat(base.node, rel, follow))

    def path_filestat_set_times(self, path: str | bytes, atim: int, mtim: int, fst_flags: int,
                                *, dirfd: int | None = None, follow: bool = True) -> None:
        """WASI ``path_filestat_set_times``."""
        base, rel = self._locate(path, dirfd, "path_filestat_set_times")
        self._tenant().set_times(base.node, rel, follow, atim, mtim, fst_flags)

    def path_create_directory(self, path: str | bytes, *, dirfd: int | None = None) -> None:
        """WASI ``path_create_directory`` (mode 0755)."""
        base, rel = self._locate(path, dirfd, "path_create_directory")
        self._tenant().mkdir(base.node, rel)

    def path_remove_directory(self, path: str | bytes, *, dirfd: int | None = None) -> None:
        """WASI ``path_remove_directory`` (the directory must be empty)."""
        base, rel = self._locate(path, dirfd, "path_remove_directory")
        self._tenant().rmdir(base.node, rel)

    def path_unlink_file(self, path: str | bytes, *, dirfd: int | None = None) -> None:
        """WASI ``path_unlink_file``. A file open elsewhere stays readable there."""
        base, rel = self._locate(path, dirfd, "path_unlink_file")
        self._tenant().unlink(base.node, rel)

    def path_rename(self, path: str | bytes, new_path: str | bytes, *, dirfd: int | None = None,
                    new_dirfd: int | None = None) -> None:
        """WASI ``path_rename`` (atomic, replacing a compatible target)."""
        base, rel = self._locate(path, dirfd, "path_rename")
        new_base, new_rel = self._locate(new_path, new_dirfd, "path_rename")
        self._tenant().rename(base.node, rel, new_base.node, new_rel)

    def path_symlink(self, target: str | bytes, path: str | bytes, *,
                     dirfd: int | None = None) -> None:
        """WASI ``path_symlink``: make ``path`` a symbolic link to ``target`` (relative;
        an absolute target is EPERM, as wasmtime answers)."""
        base, rel = self._locate(path, dirfd, "path_symlink")
        self._tenant().symlink(_text(target), base.node, rel)

    def path_readlink(self, path: str | bytes, *, dirfd: int | None = None) -> bytes:
        """WASI ``path_readlink``: the link's target (bytes)."""
        base, rel = self._locate(path, dirfd, "path_readlink")
        return self._tenant().readlink(base.node, rel)

    def path_link(self, path: str | bytes, new_path: str | bytes, *, dirfd: int | None = None,
                  new_dirfd: int | None = None, follow: bool = False) -> None:
        """WASI ``path_link``: a hard link ``new_path`` to the inode at ``path`` (a final
        symbolic link is linked itself unless ``follow``)."""
        base, rel = self._locate(path, dirfd, "path_link")
        new_base, new_rel = self._locate(new_path, new_dirfd, "path_link")
        self._tenant().link(base.node, rel, follow, new_base.node, new_rel)


__all__ = ["Descriptor", "MAX_IO", "WasiClient", "filestat"]
