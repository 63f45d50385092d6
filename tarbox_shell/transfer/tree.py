"""Copy whole trees between the host and a tenant (``tarbox import`` / ``export``).

Both directions use the inode API (``fs_*``) so that every tarbox path is resolved
exactly once: the destination (import) or source (export) root is resolved with
one path call, everything below it is addressed by inode number and name.

Import preserves file content and size, permission bits (incl. setuid/setgid/sticky),
file types (dirs, regular files, symlinks with their exact target bytes, fifos,
sockets and device nodes), hard links, atime/mtime in nanoseconds, owner uid/gid, and
``user.*`` extended attributes. Names are bytes end to end (non-UTF-8 names survive).

Export to the host is safe by default, like ``cp`` without ``-a`` (what a tenant made must
not become a setuid-root program or a device node on the host): no set-user-ID or
set-group-ID bits, no device nodes (skipped and counted), no change of owner. The
:class:`Faithful` options ask for each of those (``tarbox export --archive``). A single file
(:func:`get_file`) is written through an existing regular file or made atomically, never
through a symbolic link or into a device, FIFO or socket, and no temporary name is left
behind whatever happens to the process.
"""

from __future__ import annotations

import errno
import os
import stat as st
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import psycopg
from psycopg.rows import namedtuple_row

from ..db import clamp_ns
from ..errors import TarboxError, message_of, translate
from .note import note

#: Bytes per fs_write / fs_read call.
CHUNK = 1 << 20
#: Rows per fs_readdir call.
READDIR_LIMIT = 1000
ROOT_INO = 1

ATTR_COLS = "ino, mode, nlink, uid, gid, rdev, size, blocks, atime_ns, mtime_ns, ctime_ns, btime_ns"

#: ``progress(entries_done_delta, bytes_done_delta)`` is called as work advances.
Progress = Callable[[int, int], None]
#: set-user-ID and set-group-ID
SETID_BITS = st.S_ISUID | st.S_ISGID


@dataclass(frozen=True)
class Faithful:
    """What an export to the host copies beyond the safe default (all False: like ``cp``
    without ``-a``): ``owner`` (chown to the stored uid/gid; needs root), ``setid`` (keep
    set-user-ID/set-group-ID bits), ``devices`` (create character and block device nodes;
    needs root). :meth:`archive` is all three (``cp -a`` as root)."""

    owner: bool = False
    setid: bool = False
    devices: bool = False

    @classmethod
    def archive(cls) -> "Faithful":
        """Everything, as ``cp -a`` run by root would copy it."""
        return cls(True, True, True)

    def mode(self, mode: int) -> int:
        """The permission bits to give a host file made from a tenant one of mode ``mode``."""
        bits = st.S_IMODE(mode)
        return bits if self.setid else bits & ~SETID_BITS


@dataclass
class TransferStats:
    """Counters of one import or export.

    Attributes: ``files``, ``dirs`` (not counting the root), ``symlinks``,
    ``hardlinks`` (extra names of an already copied inode), ``specials`` (fifos,
    sockets, devices), ``skipped`` (special files the host refused to create),
    ``bytes`` (file content bytes copied), ``seconds`` (wall clock, float).
    """

    files: int = 0
    dirs: int = 0
    symlinks: int = 0
    hardlinks: int = 0
    specials: int = 0
    skipped: int = 0
    bytes: int = 0
    seconds: float = 0.0
    skipped_paths: list[str] = field(default_factory=list)

    @property
    def entries(self) -> int:
        """Total names created (int), root excluded."""
        return self.files + self.dirs + self.symlinks + self.hardlinks + self.specials

    def as_dict(self) -> dict:
        """Return the counters as a JSON-ready dict."""
        return {
            "files": self.files, "dirs": self.dirs, "symlinks": self.symlinks,
            "hardlinks": self.hardlinks, "specials": self.specials, "skipped": self.skipped,
            "entries": self.entries, "bytes": self.bytes, "seconds": round(self.seconds, 3),
        }


def scan_host_tree(root: str | os.PathLike) -> tuple[int, int]:
    """Count what an import of ``root`` will copy, without following symlinks.

    Returns ``(entries, bytes)``: names below ``root`` (int) and the total size of
    regular files, counting each hard-linked inode once (int). Raises
    :class:`TarboxError` for unreadable directories.
    """
    entries = 0
    total = 0
    seen: set[tuple[int, int]] = set()
    stack = [os.fsencode(root)]
    try:
        while stack:
            d = stack.pop()
            with os.scandir(d) as it:
                for e in it:
                    entries += 1
                    s = e.stat(follow_symlinks=False)
                    if st.S_ISDIR(s.st_mode):
                        stack.append(e.path)
                    elif st.S_ISREG(s.st_mode):
                        if s.st_nlink > 1:
                            key = (s.st_dev, s.st_ino)
                            if key in seen:
                                continue
                            seen.add(key)
                        total += s.st_size
    except OSError as exc:
        raise translate(exc) from exc
    return entries, total


def _attr(cur: psycopg.Cursor, func: str, args_sql: str, params: tuple) -> tuple:
    row = cur.execute(f"SELECT {ATTR_COLS} FROM tarbox.{func}({args_sql})", params).fetchone()
    if row is None:
        raise TarboxError(f"tarbox.{func} returned no row", errno.EIO)
    return row


def _user_xattrs(path: bytes) -> list[tuple[bytes, bytes]]:
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return []
    out = []
    for n in names:
        if n.startswith("user."):
            try:
                out.append((os.fsencode(n), os.getxattr(path, n, follow_symlinks=False)))
            except OSError:
                continue
    return out


def _dir_is_empty(cur: psycopg.Cursor, ino: int) -> bool:
    rows = cur.execute(
        "SELECT name FROM tarbox.fs_readdir(%s::bigint, 0::bigint, 3::int)", (ino,)).fetchall()
    return all(bytes(r[0]) in (b".", b"..") for r in rows)


