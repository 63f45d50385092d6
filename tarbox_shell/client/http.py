""":class:`TarboxClient`: Tarbox's ``/api/v1`` routes as typed methods.

Every method is one HTTP request (a listing, one per page; :meth:`TarboxClient.read` of a
large range, one streamed response). Errors raise :class:`RemoteError` with the errno the
server reported (``ENOENT`` for 404 ...), the HTTP status and the server's message, so callers
that think in errno (the WASI host, the CLI) need no HTTP knowledge. Idempotent requests (GET,
HEAD) are retried on 502/503/504 and on connection errors with a doubling back-off.
"""

from __future__ import annotations

import base64
import errno as E
import os
import time
from dataclasses import dataclass
from typing import Iterable, Iterator
from urllib.parse import quote_from_bytes, unquote_to_bytes

import httpx

from ..errors import TarboxError

Path = bytes | str

#: Retries of idempotent requests, and the first back-off (seconds; doubled, capped at 2 s).
RETRIES = 4
BACKOFF = 0.1
#: Bytes per request when :meth:`TarboxClient.write_file` uploads an iterable (it streams).
CHUNK = 1 << 20

STATUS_ERRNO = {400: E.EINVAL, 401: E.EACCES, 403: E.EACCES, 404: E.ENOENT, 409: E.EEXIST,
                412: E.ESTALE, 413: E.EFBIG, 416: E.EINVAL, 503: E.EAGAIN, 507: E.ENOSPC}


class RemoteError(TarboxError):
    """An error answered by the server (or the connection to it).

    Attributes:
        errno: the POSIX errno (int) the server reported (from the JSON body), else one
            derived from the status.
        status: the HTTP status (int; 0 when the server could not be reached).
        message: the server's one-line message.
    """

    def __init__(self, message: str, errno: int, status: int):
        super().__init__(message, errno)
        self.status = status


@dataclass(frozen=True)
class Entry:
    """A file as the server describes it: ``name`` and ``path`` (bytes, exact), ``type``
    (file, dir, symlink, fifo, socket, chardev, blockdev), ``ino``, ``mode`` (st_mode),
    ``nlink``, ``uid``, ``gid``, ``rdev``, ``size`` (bytes), times in ns since the epoch,
    ``etag`` (the version: pass it as ``if_match``), ``target`` (symlink target bytes or None)."""

    name: bytes
    path: bytes | None
    type: str
    ino: int
    mode: int
    nlink: int
    uid: int
    gid: int
    rdev: int
    size: int
    atime_ns: int
    mtime_ns: int
    ctime_ns: int
    btime_ns: int
    etag: str
    target: bytes | None

    @classmethod
    def from_json(cls, d: dict) -> "Entry":
        """Build from the server's JSON (``*_encoded`` fields give the exact bytes)."""
        path = d.get("path_encoded")
        target = d.get("target_encoded")
        return cls(unquote_to_bytes(d.get("name_encoded", "")), unquote_to_bytes(path) if path is not None else None,
                   d["type"], d["ino"], d["mode"], d["nlink"], d["uid"], d["gid"], d["rdev"], d["size"],
                   d["atime_ns"], d["mtime_ns"], d["ctime_ns"], d["btime_ns"], d["etag"],
                   unquote_to_bytes(target) if target is not None else None)


@dataclass(frozen=True)
class InodeAttr:
    """An inode's attributes as the inode routes give them (stat(2)): ``type`` (file, dir,
    symlink, fifo, socket, chardev, blockdev, unknown), ``mode`` (st_mode), sizes in bytes,
    ``blocks`` in 512-byte units, times in ns since the epoch."""

    ino: int
    type: str
    mode: int
    nlink: int
    uid: int
    gid: int
    rdev: int
    size: int
    blocks: int
    atime_ns: int
    mtime_ns: int
    ctime_ns: int
    btime_ns: int

    @classmethod
    def from_json(cls, d: dict) -> "InodeAttr":
        """Build from the server's JSON."""
        return cls(d["ino"], d["type"], d["mode"], d["nlink"], d["uid"], d["gid"], d["rdev"], d["size"],
                   d["blocks"], d["atime_ns"], d["mtime_ns"], d["ctime_ns"], d["btime_ns"])


