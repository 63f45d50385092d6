"""The HTTP backend of the WASI client: one request of the inode routes of ``tarbox serve``
(``/api/v1/inodes/...``, through :class:`tarbox_shell.client.TarboxClient`) per operation.

Nodes are inode numbers, as in direct mode, so a descriptor keeps its file through renames and
unlinks; path operations are resolved by the server beneath the descriptor's directory inode
(the ``tarbox.wasi_*`` functions), so a preopen contains the guest exactly as in direct mode.

Because a request costs far more than an SQL call, the backend lets the client answer more
itself (:attr:`HttpBackend.write_buffer`, :attr:`HttpBackend.attr_ttl`): small contiguous
writes are held per descriptor and sent as one write at close (with the release, in one
request: ``POST /inodes/{ino}/close``), fsync, the next other request, a non-contiguous write or
1 MiB; ``fd_filestat_get`` right after an open is answered from the
open's attributes, an open for reading brings the file's first 64 KiB along (so a small file
is opened and read in one request), and a read at the end of file the previous read reached is
answered empty.
That is close-to-open consistency, as NFS gives: another client sees a file's writes once the
writer closed (or synced) it, and a writer sees others' changes at its next request.

The backend holds a **lease session** for its lifetime (``POST /api/v1/sessions``, renewed
every :data:`LEASE_SECONDS` / 3 by a thread of its own on a connection of its own): like the
mount session of direct mode, it keeps files the guest unlinked while holding them open from
being purged by a FUSE mount starting meanwhile, and its end (:meth:`HttpBackend.close`) purges
what the guest left unlinked. A client killed without ending it stops counting when the lease
runs out. A read-only token cannot register one (nor unlink anything).

A server that cannot be reached, a database it reports unavailable, or a token it refuses ends
the run (:class:`tarbox_shell.wasi.DatabaseUnavailable`) rather than leave the guest with a
filesystem that answers nothing.
"""

from __future__ import annotations

import errno as E
import threading
from typing import Any

from ..client import InodeAttr, RemoteError, TarboxClient
from ..errors import TarboxError
from .backend import Attr, Backend
from .errors import DatabaseUnavailable, WasiError

#: Bytes of contiguous small writes held per descriptor (one PATCH each time it fills).
WRITE_BUFFER = 1 << 20
#: Seconds for which an open's (or getattr's) attributes answer fd_filestat_get locally (the
#: shortest attribute cache time of an NFS client, acregmin).
ATTR_TTL = 3.0
#: The most bytes one read request asks for (the server streams it in 1 MiB pieces).
MAX_READ = 16 << 20
#: Bytes from the start of a file fetched with an open for reading (one 64 KiB block).
READ_AHEAD = 1 << 16
#: Seconds a lease session lives without a renewal (renewed every third of it).
LEASE_SECONDS = 60


def _attr(a: InodeAttr) -> Attr:
    return Attr(node=a.ino, ino=a.ino, mode=a.mode, nlink=a.nlink, size=a.size,
                atime_ns=a.atime_ns, mtime_ns=a.mtime_ns, ctime_ns=a.ctime_ns)