def _resolve_dest_dir(conn: psycopg.Connection, dest: str) -> int:
    """The inode of the empty tenant directory ``dest``, made (with parents) when missing, in
    the transaction of ``conn`` (a failed look-up is rolled back to a savepoint)."""
    cur = conn.cursor()
    cur.execute("SAVEPOINT tarbox_dest")
    try:
        row = cur.execute("SELECT ino, type FROM tarbox.stat(%s::bytea, true)", (os.fsencode(dest),)).fetchone()
    except psycopg.Error as exc:
        if translate(exc).errno != errno.ENOENT:
            raise TarboxError(f"{dest}: {message_of(exc)}", translate(exc).errno) from exc
        cur.execute("ROLLBACK TO SAVEPOINT tarbox_dest")
        row = None
    if row is None:
        try:
            cur.execute("SELECT tarbox.mkdir(%s::bytea, 493, true)", (os.fsencode(dest),))
            row = cur.execute("SELECT ino, type FROM tarbox.stat(%s::bytea, true)", (os.fsencode(dest),)).fetchone()
        except psycopg.Error as exc:
            raise TarboxError(f"{dest}: {message_of(exc)}", translate(exc).errno) from exc
    ino, kind = row
    if kind != "dir":
        raise TarboxError(f"{dest}: destination exists and is not a directory", errno.ENOTDIR)
    if not _dir_is_empty(cur, ino):
        raise TarboxError(f"{dest}: destination directory is not empty", errno.ENOTEMPTY)
    return ino


def import_tree(conn: psycopg.Connection, src: str | os.PathLike, dest: str,
                progress: Progress | None = None, preserve_owner: bool = True,
                bulk: bool = True) -> TransferStats:
    """Copy host directory ``src`` into the tenant directory ``dest``.

    Args:
        conn: a tenant connection (``SET ROLE`` done), autocommit, no open
            transaction. All or nothing: the whole copy (``dest`` itself included) is one
            transaction, so a failure leaves the tenant's tree as it was. Row locks are
            taken per inode, not entries of the shared lock table, so a large tree fits.
        src: host directory (str/bytes/PathLike); symlinks below it are copied as
            symlinks, never followed.
        dest: absolute tenant path; created (with parents) if missing, else it
            must be an empty directory. It receives ``src``'s mode, owner and times.
        progress: optional ``progress(entries_delta, bytes_delta)`` callback.
        preserve_owner: copy host uid/gid (default); False = the tenant's default
            owner (uid/gid 0 unless the tenant was created otherwise).
        bulk: send the entries in batches to ``tarbox.fs_import`` (default: a few calls for
            a whole tree); False = the per-entry inode API calls (fs_mkdir, fs_create,
            fs_write, fs_release, ...), which give the same tree, one call per step.

    Returns :class:`TransferStats`. Raises :class:`TarboxError` naming the host
    path and the reason (errno from the SQL error) on failure.
    """
    t0 = time.monotonic()
    stats = TransferStats()
    src_b = os.fsencode(src)
    try:
        root_st = os.stat(src_b)
    except OSError as exc:
        raise translate(exc) from exc
    if not st.S_ISDIR(root_st.st_mode):
        raise TarboxError(f"{os.fsdecode(src_b)}: not a directory", errno.ENOTDIR)

    was_autocommit = conn.autocommit
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise TarboxError("import needs a connection with no open transaction", errno.EINVAL)
    conn.autocommit = False
    try:
        root_ino = _resolve_dest_dir(conn, dest)
    except BaseException:
        _rollback(conn)
        conn.autocommit = was_autocommit
        raise
    cur = conn.cursor()
    links: dict[tuple[int, int], int] = {}
    dir_attrs: list[tuple[int, os.stat_result]] = [(root_ino, root_st)]
    current = src_b

    def owner(s: os.stat_result) -> tuple[int | None, int | None]:
        return (s.st_uid, s.st_gid) if preserve_owner else (None, None)

    def set_times(ino: int, s: os.stat_result, mode: int | None = None, own: bool = False) -> None:
        uid, gid = owner(s) if own else (None, None)
        cur.execute(
            "SELECT ino FROM tarbox.fs_setattr(%s::bigint, %s::int, %s::bigint, %s::bigint, NULL::bigint,"
            " %s::bigint, %s::bigint)",
            (ino, mode, uid, gid, clamp_ns(s.st_atime_ns), clamp_ns(s.st_mtime_ns)))

    def set_xattrs(ino: int, path: bytes) -> None:
        for name, value in _user_xattrs(path):
            cur.execute("SELECT tarbox.fs_setxattr(%s::bigint, %b::bytea, %b::bytea, 0)",
                        (ino, name, value))

    try:
        if bulk:
            set_xattrs(root_ino, src_b)
            _BulkImport(cur, progress, preserve_owner, stats, links).run(src_b, root_ino, root_st)
            note(conn, "import", dest, {"source": os.fsdecode(src_b), **stats.as_dict()})
            conn.commit()
            stats.seconds = time.monotonic() - t0
            return stats
        stack = [(src_b, root_ino)]
        set_xattrs(root_ino, src_b)
        while stack:
            hdir, parent = stack.pop()
            current = hdir
            with os.scandir(hdir) as it:
                entries = sorted(it, key=lambda e: e.name)
            for e in entries:
                current = e.path
                s = e.stat(follow_symlinks=False)
                mode = s.st_mode
                uid, gid = owner(s)
                uid = 0 if uid is None else uid
                gid = 0 if gid is None else gid
                key = (s.st_dev, s.st_ino)
                nbytes = 0
                if not st.S_ISDIR(mode) and s.st_nlink > 1 and key in links:
                    cur.execute("SELECT ino FROM tarbox.fs_link(%s::bigint, %s::bigint, %b::bytea)",
                                (links[key], parent, e.name))
                    stats.hardlinks += 1
                elif st.S_ISDIR(mode):
                    a = _attr(cur, "fs_mkdir", "%s::bigint, %b::bytea, %s::int, %s::bigint, %s::bigint",
                              (parent, e.name, st.S_IMODE(mode), uid, gid))
                    dir_attrs.append((a[0], s))
                    set_xattrs(a[0], e.path)
                    stack.append((e.path, a[0]))
                    stats.dirs += 1
                elif st.S_ISREG(mode):
                    a = _attr(cur, "fs_create", "%s::bigint, %b::bytea, %s::int, %s::bigint, %s::bigint, 0",
                              (parent, e.name, st.S_IMODE(mode) | st.S_IFREG, uid, gid))
                    ino = a[0]
                    with open(e.path, "rb") as fh:
                        offset = 0
                        while True:
                            chunk = fh.read(CHUNK)
                            if not chunk:
                                break
                            cur.execute("SELECT tarbox.fs_write(%s::bigint, %s::bigint, %b::bytea)",
                                        (ino, offset, chunk))
                            offset += len(chunk)
                            if progress:
                                progress(0, len(chunk))
                    nbytes = offset
                    # the file is complete: store it as text chunks if it is text (as a
                    # FUSE release does)
                    cur.execute("SELECT tarbox.fs_release(%s::bigint)", (ino,))
                    set_xattrs(ino, e.path)
                    set_times(ino, s)
                    if s.st_nlink > 1:
                        links[key] = ino
                    stats.files += 1
                    stats.bytes += nbytes
                elif st.S_ISLNK(mode):
                    target = os.readlink(e.path)
                    a = _attr(cur, "fs_symlink", "%s::bigint, %b::bytea, %b::bytea, %s::bigint, %s::bigint",
                              (parent, e.name, target, uid, gid))
                    set_times(a[0], s)
                    if s.st_nlink > 1:
                        links[key] = a[0]
                    stats.symlinks += 1
                else:  # fifo, socket, char/block device
                    a = _attr(cur, "fs_mknod",
                              "%s::bigint, %b::bytea, %s::int, %s::bigint, %s::bigint, %s::bigint",
                              (parent, e.name, mode, s.st_rdev if (st.S_ISCHR(mode) or st.S_ISBLK(mode)) else 0,
                               uid, gid))
                    set_times(a[0], s)
                    if s.st_nlink > 1:
                        links[key] = a[0]
                    stats.specials += 1
                if progress:
                    progress(1, 0)
        current = src_b
        # Directory mtimes change while children are added: set them last.
        for ino, s in reversed(dir_attrs):
            set_times(ino, s, st.S_IMODE(s.st_mode), own=(ino == root_ino))
        note(conn, "import", dest, {"source": os.fsdecode(src_b), **stats.as_dict()})
        conn.commit()
    except psycopg.Error as exc:
        _rollback(conn)
        err = translate(exc)
        raise TarboxError(f"import of {os.fsdecode(current)} failed: {err.message}", err.errno) from exc
    except OSError as exc:
        _rollback(conn)
        err = translate(exc)
        raise TarboxError(f"import failed: {err.message}", err.errno) from exc
    except BaseException:
        _rollback(conn)
        raise
    finally:
        if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE and not conn.closed:
            conn.autocommit = was_autocommit
    stats.seconds = time.monotonic() - t0
    return stats


