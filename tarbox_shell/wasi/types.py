"""The WASI preview 1 flag sets and records the client speaks, and the client's config.

Numbers are the ones of the WASI preview 1 ABI (``wasi_snapshot_preview1``), so a host passes
what the guest gave it straight through.
"""

from __future__ import annotations

import enum
import stat as _stat
from dataclasses import dataclass, field


class FileType(enum.IntEnum):
    """WASI ``filetype``."""

    UNKNOWN = 0
    BLOCK_DEVICE = 1
    CHARACTER_DEVICE = 2
    DIRECTORY = 3
    REGULAR_FILE = 4
    SOCKET_DGRAM = 5
    SOCKET_STREAM = 6
    SYMBOLIC_LINK = 7

    @classmethod
    def of_mode(cls, mode: int) -> "FileType":
        """The file type of an ``st_mode`` value (a FIFO is UNKNOWN, as wasmtime reports it)."""
        kind = _stat.S_IFMT(mode)
        return _MODE_TYPES.get(kind, cls.UNKNOWN)


_MODE_TYPES = {
    _stat.S_IFDIR: FileType.DIRECTORY, _stat.S_IFREG: FileType.REGULAR_FILE,
    _stat.S_IFLNK: FileType.SYMBOLIC_LINK, _stat.S_IFCHR: FileType.CHARACTER_DEVICE,
    _stat.S_IFBLK: FileType.BLOCK_DEVICE, _stat.S_IFSOCK: FileType.SOCKET_STREAM,
}


class OFlags(enum.IntFlag):
    """WASI ``oflags`` of ``path_open``."""

    CREAT = 1
    DIRECTORY = 2
    EXCL = 4
    TRUNC = 8


class FdFlags(enum.IntFlag):
    """WASI ``fdflags``."""

    APPEND = 1
    DSYNC = 2
    NONBLOCK = 4
    RSYNC = 8
    SYNC = 16


class LookupFlags(enum.IntFlag):
    """WASI ``lookupflags``."""

    SYMLINK_FOLLOW = 1


class FstFlags(enum.IntFlag):
    """WASI ``fstflags`` of the set-times calls."""

    ATIM = 1
    ATIM_NOW = 2
    MTIM = 4
    MTIM_NOW = 8


class Whence(enum.IntEnum):
    """WASI ``whence`` of ``fd_seek``."""

    SET = 0
    CUR = 1
    END = 2


class Rights(enum.IntFlag):
    """WASI ``rights``: what a descriptor may be used for."""

    FD_DATASYNC = 1 << 0
    FD_READ = 1 << 1
    FD_SEEK = 1 << 2
    FD_FDSTAT_SET_FLAGS = 1 << 3
    FD_SYNC = 1 << 4
    FD_TELL = 1 << 5
    FD_WRITE = 1 << 6
    FD_ADVISE = 1 << 7
    FD_ALLOCATE = 1 << 8
    PATH_CREATE_DIRECTORY = 1 << 9
    PATH_CREATE_FILE = 1 << 10
    PATH_LINK_SOURCE = 1 << 11
    PATH_LINK_TARGET = 1 << 12
    PATH_OPEN = 1 << 13
    FD_READDIR = 1 << 14
    PATH_READLINK = 1 << 15
    PATH_RENAME_SOURCE = 1 << 16
    PATH_RENAME_TARGET = 1 << 17
    PATH_FILESTAT_GET = 1 << 18
    PATH_FILESTAT_SET_SIZE = 1 << 19
    PATH_FILESTAT_SET_TIMES = 1 << 20
    FD_FILESTAT_GET = 1 << 21
    FD_FILESTAT_SET_SIZE = 1 << 22
    FD_FILESTAT_SET_TIMES = 1 << 23
    PATH_SYMLINK = 1 << 24
    PATH_REMOVE_DIRECTORY = 1 << 25
    PATH_UNLINK_FILE = 1 << 26
    POLL_FD_READWRITE = 1 << 27
    SOCK_SHUTDOWN = 1 << 28
    SOCK_ACCEPT = 1 << 29


#: Every right.
ALL_RIGHTS = (1 << 30) - 1
#: Rights that make ``path_open`` open for reading / for writing, as wasmtime decides it (a
#: descriptor asked for neither is opened for reading).
READ_RIGHTS = Rights.FD_READ | Rights.FD_READDIR
WRITE_RIGHTS = (Rights.FD_WRITE | Rights.FD_DATASYNC | Rights.FD_ALLOCATE
                | Rights.FD_FILESTAT_SET_SIZE)
