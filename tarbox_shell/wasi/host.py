"""The WASI preview 1 host: wasmtime's WASI with its filesystem imports shadowed by a
:class:`tarbox_shell.wasi.WasiClient`.

:meth:`WasiHost.link` defines wasmtime's own WASI on a linker (stdin/stdout/stderr, args,
environment, clocks, random, poll, exit stay wasmtime's), then replaces every ``fd_*`` and
``path_*`` function with one that reads its arguments from the guest's memory, calls the
client, and writes the results back: one client call per WASI call, so one SQL call in
direct mode.

Descriptors 0-2 stay wasmtime's. A call on one of them is passed to wasmtime's own function
through a *relay*: a small module, instantiated before the shadowing, that imports wasmtime's
functions and owns a memory of its own; wasmtime's WASI reads and writes the memory of the
module that calls it, so the host copies the buffers into the relay's memory and back.
Renumbering between wasmtime's descriptors and Tarbox's works both ways.
"""

from __future__ import annotations

import ctypes
import struct
from typing import Any, Callable

import wasmtime

from .client import WasiClient
from .errors import EBADF, EINVAL, DatabaseUnavailable, WasiError
from .types import ALL_RIGHTS

MODULE = "wasi_snapshot_preview1"

#: The filesystem functions of WASI preview 1 and their parameter types (each returns an
#: i32 errno). The host shadows all of them.
SIGNATURES: dict[str, tuple[str, ...]] = {
    name: tuple(params.split()) for name, params in {
        "fd_advise": "i32 i64 i64 i32", "fd_allocate": "i32 i64 i64", "fd_close": "i32",
        "fd_datasync": "i32", "fd_fdstat_get": "i32 i32", "fd_fdstat_set_flags": "i32 i32",
        "fd_fdstat_set_rights": "i32 i64 i64", "fd_filestat_get": "i32 i32",
        "fd_filestat_set_size": "i32 i64", "fd_filestat_set_times": "i32 i64 i64 i32",
        "fd_pread": "i32 i32 i32 i64 i32", "fd_prestat_get": "i32 i32",
        "fd_prestat_dir_name": "i32 i32 i32", "fd_pwrite": "i32 i32 i32 i64 i32",
        "fd_read": "i32 i32 i32 i32", "fd_readdir": "i32 i32 i32 i64 i32",
        "fd_renumber": "i32 i32", "fd_seek": "i32 i64 i32 i32", "fd_sync": "i32",
        "fd_tell": "i32 i32", "fd_write": "i32 i32 i32 i32",
        "path_create_directory": "i32 i32 i32", "path_filestat_get": "i32 i32 i32 i32 i32",
        "path_filestat_set_times": "i32 i32 i32 i32 i64 i64 i32",
        "path_link": "i32 i32 i32 i32 i32 i32 i32",
        "path_open": "i32 i32 i32 i32 i32 i64 i64 i32 i32",
        "path_readlink": "i32 i32 i32 i32 i32 i32", "path_remove_directory": "i32 i32 i32",
        "path_rename": "i32 i32 i32 i32 i32 i32", "path_symlink": "i32 i32 i32 i32 i32",
        "path_unlink_file": "i32 i32 i32",
    }.items()
}