#: Entries per tarbox.fs_import call (it takes at most 10,000).
BULK_ENTRIES = 2000
#: Content bytes per tarbox.fs_import call (it takes at most 16 MiB).
BULK_BYTES = 8 << 20
#: Files larger than this go through fs_write in CHUNK pieces after their entry is made.
BULK_FILE_MAX = 4 << 20

Q_IMPORT = ("SELECT tarbox.fs_import(%s::bigint[], %b::bytea[], %s::int[], %s::bigint[], %s::bigint[],"
            " %s::bigint[], %s::bigint[], %s::bigint[], %b::bytea[], %s::bigint[], %b::bytea[],"
            " %s::int[], %b::bytea[], %b::bytea[])")
Q_SETATTR_MANY = ("SELECT tarbox.fs_setattr_many(%s::bigint[], %s::int[], %s::bigint[], %s::bigint[],"
                  " %s::bigint[], %s::bigint[])")


class Ref:
    """An inode of a bulk import: its number (``ino``) once the batch that makes it is sent,
    before that its 1-based position (``index``) in the batch being built."""

    __slots__ = ("ino", "index")

    def __init__(self, ino: int | None = None, index: int = 0) -> None:
        self.ino, self.index = ino, index

    def arg(self) -> int:
        """The reference as tarbox.fs_import takes it: the inode number, else -position."""
        return self.ino if self.ino is not None else -self.index