@dataclass(frozen=True)
class InodeEntry:
    """One directory entry of :meth:`TarboxClient.readdir`: ``name`` (bytes), the cookie
    ``next`` that resumes after it, its ``ino`` and ``mode`` (st_mode)."""

    name: bytes
    next: int
    ino: int
    mode: int


def _bytes(path: Path) -> bytes:
    return os.fsencode(path) if isinstance(path, str) else bytes(path)


def _url_path(path: Path) -> str:
    p = _bytes(path)
    if not p.startswith(b"/"):
        p = b"/" + p
    return quote_from_bytes(p, safe="/-._~")


def _q(value: Path) -> str:
    """A query value: percent-encoded bytes (httpx would encode str as UTF-8 only)."""
    return quote_from_bytes(_bytes(value), safe="/-._~")


class TarboxClient:
    """A connection to ``tarbox serve`` for one token (and so one tenant).

    Args:
        url: the server's base URL, with the base path if any (``http://127.0.0.1:8470``).
        token: the bearer token (``tarbox token create TENANT``).
        timeout: seconds per request.
        verify: TLS verification (True, False or a CA bundle path).
        transport: an httpx transport (tests), else the default.
        run: the id of the program run the requests belong to, sent as the ``Tarbox-Run``
            header of every request (the server labels their audit records with it), or None.
    """

    def __init__(self, url: str, token: str, timeout: float = 60.0, verify: bool | str = True,
                 transport: httpx.BaseTransport | None = None, run: str | None = None):
        self.base = url.rstrip("/") + "/api/v1"
        #: HTTP requests sent so far (retries included).
        self.requests = 0
        headers = {"Authorization": f"Bearer {token}", "User-Agent": "tarbox-client"}
        if run:
            headers["Tarbox-Run"] = run
        self.http = httpx.Client(headers=headers, timeout=timeout, verify=verify, transport=transport)

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

    def __enter__(self) -> "TarboxClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing

    def _request(self, method: str, route: str, query: str = "", *, content=None, json=None,
                 headers: dict | None = None, stream: bool = False) -> httpx.Response:
        url = self.base + route + (("?" + query) if query else "")
        attempts = RETRIES + 1 if method in ("GET", "HEAD") else 1
        delay = BACKOFF
        for attempt in range(attempts):
            try:
                req = self.http.build_request(method, url, content=content, json=json, headers=headers)
                self.requests += 1
                resp = self.http.send(req, stream=stream)
            except httpx.TransportError as exc:
                if attempt + 1 < attempts:
                    time.sleep(delay)
                    delay = min(delay * 2, 2.0)
                    continue
                raise RemoteError(f"cannot reach {self.base}: {exc}", E.EIO, 0) from exc
            if resp.status_code in (502, 503, 504) and attempt + 1 < attempts:
                resp.close()
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            if resp.status_code >= 400:
                if stream:
                    resp.read()
                raise self._error(resp)
            return resp
        raise AssertionError("unreachable")

    @staticmethod
    def _error(resp: httpx.Response) -> RemoteError:
        try:
            body = resp.json()
            return RemoteError(body.get("message", resp.reason_phrase), int(body.get("errno")), resp.status_code)
        except Exception:
            return RemoteError(f"HTTP {resp.status_code} {resp.reason_phrase}",
                               STATUS_ERRNO.get(resp.status_code, E.EIO), resp.status_code)

    @staticmethod
    def _cond(if_match: str | None = None, if_none_match: bool = False) -> dict:
        h = {}
        if if_match is not None:
            h["If-Match"] = f'"{if_match}"'
        if if_none_match:
            h["If-None-Match"] = "*"
        return h

    def _entry(self, method: str, route: str, query: str = "", **kw) -> Entry:
        return Entry.from_json(self._request(method, route, query, **kw).json())

    # ------------------------------------------------------------------ metadata

    def stat(self, path: Path, follow: bool = True, layer: str | None = None) -> Entry:
        """stat(2) (``follow=False``: lstat(2)) as of ``layer`` (default current)."""
        q = f"follow={'true' if follow else 'false'}" + (f"&layer={_q(layer)}" if layer else "")
        return self._entry("GET", "/stat" + _url_path(path), q)

    def list(self, path: Path, layer: str | None = None, page: int = 1000) -> list[Entry]:
        """Every entry of a directory, in name-byte order (paged, ``page`` per request)."""
        out: list[Entry] = []
        after: str | None = None
        while True:
            q = f"limit={page}" + (f"&after={after}" if after else "") + (f"&layer={_q(layer)}" if layer else "")
            body = self._request("GET", "/dir" + _url_path(path), q).json()
            out.extend(Entry.from_json(e) for e in body["entries"])
            after = body.get("next")
            if not after:
                return out

    def readlink(self, path: Path, layer: str | None = None) -> bytes:
        """readlink(2): the target bytes."""
        q = f"layer={_q(layer)}" if layer else ""
        return unquote_to_bytes(self._request("GET", "/readlink" + _url_path(path), q).json()["target_encoded"])

    def canonicalize(self, path: Path) -> bytes:
        """realpath(3) of ``path`` (bytes)."""
        return unquote_to_bytes(self._request("GET", "/canonical" + _url_path(path)).json()["path_encoded"])

    # ------------------------------------------------------------------ data

    def read(self, path: Path, offset: int = 0, length: int | None = None, layer: str | None = None,
             if_match: str | None = None) -> bytes:
        """``length`` bytes (None = to the end) from byte ``offset``; fewer at the end of file,
        empty past it. ``if_match``: only from this version (ESTALE otherwise)."""
        return b"".join(self.iter_read(path, offset, length, layer, if_match))

    def iter_read(self, path: Path, offset: int = 0, length: int | None = None, layer: str | None = None,
                  if_match: str | None = None) -> Iterator[bytes]:
        """Like :meth:`read`, as an iterator of chunks of the streamed response (memory stays
        bounded for any size). A response cut short (the file changed mid-way) raises EIO."""
        if length == 0:
            return
        headers = self._cond(if_match)
        if offset or length is not None:
            headers["Range"] = f"bytes={offset}-" + (str(offset + length - 1) if length is not None else "")
        q = f"layer={_q(layer)}" if layer else ""
        try:
            resp = self._request("GET", "/files" + _url_path(path), q, headers=headers, stream=True)
        except RemoteError as exc:
            if exc.status == 416:  # at or past the end of file: a read returns nothing
                return
            raise
        try:
            yield from resp.iter_bytes()
        except httpx.HTTPError as exc:
            raise RemoteError(f"read of {_bytes(path)!r} cut short (the file changed?): {exc}", E.EIO, 0) from exc
        finally:
            resp.close()

    def write(self, path: Path, data: bytes, offset: int = 0, if_match: str | None = None) -> Entry:
        """pwrite(2): ``data`` at byte ``offset`` (created if missing). Returns the new entry."""
        return self._entry("PATCH", "/files" + _url_path(path), f"offset={int(offset)}", content=bytes(data),
                           headers=self._cond(if_match))

    def append(self, path: Path, data: bytes) -> Entry:
        """O_APPEND write of ``data`` (created if missing)."""
        return self._entry("PATCH", "/files" + _url_path(path), "append=true", content=bytes(data))

    def write_file(self, path: Path, data: bytes | Iterable[bytes], if_match: str | None = None,
                   if_none_match: bool = False, mode: int | None = None) -> Entry:
        """Replace the whole file with ``data`` (bytes, or an iterable of chunks, streamed) in one
        transaction. ``if_match``: only this version; ``if_none_match``: only create (ESTALE
        otherwise)."""
        q = f"mode={mode:o}" if mode is not None else ""
        content = bytes(data) if isinstance(data, (bytes, bytearray, memoryview)) else iter(data)
        return self._entry("PUT", "/files" + _url_path(path), q, content=content,
                           headers=self._cond(if_match, if_none_match))

    def truncate(self, path: Path, size: int, if_match: str | None = None) -> Entry:
        """truncate(2) to ``size`` bytes."""
        return self._entry("POST", "/attrs" + _url_path(path), json={"size": int(size)},
                           headers=self._cond(if_match))

    # ------------------------------------------------------------------ namespace

    def mkdir(self, path: Path, mode: int = 0o755, parents: bool = False) -> Entry:
        """mkdir(2) (``parents``: mkdir -p)."""
        return self._entry("POST", "/dir" + _url_path(path), f"mode={mode:o}&parents={'true' if parents else 'false'}")

    def rm(self, path: Path, recursive: bool = False, if_match: str | None = None) -> None:
        """Remove a file, symlink or empty directory (``recursive``: a whole tree)."""
        self._request("DELETE", "/files" + _url_path(path), f"recursive={'true' if recursive else 'false'}",
                      headers=self._cond(if_match))

    def rename(self, src: Path, dst: Path, noreplace: bool = False, if_match: str | None = None) -> Entry:
        """rename(2) (``noreplace``: RENAME_NOREPLACE, EEXIST when ``dst`` exists)."""
        return self._entry("POST", "/move" + _url_path(src), f"to={_q(dst)}&noreplace={'true' if noreplace else 'false'}",
                           headers=self._cond(if_match))

    def symlink(self, target: Path, path: Path) -> Entry:
        """symlink(2): ``path`` -> ``target`` (kept as given)."""
        return self._entry("POST", "/link" + _url_path(path), f"target={_q(target)}&symbolic=true")

    def link(self, target: Path, path: Path) -> Entry:
        """link(2): a new name ``path`` for the existing ``target``."""
        return self._entry("POST", "/link" + _url_path(path), f"target={_q(target)}")

    def utimes(self, path: Path, atime_ns: int | None = None, mtime_ns: int | None = None,
               follow: bool = True) -> Entry:
        """utimensat(2): the given times (ns since the epoch); those left None become now."""
        return self._entry("POST", "/attrs" + _url_path(path), f"follow={'true' if follow else 'false'}",
                           json={"atime_ns": atime_ns, "mtime_ns": mtime_ns, "touch": True})

    def chmod(self, path: Path, mode: int) -> Entry:
        """chmod(2): permission bits (07777)."""
        return self._entry("POST", "/attrs" + _url_path(path), json={"mode": int(mode) & 0o7777})

    def chown(self, path: Path, uid: int, gid: int | None = None) -> Entry:
        """chown(2)."""
        body = {"uid": int(uid)} | ({"gid": int(gid)} if gid is not None else {})
        return self._entry("POST", "/attrs" + _url_path(path), json=body)

    def xattrs(self, path: Path) -> dict[bytes, bytes]:
        """Every extended attribute: {name: value}."""
        body = self._request("GET", "/xattrs" + _url_path(path)).json()
        return {unquote_to_bytes(x["name_encoded"]): base64.b64decode(x["value_base64"]) for x in body["xattrs"]}

    def setxattr(self, path: Path, name: Path, value: bytes, flags: int = 0) -> Entry:
        """setxattr(2) (flags 1 = create only, 2 = replace only)."""
        return self._entry("PUT", "/xattrs" + _url_path(path), f"name={_q(name)}&flags={flags}", content=bytes(value))

    def removexattr(self, path: Path, name: Path) -> Entry:
        """removexattr(2)."""
        return self._entry("DELETE", "/xattrs" + _url_path(path), f"name={_q(name)}")

    # ------------------------------------------------------------------ layers, usage

    def layers(self) -> list[dict]:
        """The tenant's layers, oldest first."""
        return self._request("GET", "/layers").json()

    def layer_new(self, name: str, description: str | None = None, confirm: bool = False) -> dict:
        """Checkpoint: a new layer on top of the current one."""
        return self._request("POST", "/layers", json={"name": name, "description": description,
                                                      "confirm": confirm}).json()

    def layer_switch(self, ref: str) -> dict:
        """Make layer ``ref`` current."""
        return self._request("POST", f"/layers/{_q(ref)}/switch").json()

    def usage(self) -> dict:
        """The tenant's storage usage: the row of tarbox.usage() (bytes, counts, quotas)."""
        return self._request("GET", "/usage").json()

    # ------------------------------------------------------------------ inodes (WASI hosts)
    # Descriptors address files by inode number (an open file survives renames and unlinks);
    # paths are relative text resolved beneath a directory inode without leaving it (EPERM).

    def whoami(self) -> dict:
        """The token's tenant: ``{"tenant": name, "tenant_id": id}``."""
        return self._request("GET", "/whoami").json()

    def run_note(self, path: str | None, details: dict) -> bool:
        """Record the start or the end of a program run in the tenant's audit log (``POST
        /runs``); whether a record was written."""
        return bool(self._request("POST", "/runs", json={"path": path, "details": details}).json()["recorded"])

    def session_open(self, lease_seconds: int = 60) -> int:
        """Register a lease session (files unlinked while open are kept while it lives);
        returns its id."""
        return int(self._request("POST", "/sessions", json={"lease_seconds": int(lease_seconds)}).json()["session"])

    def session_renew(self, session: int, lease_seconds: int = 60) -> None:
        """Make lease session ``session`` live ``lease_seconds`` from now (ENOENT: it expired)."""
        self._request("POST", f"/sessions/{int(session)}", json={"lease_seconds": int(lease_seconds)})

    def session_end(self, session: int) -> int:
        """End lease session ``session``; returns how many unlinked inodes were purged."""
        return int(self._request("DELETE", f"/sessions/{int(session)}").json()["purged"])

    def _attr(self, method: str, route: str, query: str = "", **kw) -> InodeAttr:
        return InodeAttr.from_json(self._request(method, route, query, **kw).json())

    def getattr(self, ino: int) -> InodeAttr:
        """fstat(2) of inode ``ino``."""
        return self._attr("GET", f"/inodes/{int(ino)}")

    def pread(self, ino: int, offset: int, length: int) -> tuple[bytes, int]:
        """pread(2): up to ``length`` bytes (at most 16 MiB) of regular file ``ino`` from byte
        ``offset``. Returns ``(data, size)``: the bytes and the file's size when the read began
        (``offset + len(data) >= size`` means the end of file was reached)."""
        resp = self._request("GET", f"/inodes/{int(ino)}/data", f"offset={int(offset)}&length={int(length)}")
        return resp.content, int(resp.headers.get("x-tarbox-size", "-1"))

    def pwrite(self, ino: int, data: bytes, offset: int = 0, append: bool = False) -> int:
        """pwrite(2) of ``data`` at ``offset`` of regular file ``ino`` (``append``: at the end of
        file, O_APPEND). Returns the offset just past the data (with append: the new end)."""
        q = "append=true" if append else f"offset={int(offset)}"
        return int(self._request("PATCH", f"/inodes/{int(ino)}/data", q, content=bytes(data)).json()["position"])

    def close_inode(self, ino: int, data: bytes = b"", offset: int = 0, append: bool = False,
                    sync: bool = False) -> int | None:
        """close(2) of a descriptor of regular file ``ino`` that wrote (with ``sync``: its
        fsync(2)): write ``data`` (may be empty) at ``offset`` (``append``: at the end of file),
        then store what was written as text chunks, as a FUSE release does. Returns the offset
        just past ``data`` (None when it is empty)."""
        q = f"offset={int(offset)}&append={'true' if append else 'false'}&sync={'true' if sync else 'false'}"
        pos = self._request("POST", f"/inodes/{int(ino)}/close", q, content=bytes(data)).json()["position"]
        return None if pos is None else int(pos)

    def ftruncate(self, ino: int, size: int) -> InodeAttr:
        """ftruncate(2) of inode ``ino`` to ``size`` bytes."""
        return self._attr("POST", f"/inodes/{int(ino)}/size", json={"size": int(size)})

    def fallocate(self, ino: int, offset: int, length: int) -> InodeAttr:
        """posix_fallocate(3): make inode ``ino`` at least ``offset + length`` bytes long."""
        return self._attr("POST", f"/inodes/{int(ino)}/allocate", json={"offset": int(offset), "length": int(length)})

    def set_times(self, ino: int, atim: int, mtim: int, fst_flags: int, path: str | None = None,
                  follow: bool = False) -> InodeAttr:
        """futimens(2) of inode ``ino`` (with ``path``: utimensat(2) of ``path`` beneath directory
        ``ino``); WASI fstflags 1 atim, 2 atim_now, 4 mtim, 8 mtim_now; times in ns."""
        return self._attr("POST", f"/inodes/{int(ino)}/times", json={
            "path": path, "follow": follow, "atim": int(atim), "mtim": int(mtim), "fst_flags": int(fst_flags)})

    def readdir(self, ino: int, cookie: int = 0, limit: int = 1000) -> list[InodeEntry]:
        """Up to ``limit`` entries of directory ``ino`` after ``cookie`` (0: the start, with
        ``.`` and ``..``)."""
        body = self._request("GET", f"/inodes/{int(ino)}/entries", f"cookie={int(cookie)}&limit={int(limit)}").json()
        return [InodeEntry(unquote_to_bytes(e["name_encoded"]), e["next"], e["ino"], e["mode"])
                for e in body["entries"]]

    def fsync(self) -> None:
        """fsync(2): every change committed before is on disk when it returns."""
        self._request("POST", "/sync")

    def open_at(self, dir_ino: int, path: str, oflags: int = 0, write: bool = False,
                follow: bool = False) -> InodeAttr:
        """openat(2) of ``path`` beneath directory ``dir_ino`` with WASI ``oflags`` (1 creat, 2
        directory, 4 excl, 8 trunc); ``write``: the descriptor will write. The opened inode."""
        return self.open_read_at(dir_ino, path, oflags, write, follow)[0]

    def open_read_at(self, dir_ino: int, path: str, oflags: int = 0, write: bool = False,
                     follow: bool = False, read_ahead: int = 0) -> tuple[InodeAttr, bytes | None]:
        """:meth:`open_at`, and in the same request the first ``read_ahead`` bytes (at most
        1 MiB; all of it when shorter) of the opened inode when it is a regular file (else
        None)."""
        body = self._request("POST", f"/inodes/{int(dir_ino)}/open", json={
            "path": path, "oflags": int(oflags), "write": write, "follow": follow,
            "read_ahead": int(read_ahead)}).json()
        data = body.get("data_base64")
        return InodeAttr.from_json(body), (base64.b64decode(data) if data is not None else None)

    def stat_at(self, dir_ino: int, path: str, follow: bool = False) -> InodeAttr:
        """fstatat(2) of ``path`` beneath directory ``dir_ino``."""
        return self._attr("GET", f"/inodes/{int(dir_ino)}/stat",
                          f"path={_q(path)}&follow={'true' if follow else 'false'}")

    def mkdir_at(self, dir_ino: int, path: str) -> InodeAttr:
        """mkdirat(2) of ``path`` (mode 0755) beneath directory ``dir_ino``."""
        return self._attr("POST", f"/inodes/{int(dir_ino)}/mkdir", json={"path": path})

    def rmdir_at(self, dir_ino: int, path: str) -> None:
        """Remove the empty directory ``path`` beneath directory ``dir_ino``."""
        self._request("POST", f"/inodes/{int(dir_ino)}/rmdir", json={"path": path})

    def unlink_at(self, dir_ino: int, path: str) -> None:
        """unlinkat(2) of the non-directory ``path`` beneath directory ``dir_ino``."""
        self._request("POST", f"/inodes/{int(dir_ino)}/unlink", json={"path": path})

    def rename_at(self, dir_ino: int, path: str, new_dir_ino: int, new_path: str) -> None:
        """renameat(2): ``path`` beneath ``dir_ino`` to ``new_path`` beneath ``new_dir_ino``."""
        self._request("POST", f"/inodes/{int(dir_ino)}/rename",
                      json={"path": path, "new_dir": int(new_dir_ino), "new_path": new_path})

    def symlink_at(self, target: str, dir_ino: int, path: str) -> InodeAttr:
        """symlinkat(2): ``path`` beneath ``dir_ino`` -> ``target`` (relative, kept as given)."""
        return self._attr("POST", f"/inodes/{int(dir_ino)}/symlink", json={"target": target, "path": path})

    def readlink_at(self, dir_ino: int, path: str) -> bytes:
        """readlinkat(2) of ``path`` beneath ``dir_ino``: the target bytes."""
        body = self._request("GET", f"/inodes/{int(dir_ino)}/readlink", f"path={_q(path)}").json()
        return unquote_to_bytes(body["target_encoded"])

    def link_at(self, dir_ino: int, path: str, new_dir_ino: int, new_path: str,
                follow: bool = False) -> InodeAttr:
        """linkat(2): a hard link ``new_path`` beneath ``new_dir_ino`` to the inode at ``path``
        beneath ``dir_ino`` (a final symbolic link is linked itself unless ``follow``)."""
        return self._attr("POST", f"/inodes/{int(dir_ino)}/link", json={
            "path": path, "follow": follow, "new_dir": int(new_dir_ino), "new_path": new_path})
