"""Host system calls that never leave a directory: the containment primitives of native
mounts (:mod:`.passthrough`).

The mount daemon runs as root and acts on a host directory for a tenant, so it must never
resolve a path on the tenant's behalf: every host object is reached from a descriptor of its
parent by exactly one name, without following a symbolic link, and then addressed by a
descriptor of its own. This module gives the calls for that:

* :func:`open_beneath` opens one name below a directory descriptor with ``openat2(2)`` and
  ``RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS`` where the kernel has it
  (Linux 5.6+, called through :mod:`ctypes`), else ``openat(2)`` with ``O_NOFOLLOW``; the name
  must be a single component (no ``/``, not ``.`` or ``..``) in both cases;
* :func:`chown_fd`, :func:`utimens_fd`, :func:`link_fd` act on the object an ``O_PATH``
  descriptor refers to (``AT_EMPTY_PATH``; a symbolic link itself, never its target);
* :func:`proc_path` names a descriptor's object through ``/proc/self/fd`` for the calls that
  have no descriptor form (chmod, xattrs, reopening a file for I/O): the kernel resolves that
  magic link to the very object of the descriptor, not by name;
* :func:`rename_at` is ``renameat2(2)`` between two directory descriptors (single names).
* :func:`fallocate_fd` is ``fallocate(2)`` of a descriptor's file (any mode).

Imports: the standard library only.
"""

from __future__ import annotations

import ctypes
import errno
import os

_libc = ctypes.CDLL(None, use_errno=True)

SYS_OPENAT2 = 437           # the same number on every Linux architecture (new syscall table)
RESOLVE_NO_XDEV = 0x01
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08
AT_EMPTY_PATH = 0x1000
AT_SYMLINK_NOFOLLOW = 0x100
UTIME_OMIT = (1 << 30) - 2
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2

#: open(2) flags passed on to the host (anything else the kernel sends, such as internal
#: bits, is dropped: openat2 refuses unknown flags).
OPEN_FLAGS = (os.O_ACCMODE | os.O_APPEND | os.O_NONBLOCK | os.O_DSYNC | os.O_SYNC | os.O_TRUNC
              | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_DIRECTORY
              | os.O_NOATIME | os.O_DIRECT | os.O_PATH | os.O_NOCTTY)


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


_state = {"openat2": True}

# Prototyped once: ctypes then converts arguments without guessing (a third of the call's cost).
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_syscall.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]
_HOW_SIZE = ctypes.sizeof(_OpenHow)
_RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS


def openat2_available() -> bool:
    """Whether :func:`open_beneath` uses ``openat2(2)`` (False once the kernel said ENOSYS)."""
    return _state["openat2"]


def check_name(name: bytes) -> None:
    """Raise ``OSError(EINVAL)`` unless ``name`` is one path component: not empty, no ``/`` or
    NUL, not ``.`` or ``..``; ``OSError(ENAMETOOLONG)`` over 255 bytes."""
    if not name or b"/" in name or b"\0" in name or name in (b".", b".."):
        raise OSError(errno.EINVAL, f"not a single path component: {name!r}")
    if len(name) > 255:
        raise OSError(errno.ENAMETOOLONG, "name longer than 255 bytes")


def _raise_errno(what: str) -> None:
    err = ctypes.get_errno()
    raise OSError(err, f"{what}: {os.strerror(err)}")


def open_beneath(dirfd: int, name: bytes, flags: int, mode: int = 0) -> int:
    """Open ``name`` (one component, see :func:`check_name`) in directory ``dirfd`` without
    following a symbolic link there (``O_NOFOLLOW`` is always added: with ``O_PATH`` a
    symbolic link is opened as itself, otherwise it is ELOOP) and without leaving ``dirfd``
    (``RESOLVE_BENEATH``, where the kernel has ``openat2``). ``mode`` only with ``O_CREAT``.
    Returns the new descriptor (close-on-exec); raises :class:`OSError`."""
    check_name(name)
    flags = (flags & OPEN_FLAGS) | os.O_NOFOLLOW | os.O_CLOEXEC
    if not flags & os.O_CREAT:
        mode = 0
    if _state["openat2"]:
        how = _OpenHow(flags, mode, _RESOLVE)
        fd = _syscall(SYS_OPENAT2, dirfd, name, ctypes.addressof(how), _HOW_SIZE)
        if fd >= 0:
            return fd
        err = ctypes.get_errno()
        if err != errno.ENOSYS:
            raise OSError(err, os.strerror(err), os.fsdecode(name))
        _state["openat2"] = False
    return os.open(name, flags, mode, dir_fd=dirfd)