class ImportBatch:
    """Entries queued for ``tarbox.fs_import`` on cursor ``cur``: :meth:`add` queues one (and
    sends the queue first when it holds :data:`BULK_ENTRIES` entries or :data:`BULK_BYTES`
    bytes), :meth:`flush` sends it; after a send every :class:`Ref` of it has its inode
    number and ``after_flush`` callbacks run (then are dropped). Raises :class:`psycopg.Error`
    from the call.

    With ``overlap``, a send that :meth:`add` starts runs in a thread while the caller goes on
    queuing the next batch (reading the host files), and is waited for when the next send
    starts or at :meth:`flush`, which always returns with everything sent; the caller must not
    use the connection in between (the import of a host tree does not). Parents and link
    targets are resolved to inode numbers when their batch is sent, so an entry may name one of
    the batch in flight. Why: the walk, reads and argument building of a batch took about as
    long as a quarter of the database's time for it (the Django sdist: 0.6 of 3.2 s)."""

    def __init__(self, cur: psycopg.Cursor, overlap: bool = False) -> None:
        self.cur = cur
        self.after_flush: list[Callable[[], None]] = []
        self.overlap = overlap
        self._flight: tuple | None = None  # (thread or None, result, refs, callbacks, label)
        #: the caller's name for the batch being queued (e.g. its first path), and that of the
        #: batch whose send failed, for error messages
        self.label: object = None
        self.failed_label: object = None
        self._reset()

    def _reset(self) -> None:
        self.cols: list[list] = [[] for _ in range(11)]
        self.refs: list[Ref] = []
        self.names: set[tuple[int, bytes]] = set()
        self.xattrs: tuple[list, list, list] = ([], [], [])
        self.nbytes = 0
        self.label = None

    def __len__(self) -> int:
        return len(self.refs)

    def holds(self, parent: Ref, name: bytes) -> bool:
        """Whether an entry ``name`` in ``parent`` is queued (not sent yet)."""
        return (id(parent), name) in self.names

    def add(self, parent: Ref, name: bytes, mode: int, uid: int, gid: int, rdev: int = 0,
            times: tuple[int | None, int | None] = (None, None), target: bytes | None = None,
            link: Ref | None = None, data: bytes | None = None,
            xattrs: Iterable[tuple[bytes, bytes]] = ()) -> Ref:
        """Queue one entry (see tarbox.fs_import for the columns); returns its reference."""
        xattrs = list(xattrs)
        size = len(data or b"") + sum(len(v) for _, v in xattrs)
        if len(self.refs) >= BULK_ENTRIES or (self.refs and self.nbytes + size > BULK_BYTES):
            self._send(wait=not self.overlap)
        ref = Ref(None, len(self.refs) + 1)
        # parent and link stay Refs until the send (one of them may be in the batch in flight)
        for col, value in zip(self.cols, (parent, name, mode, uid, gid, rdev, times[0], times[1],
                                          target, link, data)):
            col.append(value)
        self.refs.append(ref)
        self.names.add((id(parent), name))
        self.nbytes += size
        for xname, value in xattrs:
            self.xattrs[0].append(ref.index)
            self.xattrs[1].append(xname)
            self.xattrs[2].append(value)
        return ref

    def flush(self) -> None:
        """Send the queued entries (one tarbox.fs_import call) and wait for every send, then run
        ``after_flush``."""
        self._send(wait=True)

    def _land(self) -> None:
        """Wait for the send in flight: its Refs get their inode numbers, its callbacks run."""
        if self._flight is None:
            return
        thread, result, refs, todo, label = self._flight
        if thread is not None:
            thread.join()
        self._flight = None
        if "error" in result:
            self.failed_label = label
            raise result["error"]
        for ref, ino in zip(refs, result["inos"]):
            ref.ino = ino
        for fn in todo:
            fn()

    def _send(self, wait: bool) -> None:
        self._land()
        todo, self.after_flush = self.after_flush, []
        if not self.refs:
            for fn in todo:
                fn()
            return
        cols = self.cols
        cols[0] = [r.arg() for r in cols[0]]
        cols[9] = [None if r is None else r.arg() for r in cols[9]]
        params = (*cols, *self.xattrs)
        refs, label = self.refs, self.label
        self._reset()
        result: dict = {}

        def call() -> None:
            try:
                result["inos"] = self.cur.execute(Q_IMPORT, params).fetchone()[0]
            except BaseException as exc:  # handed to the thread that waits for it
                result["error"] = exc

        if wait:
            call()
            self._flight = (None, result, refs, todo, label)
            self._land()
        else:
            thread = threading.Thread(target=call, name="tarbox-import-send", daemon=True)
            self._flight = (thread, result, refs, todo, label)
            thread.start()


def set_attrs_many(cur: psycopg.Cursor, rows: list[tuple[int, int | None, int | None, int | None,
                                                          int | None, int | None]]) -> None:
    """``tarbox.fs_setattr_many`` of rows ``(ino, mode, uid, gid, atime_ns, mtime_ns)`` (None =
    unchanged), :data:`BULK_ENTRIES` per call. Raises :class:`psycopg.Error`."""
    for k in range(0, len(rows), BULK_ENTRIES):
        part = rows[k:k + BULK_ENTRIES]
        cur.execute(Q_SETATTR_MANY, tuple(list(c) for c in zip(*part)))