#: The rights ``fd_fdstat_get`` reports, the values wasmtime reports (measured with
#: wasmtime 50): a file open for reading and writing has every right, one open for reading
#: all but fd_write, one open for writing all but fd_read and fd_readdir, a directory all but seek, write and the set-size rights, and a preopened
#: directory the path rights (base) and every right to hand on (inheriting).
FILE_RW_RIGHTS = ALL_RIGHTS
FILE_RO_RIGHTS = ALL_RIGHTS & ~Rights.FD_WRITE
FILE_WO_RIGHTS = ALL_RIGHTS & ~(Rights.FD_READ | Rights.FD_READDIR)
DIR_RIGHTS = ALL_RIGHTS & ~(Rights.FD_SEEK | Rights.FD_WRITE | Rights.PATH_FILESTAT_SET_SIZE
                            | Rights.FD_FILESTAT_SET_SIZE)
PREOPEN_RIGHTS_BASE = 0x07B7FE00
PREOPEN_RIGHTS_INHERITING = 0x0FF7FFFF


class OpenFlags(enum.IntFlag):
    """How :meth:`tarbox_shell.wasi.WasiClient.fd_open` opens a file, the way ``open(2)``
    flags say it: READ and/or WRITE access, CREATE (``O_CREAT``), EXCLUSIVE (``O_EXCL``),
    TRUNCATE (``O_TRUNC``), APPEND (``O_APPEND``), DIRECTORY (``O_DIRECTORY``)."""

    READ = 1
    WRITE = 2
    CREATE = 4
    EXCLUSIVE = 8
    TRUNCATE = 16
    APPEND = 32
    DIRECTORY = 64

    def oflags(self) -> OFlags:
        """The WASI ``oflags`` of these flags."""
        out = OFlags(0)
        if self & OpenFlags.CREATE:
            out |= OFlags.CREAT
        if self & OpenFlags.EXCLUSIVE:
            out |= OFlags.EXCL
        if self & OpenFlags.TRUNCATE:
            out |= OFlags.TRUNC
        if self & OpenFlags.DIRECTORY:
            out |= OFlags.DIRECTORY
        return out

    def fdflags(self) -> FdFlags:
        """The WASI ``fdflags`` of these flags."""
        return FdFlags.APPEND if self & OpenFlags.APPEND else FdFlags(0)

    def rights(self) -> int:
        """The WASI rights these flags ask ``path_open`` for."""
        rights = 0
        if self & OpenFlags.READ or not self & OpenFlags.WRITE:
            rights |= READ_RIGHTS
        if self & (OpenFlags.WRITE | OpenFlags.APPEND | OpenFlags.TRUNCATE):
            rights |= WRITE_RIGHTS
        return rights | (ALL_RIGHTS & ~(READ_RIGHTS | WRITE_RIGHTS))


@dataclass(frozen=True)
class FileStat:
    """WASI ``filestat`` (times in ns since the epoch), plus the POSIX ``mode``."""

    dev: int
    ino: int
    filetype: FileType
    nlink: int
    size: int
    atim: int
    mtim: int
    ctim: int
    mode: int = 0


@dataclass(frozen=True)
class DirEntry:
    """One WASI ``dirent``: the entry's ``name`` (bytes), the cookie ``next`` that resumes a
    listing after it, its inode number and file type."""

    name: bytes
    next: int
    ino: int
    filetype: FileType


@dataclass(frozen=True)
class FdStat:
    """WASI ``fdstat`` of a descriptor."""

    filetype: FileType
    flags: FdFlags
    rights_base: int
    rights_inheriting: int


@dataclass
class ClientConfig:
    """How a :class:`tarbox_shell.wasi.WasiClient` reaches its tenant.

    Attributes:
        tenant: the tenant's name.
        mode: ``"direct"`` (a psycopg connection acting as the tenant role; one call = one
            SQL call = one transaction) or ``"http"`` (the HTTP API with a bearer token).
        dsn: libpq connection string for direct mode (None: ``$TARBOX_DSN`` or the embedded
            cluster).
        url: base URL of ``tarbox serve`` for HTTP mode.
        token: bearer token for HTTP mode.
        preopens: ``(guest path, tenant path)`` pairs, preopened in order from fd 3.
        run: the id of the program run the client serves (1-64 letters, digits, ``._:-``):
            every audit record of its calls carries it as ``details.run`` (None: no label).
    """

    tenant: str
    mode: str = "direct"
    dsn: str | None = None
    url: str | None = None
    token: str | None = None
    preopens: list[tuple[str, str]] = field(default_factory=list)
    run: str | None = None