#: wasmtime's functions the relay passes calls on wasmtime's own descriptors to.
RELAYED = ("fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get",
           "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_filestat_get",
           "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread", "fd_pwrite", "fd_read",
           "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "fd_write")

_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
#: The most bytes one relayed read or write carries (a short read or write beyond it).
_RELAY_MAX = 1 << 20
#: Relay memory: results at 0, one iovec at 64, data from 1024.
_R_OUT, _R_IOV, _R_DATA = 0, 64, 1024
_DIRENT = struct.Struct("<QQIB3x")
_FILESTAT = struct.Struct("<QQB7xQQQQQ")
_FDSTAT = struct.Struct("<BxH4xQQ")
_PRESTAT = struct.Struct("<B3xI")


class GuestTrap(Exception):
    """The guest broke the ABI in a way wasmtime traps on (an invalid enum value, no
    exported memory); the run ends with this message."""


class _Fault(Exception):
    """A pointer or length outside the guest's memory: wasmtime traps, and so does the host."""


class _Memory:
    """Bounds-checked access to one linear memory during one host call."""

    __slots__ = ("base", "size")

    def __init__(self, memory: wasmtime.Memory, store: Any):
        self.size = memory.data_len(store)
        self.base = ctypes.addressof(memory.data_ptr(store).contents) if self.size else 0

    def check(self, ptr: int, n: int) -> None:
        if ptr + n > self.size:
            raise _Fault(f"{n} bytes at {ptr} lie outside the {self.size}-byte memory")

    def read(self, ptr: int, n: int) -> bytes:
        self.check(ptr, n)
        return ctypes.string_at(self.base + ptr, n) if n else b""

    def write(self, ptr: int, data: bytes) -> None:
        self.check(ptr, len(data))
        if data:
            ctypes.memmove(self.base + ptr, data, len(data))

    def u32(self, ptr: int) -> int:
        return int.from_bytes(self.read(ptr, 4), "little")

    def put_u32(self, ptr: int, value: int) -> None:
        self.write(ptr, (value & _MASK32).to_bytes(4, "little"))

    def put_u64(self, ptr: int, value: int) -> None:
        self.write(ptr, (value & _MASK64).to_bytes(8, "little"))

    def iovecs(self, ptr: int, count: int) -> list[tuple[int, int]]:
        vecs = list(struct.iter_unpack("<II", self.read(ptr, 8 * count)))
        for p, n in vecs:
            self.check(p, n)
        return vecs

    def gather(self, vecs: list[tuple[int, int]]) -> bytes:
        return b"".join(ctypes.string_at(self.base + p, n) for p, n in vecs if n)

    def scatter(self, vecs: list[tuple[int, int]], data: bytes) -> None:
        at = 0
        for p, n in vecs:
            piece = data[at:at + n]
            if not piece:
                break
            ctypes.memmove(self.base + p, piece, len(piece))
            at += len(piece)


def _relay_wat() -> str:
    imports, exports = [], []
    for name in RELAYED:
        params = SIGNATURES[name]
        decl = " ".join(f"(param {t})" for t in params)
        imports.append(f'(import "{MODULE}" "{name}" (func ${name} {decl} (result i32)))')
        gets = " ".join(f"local.get {i}" for i in range(len(params)))
        exports.append(f'(func (export "{name}") {decl} (result i32) {gets} call ${name})')
    return "(module\n  {}\n  (memory (export \"memory\") 1)\n  {})".format(
        "\n  ".join(imports), "\n  ".join(exports))


def _filestat_bytes(st) -> bytes:
    return _FILESTAT.pack(st.dev, st.ino, int(st.filetype), st.nlink, st.size,
                          st.atim & _MASK64, st.mtim & _MASK64, st.ctim & _MASK64)


class WasiHost:
    """Serve a guest's WASI filesystem calls with ``client``.

    Args:
        client: the :class:`tarbox_shell.wasi.WasiClient` (its preopens made); descriptors
            0-2 are reserved in it for wasmtime's stdio.

    Use :meth:`link` on the linker before instantiating the guest, then :meth:`attach`
    with the guest instance. :attr:`fatal` holds the :class:`DatabaseUnavailable` that
    ended a run, if one did.
    """

    def __init__(self, client: WasiClient):
        self.client = client
        self.fatal: DatabaseUnavailable | None = None
        self._memory: wasmtime.Memory | None = None
        self._relay: dict[str, Any] = {}
        self._relay_memory: wasmtime.Memory | None = None

    # -- wiring -------------------------------------------------------------------------------
    def link(self, linker: wasmtime.Linker, store: wasmtime.Store, engine: wasmtime.Engine) -> None:
        """Define wasmtime's WASI on ``linker`` and shadow its filesystem functions (the
        store must already carry its :class:`wasmtime.WasiConfig`)."""
        linker.define_wasi()
        relay = linker.instantiate(store, wasmtime.Module(engine, _relay_wat()))
        exports = relay.exports(store)
        self._relay = {name: exports[name] for name in RELAYED}
        self._relay_memory = exports["memory"]
        for fd in (0, 1, 2):
            self.client.reserve(fd)
        linker.allow_shadowing = True
        types = {"i32": wasmtime.ValType.i32(), "i64": wasmtime.ValType.i64()}
        for name, params in SIGNATURES.items():
            ty = wasmtime.FuncType([types[p] for p in params], [types["i32"]])
            linker.define_func(MODULE, name, ty, self._guarded(name, params), access_caller=True)
        linker.allow_shadowing = False

    def attach(self, instance: wasmtime.Instance, store: wasmtime.Store) -> None:
        """Remember the guest's exported memory (looked up per call until then)."""
        memory = instance.exports(store).get("memory")
        if isinstance(memory, wasmtime.Memory):
            self._memory = memory

    def _guarded(self, name: str, params: tuple[str, ...]) -> Callable[..., int]:
        impl = getattr(self, "_" + name)
        unsigned = tuple(p == "i32" for p in params)

        def call(caller: wasmtime.Caller, *args: int) -> int:
            args = tuple(a & _MASK32 if u else a for a, u in zip(args, unsigned))
            try:
                rv = impl(caller, *args)
            except DatabaseUnavailable as exc:
                self.fatal = exc
                raise
            except WasiError as exc:
                return exc.wasi_errno
            except _Fault as exc:
                raise GuestTrap(f"{name}: pointer out of bounds: {exc}") from None
            return 0 if rv is None else rv

        call.__name__ = name
        return call

    def _mem(self, caller: wasmtime.Caller) -> _Memory:
        memory = self._memory
        if memory is None:
            memory = caller.get("memory")
            if not isinstance(memory, wasmtime.Memory):
                raise GuestTrap("the module exports no memory named \"memory\" (WASI needs one)")
        return _Memory(memory, caller)

    # -- the relay to wasmtime's own descriptors -------------------------------------------------
    def _relay_mem(self, caller: wasmtime.Caller, need: int = 0) -> _Memory:
        memory = self._relay_memory
        size = memory.data_len(caller)
        if _R_DATA + need > size:
            memory.grow(caller, (_R_DATA + need - size + 65535) // 65536)
        return _Memory(memory, caller)

    def _relay_scalar(self, caller, name: str, fd: int, *args: int) -> int:
        return self._relay[name](caller, fd, *args)

    def _relay_out(self, caller, name: str, fd: int, out_ptr: int, size: int, *args: int) -> int:
        m = self._mem(caller)
        m.check(out_ptr, size)
        rm = self._relay_mem(caller)
        rv = self._relay[name](caller, fd, *args, _R_OUT)
        if rv == 0:
            m.write(out_ptr, rm.read(_R_OUT, size))
        return rv

    def _relay_write(self, caller, name: str, fd: int, iovs: int, count: int, out_ptr: int,
                     *offset: int) -> int:
        m = self._mem(caller)
        data = m.gather(m.iovecs(iovs, count))[:_RELAY_MAX]
        m.check(out_ptr, 4)
        rm = self._relay_mem(caller, len(data))
        rm.write(_R_DATA, data)
        rm.write(_R_IOV, struct.pack("<II", _R_DATA, len(data)))
        rv = self._relay[name](caller, fd, _R_IOV, 1, *offset, _R_OUT)
        if rv == 0:
            m.put_u32(out_ptr, rm.u32(_R_OUT))
        return rv

    def _relay_read(self, caller, name: str, fd: int, iovs: int, count: int, out_ptr: int,
                    *offset: int) -> int:
        m = self._mem(caller)
        vecs = m.iovecs(iovs, count)
        m.check(out_ptr, 4)
        total = min(sum(n for _, n in vecs), _RELAY_MAX)
        rm = self._relay_mem(caller, total)
        rm.write(_R_IOV, struct.pack("<II", _R_DATA, total))
        rv = self._relay[name](caller, fd, _R_IOV, 1, *offset, _R_OUT)
        if rv == 0:
            n = rm.u32(_R_OUT)
            m = self._mem(caller)
            m.scatter(vecs, rm.read(_R_DATA, n))
            m.put_u32(out_ptr, n)
        return rv

    def _foreign(self, fd: int) -> int | None:
        return self.client.descriptor(fd).foreign

    # -- descriptors ------------------------------------------------------------------------------
    def _fd_read(self, caller, fd, iovs, count, nread_ptr):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_read(caller, "fd_read", f, iovs, count, nread_ptr)
        m = self._mem(caller)
        vecs = m.iovecs(iovs, count)
        m.check(nread_ptr, 4)
        data = self.client.fd_read(fd, sum(n for _, n in vecs))
        m = self._mem(caller)
        m.scatter(vecs, data)
        m.put_u32(nread_ptr, len(data))

    def _fd_pread(self, caller, fd, iovs, count, offset, nread_ptr):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_read(caller, "fd_pread", f, iovs, count, nread_ptr, offset)
        m = self._mem(caller)
        vecs = m.iovecs(iovs, count)
        m.check(nread_ptr, 4)
        data = self.client.fd_pread(fd, sum(n for _, n in vecs), offset)
        m = self._mem(caller)
        m.scatter(vecs, data)
        m.put_u32(nread_ptr, len(data))

    def _fd_write(self, caller, fd, iovs, count, nwritten_ptr):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_write(caller, "fd_write", f, iovs, count, nwritten_ptr)
        m = self._mem(caller)
        data = m.gather(m.iovecs(iovs, count))
        m.check(nwritten_ptr, 4)
        m.put_u32(nwritten_ptr, self.client.fd_write(fd, data))

    def _fd_pwrite(self, caller, fd, iovs, count, offset, nwritten_ptr):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_write(caller, "fd_pwrite", f, iovs, count, nwritten_ptr, offset)
        m = self._mem(caller)
        data = m.gather(m.iovecs(iovs, count))
        m.check(nwritten_ptr, 4)
        m.put_u32(nwritten_ptr, self.client.fd_pwrite(fd, data, offset))

    def _fd_seek(self, caller, fd, offset, whence, out_ptr):
        if whence > 2:
            raise GuestTrap(f"fd_seek: invalid whence {whence}")
        f = self._foreign(fd)
        if f is not None:
            return self._relay_out(caller, "fd_seek", f, out_ptr, 8, offset, whence)
        m = self._mem(caller)
        m.check(out_ptr, 8)
        m.put_u64(out_ptr, self.client.fd_seek(fd, offset, whence))

    def _fd_tell(self, caller, fd, out_ptr):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_out(caller, "fd_tell", f, out_ptr, 8)
        m = self._mem(caller)
        m.check(out_ptr, 8)
        m.put_u64(out_ptr, self.client.fd_tell(fd))

    def _fd_close(self, caller, fd):
        d = self.client.fd_close(fd)
        if d.foreign is not None:
            return self._relay_scalar(caller, "fd_close", d.foreign)

    def _fd_renumber(self, caller, fd, to):
        src, dst = self.client.descriptor(fd), self.client.descriptor(to)
        if fd == to:
            return None
        if src.foreign is not None and dst.foreign is not None:
            rv = self._relay_scalar(caller, "fd_renumber", src.foreign, dst.foreign)
            if rv:
                return rv
            self.client.fd_renumber(fd, to)
            self.client.descriptor(to).foreign = dst.foreign
            return None
        displaced = self.client.fd_renumber(fd, to)
        if displaced is not None and displaced.foreign is not None:
            self._relay_scalar(caller, "fd_close", displaced.foreign)

    def _fd_sync(self, caller, fd):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_scalar(caller, "fd_sync", f)
        self.client.fd_sync(fd)

    def _fd_datasync(self, caller, fd):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_scalar(caller, "fd_datasync", f)
        self.client.fd_datasync(fd)

    def _fd_advise(self, caller, fd, offset, length, advice):
        if advice > 5:
            raise GuestTrap(f"fd_advise: invalid advice {advice}")
        f = self._foreign(fd)
        if f is not None:
            return self._relay_scalar(caller, "fd_advise", f, offset, length, advice)
        self.client.fd_advise(fd, offset, length, advice)

    def _fd_allocate(self, caller, fd, offset, length):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_scalar(caller, "fd_allocate", f, offset, length)
        self.client.fd_allocate(fd, offset, length)

    def _fd_fdstat_get(self, caller, fd, buf):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_out(caller, "fd_fdstat_get", f, buf, _FDSTAT.size)
        st = self.client.fd_fdstat_get(fd)
        self._mem(caller).write(buf, _FDSTAT.pack(int(st.filetype), int(st.flags),
                                                  st.rights_base, st.rights_inheriting))

    def _fd_fdstat_set_flags(self, caller, fd, flags):
        if flags > 31:
            raise GuestTrap(f"fd_fdstat_set_flags: invalid fdflags {flags}")
        f = self._foreign(fd)
        if f is not None:
            return self._relay_scalar(caller, "fd_fdstat_set_flags", f, flags)
        self.client.fd_fdstat_set_flags(fd, flags)

    def _fd_fdstat_set_rights(self, caller, fd, base, inheriting):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_scalar(caller, "fd_fdstat_set_rights", f, base, inheriting)
        self.client.fd_fdstat_set_rights(fd, base, inheriting)

    def _fd_filestat_get(self, caller, fd, buf):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_out(caller, "fd_filestat_get", f, buf, _FILESTAT.size)
        m = self._mem(caller)
        m.check(buf, _FILESTAT.size)
        m.write(buf, _filestat_bytes(self.client.fd_filestat_get(fd)))

    def _fd_filestat_set_size(self, caller, fd, size):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_scalar(caller, "fd_filestat_set_size", f, size)
        self.client.fd_filestat_set_size(fd, size)

    def _fd_filestat_set_times(self, caller, fd, atim, mtim, fst_flags):
        f = self._foreign(fd)
        if f is not None:
            return self._relay_scalar(caller, "fd_filestat_set_times", f, atim, mtim, fst_flags)
        self.client.fd_filestat_set_times(fd, atim, mtim, fst_flags)

    def _fd_prestat_get(self, caller, fd, buf):
        if self._foreign(fd) is not None:
            return EBADF
        name = self.client.fd_prestat_get(fd).encode()
        self._mem(caller).write(buf, _PRESTAT.pack(0, len(name)))

    def _fd_prestat_dir_name(self, caller, fd, buf, size):
        if self._foreign(fd) is not None:
            return EBADF
        name = self.client.fd_prestat_get(fd).encode()
        if size < len(name):
            raise WasiError(f"fd_prestat_dir_name: a {size}-byte buffer for a {len(name)}-byte name", 36)
        self._mem(caller).write(buf, name)

    def _fd_readdir(self, caller, fd, buf, size, cookie, used_ptr):
        if self._foreign(fd) is not None:
            return EBADF
        m = self._mem(caller)
        m.check(buf, size)
        m.check(used_ptr, 4)
        cookie &= _MASK64
        out = bytearray()
        # Each entry takes at least 25 bytes: fetch enough to fill the buffer in one call.
        limit = size // (_DIRENT.size + 1) + 1
        full = cookie >= 1 << 63
        while not full:
            entries = self.client.fd_readdir(fd, cookie, limit)
            for e in entries:
                record = _DIRENT.pack(e.next, e.ino, len(e.name), int(e.filetype)) + e.name
                room = size - len(out)
                if len(record) > room:
                    out += record[:room]  # a truncated last entry: the guest calls again
                    full = True
                    break
                out += record
                cookie = e.next
            if len(entries) < limit:
                break
        m.write(buf, bytes(out))
        m.put_u32(used_ptr, len(out))

    # -- paths ------------------------------------------------------------------------------------
    def _path_open(self, caller, fd, dirflags, path, path_len, oflags, rights_base,
                   rights_inheriting, fdflags, out_ptr):
        m = self._mem(caller)
        name = m.read(path, path_len)
        m.check(out_ptr, 4)
        new = self.client.path_open(name, oflags=oflags, fdflags=fdflags,
                                    rights_base=rights_base & ALL_RIGHTS,
                                    rights_inheriting=rights_inheriting & ALL_RIGHTS,
                                    dirfd=fd, follow=bool(dirflags & 1))
        self._mem(caller).put_u32(out_ptr, new)

    def _path_filestat_get(self, caller, fd, flags, path, path_len, buf):
        m = self._mem(caller)
        name = m.read(path, path_len)
        m.check(buf, _FILESTAT.size)
        st = self.client.path_filestat_get(name, dirfd=fd, follow=bool(flags & 1))
        self._mem(caller).write(buf, _filestat_bytes(st))

    def _path_filestat_set_times(self, caller, fd, flags, path, path_len, atim, mtim, fst_flags):
        name = self._mem(caller).read(path, path_len)
        self.client.path_filestat_set_times(name, atim, mtim, fst_flags, dirfd=fd,
                                            follow=bool(flags & 1))

    def _path_create_directory(self, caller, fd, path, path_len):
        self.client.path_create_directory(self._mem(caller).read(path, path_len), dirfd=fd)

    def _path_remove_directory(self, caller, fd, path, path_len):
        self.client.path_remove_directory(self._mem(caller).read(path, path_len), dirfd=fd)

    def _path_unlink_file(self, caller, fd, path, path_len):
        self.client.path_unlink_file(self._mem(caller).read(path, path_len), dirfd=fd)

    def _path_rename(self, caller, fd, path, path_len, new_fd, new_path, new_len):
        m = self._mem(caller)
        self.client.path_rename(m.read(path, path_len), m.read(new_path, new_len), dirfd=fd,
                                new_dirfd=new_fd)

    def _path_symlink(self, caller, target, target_len, fd, path, path_len):
        m = self._mem(caller)
        self.client.path_symlink(m.read(target, target_len), m.read(path, path_len), dirfd=fd)

    def _path_readlink(self, caller, fd, path, path_len, buf, size, used_ptr):
        m = self._mem(caller)
        name = m.read(path, path_len)
        m.check(buf, size)
        m.check(used_ptr, 4)
        target = self.client.path_readlink(name, dirfd=fd)[:size]
        m = self._mem(caller)
        m.write(buf, target)
        m.put_u32(used_ptr, len(target))

    def _path_link(self, caller, fd, flags, path, path_len, new_fd, new_path, new_len):
        m = self._mem(caller)
        old, new = m.read(path, path_len), m.read(new_path, new_len)
        if flags & 1:
            return EINVAL  # wasmtime refuses lookupflags.symlink_follow for path_link
        self.client.path_link(old, new, dirfd=fd, new_dirfd=new_fd, follow=False)


__all__ = ["GuestTrap", "RELAYED", "SIGNATURES", "WasiHost"]