class _BulkImport:
    """The body of :func:`import_tree` through ``tarbox.fs_import`` (:class:`ImportBatch`):
    the host tree is walked as the per-entry path walks it; files over :data:`BULK_FILE_MAX`
    get their entry in a batch and their content through ``fs_write`` + ``fs_release`` right
    after it is sent. Directory modes and times are set last (``fs_setattr_many``), as their
    children change them."""

    def __init__(self, cur: psycopg.Cursor, progress: Progress | None, preserve_owner: bool,
                 stats: TransferStats, links: dict) -> None:
        self.cur, self.progress, self.preserve_owner, self.stats = cur, progress, preserve_owner, stats
        self.links: dict[tuple[int, int], Ref] = links
        self.dirs: list[tuple[Ref, os.stat_result]] = []
        self.batch = ImportBatch(cur, overlap=True)

    def add(self, parent: Ref, name: bytes, path: bytes, mode: int, uid: int, gid: int, rdev: int,
            times: tuple[int | None, int | None], target: bytes | None, link: Ref | None,
            data: bytes | None) -> Ref:
        """Queue one entry with the host file's user xattrs; returns its reference."""
        try:
            ref = self.batch.add(parent, name, mode, uid, gid, rdev, times, target, link, data,
                                 _user_xattrs(path))
        except psycopg.Error as exc:
            raise self._error(exc) from exc
        if len(self.batch) == 1:
            self.batch.label = path
        return ref

    def flush(self) -> None:
        """Send what is queued."""
        try:
            self.batch.flush()
        except psycopg.Error as exc:
            raise self._error(exc) from exc

    def _error(self, exc: psycopg.Error) -> TarboxError:
        err = translate(exc)
        first = self.batch.failed_label or b""
        return TarboxError(f"import of {os.fsdecode(first)} and the entries after it failed: {err.message}",
                           err.errno)

    def big(self, ref: Ref, path: bytes, s: os.stat_result) -> None:
        """Write a large file's content once its entry is made."""
        self.batch.after_flush.append(lambda: self._write_big(ref.ino, path, s))

    def _write_big(self, ino: int, path: bytes, s: os.stat_result) -> None:
        cur = self.cur
        try:
            with open(path, "rb") as fh:
                offset = 0
                while True:
                    chunk = fh.read(CHUNK)
                    if not chunk:
                        break
                    cur.execute("SELECT tarbox.fs_write(%s::bigint, %s::bigint, %b::bytea)", (ino, offset, chunk))
                    offset += len(chunk)
                    if self.progress:
                        self.progress(0, len(chunk))
            cur.execute("SELECT tarbox.fs_release(%s::bigint)", (ino,))
            cur.execute("SELECT ino FROM tarbox.fs_setattr(%s::bigint, NULL, NULL, NULL, NULL, %s::bigint, %s::bigint)",
                        (ino, clamp_ns(s.st_atime_ns), clamp_ns(s.st_mtime_ns)))
        except psycopg.Error as exc:
            err = translate(exc)
            raise TarboxError(f"import of {os.fsdecode(path)} failed: {err.message}", err.errno) from exc
        self.stats.bytes += offset

    def run(self, src_b: bytes, root_ino: int, root_st: os.stat_result) -> None:
        """Walk ``src_b`` (whose tenant directory is ``root_ino``) and import everything."""
        stats = self.stats
        root = Ref(root_ino)
        self.dirs.append((root, root_st))
        stack = [(src_b, root)]
        while stack:
            hdir, parent = stack.pop()
            with os.scandir(hdir) as it:
                entries = sorted(it, key=lambda e: e.name)
            for e in entries:
                s = e.stat(follow_symlinks=False)
                mode = s.st_mode
                uid, gid = (s.st_uid, s.st_gid) if self.preserve_owner else (0, 0)
                times = (clamp_ns(s.st_atime_ns), clamp_ns(s.st_mtime_ns))
                key = (s.st_dev, s.st_ino)
                if not st.S_ISDIR(mode) and s.st_nlink > 1 and key in self.links:
                    self.add(parent, e.name, e.path, 0, 0, 0, 0, (None, None), None, self.links[key], None)
                    stats.hardlinks += 1
                elif st.S_ISDIR(mode):
                    ref = self.add(parent, e.name, e.path, st.S_IFDIR | st.S_IMODE(mode), uid, gid, 0,
                                   (None, None), None, None, None)
                    self.dirs.append((ref, s))
                    stack.append((e.path, ref))
                    stats.dirs += 1
                elif st.S_ISREG(mode):
                    if s.st_size > BULK_FILE_MAX:
                        ref = self.add(parent, e.name, e.path, st.S_IFREG | st.S_IMODE(mode), uid, gid, 0,
                                       times, None, None, None)
                        self.big(ref, e.path, s)
                    else:
                        with open(e.path, "rb") as fh:
                            data = fh.read()
                        if len(data) > BULK_FILE_MAX:  # grew since the stat
                            ref = self.add(parent, e.name, e.path, st.S_IFREG | st.S_IMODE(mode), uid, gid, 0,
                                           times, None, None, None)
                            self.big(ref, e.path, s)
                        else:
                            ref = self.add(parent, e.name, e.path, st.S_IFREG | st.S_IMODE(mode), uid, gid, 0,
                                           times, None, None, data)
                            stats.bytes += len(data)
                            if self.progress:
                                self.progress(0, len(data))
                    if s.st_nlink > 1:
                        self.links[key] = ref
                    stats.files += 1
                elif st.S_ISLNK(mode):
                    ref = self.add(parent, e.name, e.path, st.S_IFLNK | 0o777, uid, gid, 0, times, os.readlink(e.path),
                                   None, None)
                    if s.st_nlink > 1:
                        self.links[key] = ref
                    stats.symlinks += 1
                else:  # fifo, socket, char/block device
                    rdev = s.st_rdev if (st.S_ISCHR(mode) or st.S_ISBLK(mode)) else 0
                    ref = self.add(parent, e.name, e.path, mode, uid, gid, rdev, times, None, None, None)
                    if s.st_nlink > 1:
                        self.links[key] = ref
                    stats.specials += 1
                if self.progress:
                    self.progress(1, 0)
        self.flush()
        # Directory modes and times last (adding children changed them); the root's owner too.
        rows = [(ref.ino, st.S_IMODE(s.st_mode), s.st_uid if ref is root and self.preserve_owner else None,
                 s.st_gid if ref is root and self.preserve_owner else None,
                 clamp_ns(s.st_atime_ns), clamp_ns(s.st_mtime_ns)) for ref, s in reversed(self.dirs)]
        try:
            set_attrs_many(self.cur, rows)
        except psycopg.Error as exc:
            err = translate(exc)
            raise TarboxError(f"import of {os.fsdecode(src_b)} failed (directory attributes): {err.message}",
                              err.errno) from exc


def _rollback(conn: psycopg.Connection) -> None:
    try:
        conn.rollback()
    except psycopg.Error:
        pass


def _host_mkdir_empty(dest: bytes) -> None:
    try:
        os.mkdir(dest, 0o700)
        return
    except FileExistsError:
        pass
    if not os.path.isdir(dest) or os.path.islink(dest):
        raise TarboxError(f"{os.fsdecode(dest)}: exists and is not a directory", errno.ENOTDIR)
    if os.listdir(dest):
        raise TarboxError(f"{os.fsdecode(dest)}: destination directory is not empty", errno.ENOTEMPTY)