def proc_path(fd: int) -> str:
    """``/proc/self/fd/<fd>``: the object of descriptor ``fd`` for calls without a descriptor
    form. Never use it for a symbolic link's descriptor with a call that follows links."""
    return f"/proc/self/fd/{fd}"


def reopen(fd: int, flags: int) -> int:
    """A new descriptor with ``flags`` (no O_CREAT/O_EXCL/O_NOCTTY/O_NOFOLLOW) for the object of
    ``O_PATH`` descriptor ``fd`` (a regular file or directory): through ``/proc/self/fd``, so
    by object, not by name. Raises :class:`OSError`."""
    flags &= OPEN_FLAGS & ~(os.O_CREAT | os.O_EXCL | os.O_NOCTTY | os.O_NOFOLLOW | os.O_PATH)
    return os.open(proc_path(fd), flags | os.O_CLOEXEC)


def chown_fd(fd: int, uid: int, gid: int) -> None:
    """fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW): the object of ``fd``
    itself (-1 leaves an id unchanged). Raises :class:`OSError`."""
    if _libc.fchownat(ctypes.c_int(fd), b"", ctypes.c_uint32(uid & 0xFFFFFFFF),
                      ctypes.c_uint32(gid & 0xFFFFFFFF), AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0:
        _raise_errno("fchownat")


def utimens_fd(fd: int, atime_ns: int | None, mtime_ns: int | None) -> None:
    """utimensat(fd, "", times, AT_EMPTY_PATH): set the access and/or modification time (ns
    since the epoch; None leaves it) of the object of ``fd``, a symbolic link included.
    Raises :class:`OSError` (EINVAL on kernels without AT_EMPTY_PATH for utimensat)."""
    def ts(ns: int | None) -> _Timespec:
        return _Timespec(0, UTIME_OMIT) if ns is None else _Timespec(ns // 1_000_000_000, ns % 1_000_000_000)

    times = (_Timespec * 2)(ts(atime_ns), ts(mtime_ns))
    if _libc.utimensat(ctypes.c_int(fd), b"", times, AT_EMPTY_PATH) != 0:
        _raise_errno("utimensat")


def link_fd(fd: int, newdirfd: int, newname: bytes) -> None:
    """linkat(fd, "", newdirfd, newname, AT_EMPTY_PATH): a new name for the object of ``fd``
    (a symbolic link is linked as itself; needs CAP_DAC_READ_SEARCH, which root has).
    Raises :class:`OSError`."""
    check_name(newname)
    if _libc.linkat(ctypes.c_int(fd), b"", ctypes.c_int(newdirfd), ctypes.c_char_p(newname),
                    AT_EMPTY_PATH) != 0:
        _raise_errno("linkat")


def rename_at(olddirfd: int, oldname: bytes, newdirfd: int, newname: bytes, flags: int = 0) -> None:
    """renameat2(2) of one name to another between directory descriptors; ``flags`` may be
    RENAME_NOREPLACE or RENAME_EXCHANGE (anything else EINVAL). Raises :class:`OSError`."""
    check_name(oldname)
    check_name(newname)
    if flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE):
        raise OSError(errno.EINVAL, "unsupported rename flags")
    if _libc.renameat2(ctypes.c_int(olddirfd), ctypes.c_char_p(oldname), ctypes.c_int(newdirfd),
                       ctypes.c_char_p(newname), ctypes.c_uint(flags)) != 0:
        _raise_errno("renameat2")


def fallocate_fd(fd: int, mode: int, offset: int, length: int) -> None:
    """fallocate(2) of the file of descriptor ``fd`` with the kernel's ``mode`` (0,
    FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE...), ``offset`` and ``length`` in bytes (the
    standard library has only posix_fallocate, mode 0). Raises :class:`OSError`."""
    if _libc.fallocate(ctypes.c_int(fd), ctypes.c_int(mode), ctypes.c_int64(offset),
                       ctypes.c_int64(length)) != 0:
        _raise_errno("fallocate")