class HttpBackend(Backend):
    """The backend over ``tarbox serve``: one HTTP request per operation, as the bearer
    token's tenant.

    Args:
        client: a :class:`tarbox_shell.client.TarboxClient` for the server and token.
        write_buffer: bytes of contiguous small writes the client holds per descriptor.
        attr_ttl: seconds for which known attributes (and data read ahead) answer locally.
        read_ahead: bytes from the start of a file fetched with an open for reading.
    """

    def __init__(self, client: TarboxClient, write_buffer: int = WRITE_BUFFER,
                 attr_ttl: float = ATTR_TTL, read_ahead: int = READ_AHEAD):
        self.client = client
        self.url = client.base
        self.write_buffer = write_buffer
        self.attr_ttl = attr_ttl
        self.read_ahead = read_ahead
        #: The lease session (None: none, e.g. with a read-only token).
        self.session: int | None = None
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    def hold_session(self, url: str, token: str, lease_seconds: int = LEASE_SECONDS) -> None:
        """Register a lease session and renew it from a thread (with a client of its own for
        ``url`` and ``token``) until :meth:`close`. A read-only token cannot (EROFS): then there
        is none. Raises :class:`tarbox_shell.errors.TarboxError` for any other refusal (EDQUOT:
        the tenant holds too many)."""
        try:
            self.session = self.client.session_open(lease_seconds)
        except RemoteError as exc:
            if exc.errno == E.EROFS:
                return
            raise TarboxError(f"cannot open a session on the Tarbox server: {exc.message}", exc.errno) from None
        self._keeper = threading.Thread(target=self._keep, args=(url, token, lease_seconds), daemon=True,
                                        name="tarbox-wasi-lease")
        self._keeper.start()

    def _keep(self, url: str, token: str, lease_seconds: int) -> None:
        # Its own HTTP client: renewals are not the guest's filesystem calls, and never wait
        # behind one.
        with TarboxClient(url, token) as c:
            while not self._stop.wait(lease_seconds / 3):
                try:
                    c.session_renew(self.session, lease_seconds)
                except RemoteError as exc:
                    if exc.errno == E.ENOENT:  # it expired (the process stood still): a new one
                        try:
                            self.session = c.session_open(lease_seconds)
                        except RemoteError:
                            pass
                    # anything else: the server is gone, which the guest's next call reports

    @classmethod
    def connect(cls, url: str, token: str, tenant: str | None = None, run: str | None = None,
                **options: Any) -> "HttpBackend":
        """Connect to the server at ``url`` with ``token`` and check the token acts as
        ``tenant`` (when given); ``run``: the program run every request belongs to (its
        ``Tarbox-Run`` header: the server labels the audit records with it); ``options`` are
        those of the constructor. Raises :class:`tarbox_shell.errors.TarboxError`: EIO when the
        server cannot be reached, EACCES when it refuses the token or the token is another
        tenant's."""
        client = TarboxClient(url, token, run=run)
        try:
            try:
                who = client.whoami()
            except RemoteError as exc:
                if exc.status == 0:
                    raise TarboxError(f"cannot reach the Tarbox server: {exc.message}", E.EIO) from None
                if exc.status == 401:
                    raise TarboxError(f"the server at {url} refused the token: {exc.message}", E.EACCES) from None
                raise TarboxError(f"the server at {url} answered {exc.status}: {exc.message}", exc.errno) from None
            if tenant is not None and who["tenant"] != tenant:
                raise TarboxError(f"the token acts as tenant {who['tenant']!r}, not {tenant!r}", E.EACCES)
            backend = cls(client, **options)
            backend.hold_session(url, token)
            return backend
        except BaseException:
            client.close()
            raise

    @property
    def calls(self) -> int:  # type: ignore[override]
        """HTTP requests made so far."""
        return self.client.requests

    # -- one request --------------------------------------------------------------------------
    def _do(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self.client, method)(*args)
        except RemoteError as exc:
            if exc.status == 0:
                raise DatabaseUnavailable(f"lost the Tarbox server: {exc.message}") from None
            if exc.status == 401:
                raise DatabaseUnavailable(f"the Tarbox server refused the token: {exc.message}") from None
            if exc.status == 503 and exc.errno != E.EAGAIN:
                raise DatabaseUnavailable(f"{exc.message} (the Tarbox server answered 503)") from None
            raise WasiError(exc.message, exc.errno) from None

    # -- operations ---------------------------------------------------------------------------
    def root(self, path: str) -> Attr:
        e = self._do("stat", path)
        if e.type != "dir":
            raise WasiError(f"{path}: not a directory", E.ENOTDIR)
        return Attr(node=e.ino, ino=e.ino, mode=e.mode, nlink=e.nlink, size=e.size,
                    atime_ns=e.atime_ns, mtime_ns=e.mtime_ns, ctime_ns=e.ctime_ns)

    def open(self, base, path, follow, oflags, write):
        return _attr(self._do("open_at", base, path, oflags, write, follow))

    def open_read(self, base, path, follow, oflags, write, read_ahead):
        a, data = self._do("open_read_at", base, path, oflags, write, follow, read_ahead)
        return _attr(a), data

    def stat(self, base, path, follow):
        return _attr(self._do("stat_at", base, path, follow))

    def getattr(self, node):
        return _attr(self._do("getattr", node))

    def read(self, node, offset, length):
        return self.read_sized(node, offset, length)[0]

    def read_sized(self, node, offset, length):
        data, size = self._do("pread", node, offset, min(length, MAX_READ))
        return data, (size if size >= 0 else None)

    def write(self, node, offset, data, append):
        return self._do("pwrite", node, data, offset, append)

    def truncate(self, node, size):
        return _attr(self._do("ftruncate", node, size))

    def allocate(self, node, offset, length):
        return _attr(self._do("fallocate", node, offset, length))

    def set_times(self, base, path, follow, atim, mtim, fst_flags):
        return _attr(self._do("set_times", base, atim, mtim, fst_flags, path, follow))

    def readdir(self, node, cookie, limit):
        return [(e.name, e.next, e.ino, e.mode) for e in self._do("readdir", node, cookie, limit)]

    def mkdir(self, base, path):
        return _attr(self._do("mkdir_at", base, path))

    def rmdir(self, base, path):
        self._do("rmdir_at", base, path)

    def unlink(self, base, path):
        self._do("unlink_at", base, path)

    def rename(self, base, path, new_base, new_path):
        self._do("rename_at", base, path, new_base, new_path)

    def symlink(self, target, base, path):
        return _attr(self._do("symlink_at", target, base, path))

    def readlink(self, base, path):
        return self._do("readlink_at", base, path)

    def link(self, base, path, follow, new_base, new_path):
        return _attr(self._do("link_at", base, path, new_base, new_path, follow))

    def sync(self, node):
        try:
            self._do("fsync")
        except WasiError as exc:
            # A read-only token cannot have changed anything: nothing of its own to make
            # durable, so fsync succeeds (as on a read-only mount).
            if exc.errno != E.EROFS or isinstance(exc, DatabaseUnavailable):
                raise

    def release(self, node, data, offset, append, sync=False):
        return self._do("close_inode", node, data, offset, append, sync)

    def note_run(self, path, details):
        try:
            return self._do("run_note", path, details)
        except WasiError as exc:
            # A read-only token can change nothing, so it records nothing: its run has no
            # start and end records (its reads are recorded at level full all the same).
            if exc.errno != E.EROFS or isinstance(exc, DatabaseUnavailable):
                raise
            return False

    def checkpoint(self, name):
        return int(self._do("layer_new", name)["layer_id"])

    def close(self) -> None:
        """End the lease session (purging what the guest left unlinked, unless another mount
        runs) and close the HTTP connections. Never raises."""
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=30)
        try:
            if self.session is not None:
                self.client.session_end(self.session)
        except Exception:  # noqa: BLE001 - closing must not fail the run's end (the lease
            pass           # runs out by itself)
        try:
            self.client.close()
        except Exception:  # noqa: BLE001
            pass


__all__ = ["ATTR_TTL", "HttpBackend", "LEASE_SECONDS", "MAX_READ", "READ_AHEAD", "WRITE_BUFFER"]