def export_tree(conn: psycopg.Connection, src: str, dest: str | os.PathLike,
                progress: Progress | None = None, faithful: Faithful = Faithful(),
                bulk: bool = True) -> TransferStats:
    """Copy tenant directory ``src`` to host directory ``dest``.

    Args:
        conn: a tenant connection, autocommit, no open transaction. The whole
            export reads one consistent snapshot (one REPEATABLE READ transaction).
        src: absolute tenant path of a directory (symlinks in it are followed to
            find the root; nothing below the root is followed).
        dest: host directory; created if missing, else it must be empty. It
            receives ``src``'s mode and times.
        progress: optional ``progress(entries_delta, bytes_delta)`` callback.
        faithful: what to copy beyond the safe default (:class:`Faithful`): owners,
            set-user-ID/set-group-ID bits, device nodes.
        bulk: read a directory level per call (``tarbox.fs_readdir_many``) and many small
            files per call (``tarbox.fs_read_many``), the default; False = fs_readdir,
            fs_read and fs_listxattr/fs_getxattr per entry. The same host tree either way.

    Returns :class:`TransferStats` (device nodes not copied, by default or because the
    host refused them, are counted in ``skipped``). Raises :class:`TarboxError` on failure.
    """
    t0 = time.monotonic()
    stats = TransferStats()
    dest_b = os.fsencode(dest)
    preserve_owner = faithful.owner
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise TarboxError("export needs a connection with no open transaction", errno.EINVAL)
    was_autocommit = conn.autocommit
    conn.autocommit = False
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    cur = conn.cursor(row_factory=namedtuple_row)
    bcur = conn.cursor(binary=True)
    links: dict[int, bytes] = {}
    dirs: list[tuple[bytes, object]] = []
    current = dest_b

    def chown(path: bytes, a) -> None:
        if preserve_owner:
            try:
                os.chown(path, a.uid, a.gid, follow_symlinks=False)
            except OSError:
                pass

    def copy_xattrs(path: bytes, ino: int) -> None:
        names = [bytes(r[0]) for r in conn.execute(
            "SELECT * FROM tarbox.fs_listxattr(%s::bigint)", (ino,)).fetchall()]
        for n in names:
            if not n.startswith(b"user."):
                continue
            value = conn.execute("SELECT tarbox.fs_getxattr(%s::bigint, %b::bytea)", (ino, n)).fetchone()[0]
            try:
                os.setxattr(path, n, bytes(value) if value is not None else b"", follow_symlinks=False)
            except OSError:
                pass

    try:
        try:
            row = cur.execute("SELECT ino, type FROM tarbox.stat(%s::bytea, true)", (os.fsencode(src),)).fetchone()
        except psycopg.Error as exc:
            raise TarboxError(f"{src}: {message_of(exc)}", translate(exc).errno) from exc
        if row.type != "dir":
            raise TarboxError(f"{src}: not a directory", errno.ENOTDIR)
        root = cur.execute(f"SELECT {ATTR_COLS} FROM tarbox.fs_getattr(%s::bigint)", (row.ino,)).fetchone()
        _host_mkdir_empty(dest_b)
        dirs.append((dest_b, root))
        stack = [(root.ino, dest_b)]
        if bulk:
            xattrs: dict[bytes, list[tuple[bytes, bytes]]] = {}
            _export_levels(cur, bcur, root.ino, dest_b, faithful, progress, stats, dirs, xattrs)
            stack = []
        while stack:
            dino, hdir = stack.pop()
            offset = 0
            while True:
                rows = cur.execute(
                    "SELECT d.name, d.next_offset, (d.a).* FROM tarbox.fs_readdir(%s::bigint, %s::bigint, %s::int) d",
                    (dino, offset, READDIR_LIMIT)).fetchall()
                if not rows:
                    break
                for r in rows:
                    offset = r.next_offset
                    name = bytes(r.name)
                    if name in (b".", b".."):
                        continue
                    path = os.path.join(hdir, name)
                    current = path
                    mode = r.mode
                    if not st.S_ISDIR(mode) and r.nlink > 1 and r.ino in links:
                        os.link(links[r.ino], path, follow_symlinks=False)
                        stats.hardlinks += 1
                    elif st.S_ISDIR(mode):
                        os.mkdir(path, 0o700)
                        dirs.append((path, r))
                        stack.append((r.ino, path))
                        stats.dirs += 1
                    elif st.S_ISREG(mode):
                        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                        with os.fdopen(fd, "wb") as fh:
                            pos = 0
                            while pos < r.size:
                                data = bcur.execute(
                                    "SELECT tarbox.fs_read(%s::bigint, %s::bigint, %s::int)",
                                    (r.ino, pos, min(CHUNK, r.size - pos))).fetchone()[0]
                                if not data:
                                    break
                                fh.write(data)
                                pos += len(data)
                                if progress:
                                    progress(0, len(data))
                        if pos != r.size:
                            raise TarboxError(
                                f"{os.fsdecode(path)}: short read ({pos} of {r.size} bytes)", errno.EIO)
                        copy_xattrs(path, r.ino)
                        chown(path, r)
                        os.chmod(path, faithful.mode(mode))
                        os.utime(path, ns=(r.atime_ns, r.mtime_ns))
                        stats.files += 1
                        stats.bytes += pos
                    elif st.S_ISLNK(mode):
                        target = bytes(bcur.execute("SELECT tarbox.fs_readlink(%s::bigint)", (r.ino,)).fetchone()[0])
                        os.symlink(target, path)
                        chown(path, r)
                        os.utime(path, ns=(r.atime_ns, r.mtime_ns), follow_symlinks=False)
                        stats.symlinks += 1
                    else:
                        device = st.S_ISCHR(mode) or st.S_ISBLK(mode)
                        try:
                            if device and not faithful.devices:
                                raise PermissionError(errno.EPERM, "device nodes are not exported")
                            if st.S_ISFIFO(mode):
                                os.mkfifo(path, faithful.mode(mode))
                            else:
                                os.mknod(path, (mode & 0o170000) | faithful.mode(mode), r.rdev)
                        except OSError:
                            stats.skipped += 1
                            stats.skipped_paths.append(os.fsdecode(path))
                            continue
                        chown(path, r)
                        os.chmod(path, faithful.mode(mode))
                        os.utime(path, ns=(r.atime_ns, r.mtime_ns))
                        stats.specials += 1
                    if r.nlink > 1 and not st.S_ISDIR(mode) and r.ino not in links:
                        links[r.ino] = path
                    if progress:
                        progress(1, 0)
                if len(rows) < READDIR_LIMIT:
                    break
        for path, a in reversed(dirs):
            current = path
            if bulk and path != dest_b:
                for n, v in xattrs.get(path, ()):
                    try:
                        os.setxattr(path, n, v, follow_symlinks=False)
                    except OSError:
                        pass
            else:
                copy_xattrs(path, a.ino)
            chown(path, a)
            os.chmod(path, faithful.mode(a.mode))
            os.utime(path, ns=(a.atime_ns, a.mtime_ns))
        note(conn, "export", src, {"destination": os.fsdecode(dest_b), **stats.as_dict()})
        conn.commit()
    except psycopg.Error as exc:
        _rollback(conn)
        err = translate(exc)
        raise TarboxError(f"export to {os.fsdecode(current)} failed: {err.message}", err.errno) from exc
    except OSError as exc:
        _rollback(conn)
        err = translate(exc)
        raise TarboxError(f"export failed: {err.message}", err.errno) from exc
    except BaseException:
        _rollback(conn)
        raise
    finally:
        if not conn.closed:
            conn.isolation_level = None
            if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                conn.autocommit = was_autocommit
    stats.seconds = time.monotonic() - t0
    return stats


#: Directories per fs_readdir_many call, and file bytes per fs_read_many call.
EXPORT_DIRS = 1000
EXPORT_BYTES = 8 << 20
Q_READDIR_MANY = ("SELECT d.dir, d.name, (d.a).*, d.target, d.xattr_names, d.xattr_values"
                  " FROM tarbox.fs_readdir_many(%s::bigint[]) d")


def _export_levels(cur: psycopg.Cursor, bcur: psycopg.Cursor, root_ino: int, dest_b: bytes,
                   faithful: Faithful, progress: Progress | None, stats: TransferStats,
                   dirs: list, xattrs: dict) -> None:
    """The body of :func:`export_tree` with set-based reads: one ``fs_readdir_many`` call per
    directory level (of up to :data:`EXPORT_DIRS` directories), one ``fs_read_many`` call per
    :data:`EXPORT_BYTES` of small files; larger files through fs_read in CHUNK pieces.
    Directories are appended to ``dirs`` and their user xattrs kept in ``xattrs`` (by host
    path) for the caller, which sets them with the modes and times last."""
    links: dict[int, bytes] = {}
    level = [(root_ino, dest_b)]
    while level:
        paths = dict(level)
        next_level: list[tuple[int, bytes]] = []
        files: list[tuple[int, bytes, object]] = []
        later_links: list[tuple[bytes, int]] = []
        for k in range(0, len(level), EXPORT_DIRS):
            rows = cur.execute(Q_READDIR_MANY, ([ino for ino, _ in level[k:k + EXPORT_DIRS]],)).fetchall()
            for r in rows:
                path = os.path.join(paths[r.dir], bytes(r.name))
                mode = r.mode
                user_x = [(bytes(n), bytes(v)) for n, v in zip(r.xattr_names or (), r.xattr_values or ())
                          if bytes(n).startswith(b"user.")]
                if not st.S_ISDIR(mode) and r.nlink > 1 and r.ino in links:
                    later_links.append((path, r.ino))
                    continue
                if r.nlink > 1 and not st.S_ISDIR(mode):
                    links[r.ino] = path
                if st.S_ISDIR(mode):
                    os.mkdir(path, 0o700)
                    dirs.append((path, r))
                    if user_x:
                        xattrs[path] = user_x
                    next_level.append((r.ino, path))
                    stats.dirs += 1
                elif st.S_ISREG(mode):
                    files.append((r.ino, path, r, user_x))
                    continue
                elif st.S_ISLNK(mode):
                    os.symlink(bytes(r.target), path)
                    _own(path, r, faithful)
                    os.utime(path, ns=(r.atime_ns, r.mtime_ns), follow_symlinks=False)
                    stats.symlinks += 1
                else:
                    device = st.S_ISCHR(mode) or st.S_ISBLK(mode)
                    try:
                        if device and not faithful.devices:
                            raise PermissionError(errno.EPERM, "device nodes are not exported")
                        if st.S_ISFIFO(mode):
                            os.mkfifo(path, faithful.mode(mode))
                        else:
                            os.mknod(path, (mode & 0o170000) | faithful.mode(mode), r.rdev)
                    except OSError:
                        stats.skipped += 1
                        stats.skipped_paths.append(os.fsdecode(path))
                        links.pop(r.ino, None)
                        continue
                    _own(path, r, faithful)
                    os.chmod(path, faithful.mode(mode))
                    os.utime(path, ns=(r.atime_ns, r.mtime_ns))
                    stats.specials += 1
                if progress:
                    progress(1, 0)
        # the regular files of this level: small ones many per call
        small: list = []
        size = 0
        for f in files:
            if f[2].size > CHUNK:
                _export_file(bcur, f, None, faithful, progress, stats)
                continue
            if small and size + f[2].size > EXPORT_BYTES:
                _export_small(bcur, small, faithful, progress, stats)
                small, size = [], 0
            small.append(f)
            size += f[2].size
        if small:
            _export_small(bcur, small, faithful, progress, stats)
        for path, ino in later_links:
            os.link(links[ino], path, follow_symlinks=False)
            stats.hardlinks += 1
            if progress:
                progress(1, 0)
        level = next_level


def _own(path: bytes, a, faithful: Faithful) -> None:
    if faithful.owner:
        try:
            os.chown(path, a.uid, a.gid, follow_symlinks=False)
        except OSError:
            pass


def _export_small(bcur: psycopg.Cursor, files: list, faithful: Faithful, progress: Progress | None,
                  stats: TransferStats) -> None:
    """Export regular files whose content one fs_read_many call returns."""
    content = {ino: bytes(data) for ino, data in bcur.execute(
        "SELECT ino, data FROM tarbox.fs_read_many(%s::bigint[])", ([f[0] for f in files],)).fetchall()}
    for f in files:
        _export_file(bcur, f, content[f[0]], faithful, progress, stats)


def _export_file(bcur: psycopg.Cursor, f: tuple, data: bytes | None, faithful: Faithful,
                 progress: Progress | None, stats: TransferStats) -> None:
    """Write one exported regular file (``data``: its content, or None to read it in CHUNK
    pieces with fs_read), then its xattrs, owner, mode and times."""
    ino, path, r, user_x = f
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        if data is not None:
            fh.write(data)
            pos = len(data)
            if progress:
                progress(0, pos)
        else:
            pos = 0
            while pos < r.size:
                chunk = bcur.execute("SELECT tarbox.fs_read(%s::bigint, %s::bigint, %s::int)",
                                     (ino, pos, min(CHUNK, r.size - pos))).fetchone()[0]
                if not chunk:
                    break
                fh.write(chunk)
                pos += len(chunk)
                if progress:
                    progress(0, len(chunk))
    if pos != r.size:
        raise TarboxError(f"{os.fsdecode(path)}: short read ({pos} of {r.size} bytes)", errno.EIO)
    for n, v in user_x:
        try:
            os.setxattr(path, n, v, follow_symlinks=False)
        except OSError:
            pass
    _own(path, r, faithful)
    os.chmod(path, faithful.mode(r.mode))
    os.utime(path, ns=(r.atime_ns, r.mtime_ns))
    stats.files += 1
    stats.bytes += pos
    if progress:
        progress(1, 0)


def get_file(conn: psycopg.Connection, src: str, target: str | os.PathLike,
             faithful: Faithful = Faithful(), chunk: int = CHUNK) -> int:
    """Copy the tenant's regular file at ``src`` (absolute path) to host path ``target``
    (``tarbox get``), safely whatever is there: see :func:`write_host_file`.

    Returns the number of bytes copied. Raises :class:`TarboxError`: EISDIR/EINVAL when
    ``src`` is not a regular file, EEXIST for a special destination, the errno of the
    database or of the host otherwise."""
    try:
        row = conn.execute("SELECT type, mode, uid, gid, size FROM tarbox.stat(%s::bytea, true)",
                           (os.fsencode(src),)).fetchone()
    except psycopg.Error as exc:
        raise TarboxError(f"{src}: {message_of(exc)}", translate(exc).errno) from exc
    kind, mode, uid, gid, _size = row
    if kind != "file":
        raise TarboxError(f"{src}: not a regular file", errno.EISDIR if kind == "dir" else errno.EINVAL)

    def chunks() -> Iterable[bytes]:
        pos = 0
        while True:
            data = conn.execute("SELECT tarbox.read(%s::bytea, %s::bigint, %s::bigint)",
                                (os.fsencode(src), pos, chunk), binary=True).fetchone()[0]
            if not data:
                return
            pos += len(data)
            yield bytes(data)

    try:
        return write_host_file(target, chunks(), mode, uid, gid, faithful)
    except psycopg.Error as exc:
        raise TarboxError(f"{src}: {message_of(exc)}", translate(exc).errno) from exc


def write_host_file(target: str | os.PathLike, chunks: Iterable[bytes], mode: int, uid: int, gid: int,
                    faithful: Faithful = Faithful()) -> int:
    """Write ``chunks`` (the content of a tenant file of st_mode ``mode``, owner ``uid:gid``)
    to host path ``target``, safely whatever the destination is (``tarbox get``, over SQL or
    HTTP):

      * an existing regular file is written through (truncated, then written, as ``cp`` does:
        it keeps its inode, owner and mode);
      * anything else that exists there (a symbolic link, a directory, a device, a FIFO, a
        socket) is refused (EEXIST) before anything is written or read;
      * a new file is made with O_TMPFILE, unnamed until it is complete, then linked at its
        name: whatever happens to this process (even SIGKILL), no temporary file stays. Where
        the host file system lacks O_TMPFILE, a named temporary file in the same directory is
        used and removed on every exit Python sees;
      * its mode is ``mode``'s permission bits without set-user-ID/set-group-ID and minus the
        umask, its owner the caller (``faithful`` keeps the bits and the owner).

    Returns the number of bytes written. Raises :class:`TarboxError` (EEXIST for a special
    destination, the host's errno otherwise); errors of ``chunks`` pass through."""
    target_b = os.fsencode(target)
    try:
        existing = os.lstat(target_b)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise translate(exc) from exc
    if existing is not None and not st.S_ISREG(existing.st_mode):
        what = ("a symbolic link" if st.S_ISLNK(existing.st_mode) else "a directory" if st.S_ISDIR(existing.st_mode)
                else "a device" if st.S_ISCHR(existing.st_mode) or st.S_ISBLK(existing.st_mode)
                else "a FIFO" if st.S_ISFIFO(existing.st_mode) else "a socket")
        raise TarboxError(f"{os.fsdecode(target_b)} is {what}: refusing to write to it", errno.EEXIST)

    def copy_into(fd: int) -> int:
        n = 0
        for data in chunks:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            n += len(data)
        return n

    mask = os.umask(0)
    os.umask(mask)
    try:
        if existing is not None:
            fd = os.open(target_b, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_NOCTTY | os.O_NONBLOCK)
            try:
                if not st.S_ISREG(os.fstat(fd).st_mode):  # replaced meanwhile
                    raise TarboxError(f"{os.fsdecode(target_b)} is not a regular file", errno.EEXIST)
                return copy_into(fd)
            finally:
                os.close(fd)
        directory = os.path.dirname(target_b) or b"."
        new_mode = faithful.mode(mode) & ~mask
        try:
            fd = os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600)
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
            return _get_via_named_temp(target_b, copy_into, new_mode, faithful, uid, gid)
        try:
            n = copy_into(fd)
            os.fchmod(fd, new_mode)
            if faithful.owner:
                os.fchown(fd, uid, gid)
            # linkat(2) of the unnamed file through /proc (AT_SYMLINK_FOLLOW; CPython calls
            # linkat, not link, only when a directory fd is given)
            procfd = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.link(str(fd), target_b, src_dir_fd=procfd, follow_symlinks=True)
            finally:
                os.close(procfd)
            return n
        finally:
            os.close(fd)
    except OSError as exc:
        raise translate(exc) from exc


def _get_via_named_temp(target_b: bytes, copy_into, new_mode: int, faithful: Faithful,
                        uid: int, gid: int) -> int:
    """:func:`get_file` where O_TMPFILE is not supported: a named temporary file next to the
    target, renamed onto it when complete and removed on any other exit (SIGTERM included:
    the CLI turns it into an exception)."""
    tmp = target_b + f".tarbox-{os.getpid()}.tmp".encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        try:
            n = copy_into(fd)
            os.fchmod(fd, new_mode)
            if faithful.owner:
                os.fchown(fd, uid, gid)
        finally:
            os.close(fd)
        os.link(tmp, target_b)  # fails (EEXIST) rather than replace what appeared meanwhile
        return n
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
