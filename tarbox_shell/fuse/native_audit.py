"""The audit of native mounts (issue 11): a native mount (:mod:`.passthrough`) serves its
requests with host system calls and no SQL, so its records cannot be written in the
transaction of a change as the tree's are. :class:`NativeAuditor`, the mount's
:attr:`~.passthrough.NativeMount.audit` hook, turns each request into a record after it ran
(success or errno, the caller's uid/gid/pid, the path in the tree and on the host, bytes and
time) and queues it on the tree component
(:meth:`~.operations.TarboxOperations.queue_native_record`), which sends the queue with the
read reports in batches (``tarbox.audit_native``, at least every half second), so a native
request costs no round trip. Records of the last half second are lost if the mount process
dies; the host change itself is not undone by anything (there is no transaction to share).

What is recorded follows the tree's levels (``tarbox._audit_native_level``): names (create,
mkdir, mknod, symlink, link, unlink, rmdir, rename) at basic; setattr, setxattr, removexattr
and writes at standard; lookups, readlink, a directory listing (once, when read from its
start), opens and reads at full. The writes of one open file are one record (``write``:
calls, bytes, time) when it is released, and so are its reads (``read``, at full); a failed
read or write is recorded at once with its errno. getattr, statfs, the reading of extended
attributes, flush and fsync are not recorded (nor are they by the tree). Records below the
tenant's highest level are not even queued (:attr:`~.operations.TarboxOperations.audit_max`);
the SQL applies the level and the path overrides to each.

Imports: stdlib; nothing of its package (the tree is passed in).
"""

from __future__ import annotations

import errno
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

#: Host request -> (audit operation, its level); requests not listed are not recorded.
NATIVE_OPS: dict[str, tuple[str, int]] = {
    "lookup": ("lookup", 3), "readlink": ("readlink", 3), "readdir": ("readdir", 3),
    "open": ("open", 3), "read": ("read", 3),
    "setattr": ("setattr", 2), "write": ("write", 2), "setxattr": ("setxattr", 2),
    "removexattr": ("removexattr", 2),
    "create": ("create", 1), "mkdir": ("mkdir", 1), "mknod": ("mknod", 1), "symlink": ("symlink", 1),
    "link": ("link", 1), "unlink": ("unlink", 1), "rmdir": ("rmdir", 1), "rename": ("rename", 1),
}
O_TRUNC_WRITE = 2  # the level of an open that truncates a file it may write


def _text(name: bytes) -> str:
    """Bytes of a name as JSON-safe text (UTF-8 as is, other bytes as \\xNN)."""
    return name.decode("utf-8", "backslashreplace")


@dataclass
class _Transfer:
    """The reads or writes made through one open handle: calls, bytes, ns."""

    calls: int = 0
    bytes: int = 0
    ns: int = 0


@dataclass
class _Open:
    """An open handle of the mount seen reading or writing: its inode, who opened it, and
    what went through it."""

    ino: int
    caller: tuple
    reads: _Transfer = field(default_factory=_Transfer)
    writes: _Transfer = field(default_factory=_Transfer)


class NativeAuditor:
    """The audit hook of one native mount (see the module docstring).

    Args:
        tree: the tree component (:class:`~.operations.TarboxOperations`): its ``audit_max``
            (the tenant's highest level, 0..3) filters, its ``queue_native_record`` takes
            the records.
        mount: the :class:`~.passthrough.NativeMount` (its ``spec``, ``path_of``,
            ``handle_info``).
    """

    def __init__(self, tree: Any, mount: Any) -> None:
        self.tree = tree
        self.mount = mount
        self.mount_path = os.fsencode(mount.spec.mount_path).rstrip(b"/")
        self.source_path = os.fsencode(mount.spec.source_path).rstrip(b"/")
        self._opens: dict[int, _Open] = {}
        tree.native_auditors.append(self)

    # ------------------------------------------------------------------ paths

    def _rel(self, ino: int) -> bytes | None:
        return self.mount.path_of(ino)

    def _entry(self, parent: int, name: bytes) -> bytes | None:
        rel = self._rel(parent)
        if rel is None:
            return None
        return name if not rel else rel + b"/" + name

    def _paths(self, rel: bytes | None) -> tuple[bytes, bytes, dict]:
        """(tree path, host path, extra details) of ``rel`` (relative to the source; None
        when the mount no longer knows how the object was reached: then the mount point and
        its source, with ``path_unknown`` in the details)."""
        if rel is None:
            return self.mount_path or b"/", self.source_path or b"/", {"path_unknown": True}
        if not rel:
            return self.mount_path or b"/", self.source_path or b"/", {}
        return self.mount_path + b"/" + rel, self.source_path + b"/" + rel, {}

    # ------------------------------------------------------------------ the hook

    def __call__(self, mount: Any, name: str, args: tuple, code: int, elapsed_ns: int,
                 result: Any = None) -> None:
        """NativeMount.audit: queue the record of request ``name`` (``args`` as the handler
        got them, ``code`` 0 or the errno, ``result`` the handler's return value)."""
        if name in ("release", "releasedir"):
            self._release(args[0])
            return
        spec = NATIVE_OPS.get(name)
        if spec is None:
            return
        op, level = spec
        limit = self.tree.audit_max
        if name in ("read", "write"):
            if level <= limit:
                self._transfer(name, args, code, elapsed_ns, result)
            return
        if name == "open" and args[1] & os.O_TRUNC and args[1] & os.O_ACCMODE:
            level = O_TRUNC_WRITE
        if level > limit:
            return
        details: dict = {}
        rel2 = None
        caller = (None, None, None)
        ctx = args[-1] if args else None
        if hasattr(ctx, "uid"):
            caller = (ctx.uid, ctx.gid, ctx.pid)
        if name == "lookup":
            rel = self._entry(args[0], args[1])
            if code == 0 and result is not None and not result.st_ino:
                code = errno.ENOENT  # a negative entry
        elif name in ("readlink", "open"):
            rel = self._rel(args[0])
            if name == "open":
                details["flags"] = args[1]
        elif name == "readdir":
            if args[1] != 0:
                return  # the listing was recorded when read from its start
            info = self.mount.handle_info(args[0])
            if info is None:
                return
            rel = self._rel(info[0])
            caller = info[1:]
        elif name == "setattr":
            rel = self._rel(args[0])
            attr, fields = args[1], args[2]
            for flag, key, value in (("update_mode", "mode", "st_mode"), ("update_uid", "uid", "st_uid"),
                                     ("update_gid", "gid", "st_gid"), ("update_size", "size", "st_size")):
                if getattr(fields, flag, False):
                    details[key] = getattr(attr, value)
            for flag, key in (("update_atime", "atime"), ("update_mtime", "mtime")):
                if getattr(fields, flag, False):
                    details[key] = True
        elif name in ("setxattr", "removexattr"):
            rel = self._rel(args[0])
            details["name"] = _text(args[1])
        elif name == "link":
            rel = self._rel(args[0])
            rel2 = self._entry(args[1], args[2])
        elif name == "rename":
            rel = self._entry(args[0], args[1])
            rel2 = self._entry(args[2], args[3])
            if args[4]:
                details["flags"] = args[4]
        else:  # create, mkdir, mknod, symlink, unlink, rmdir: an entry of a directory
            rel = self._entry(args[0], args[1])
            if name in ("create", "mkdir", "mknod"):
                details["mode"] = args[2]
            if name == "create":
                details["flags"] = args[3]
                if code == 0 and result is not None:
                    fh = result[0].fh
                    self._opens[fh] = _Open(result[1].st_ino, caller)
            elif name == "mknod":
                details["rdev"] = args[3]
            elif name == "symlink":
                details["target"] = _text(args[2])
        path, source, extra = self._paths(rel)
        path2 = None
        if name in ("link", "rename"):
            path2, _, extra2 = self._paths(rel2)
            if extra2:
                details["path2_unknown"] = True
        self._queue(op, path, path2, source, code, None, elapsed_ns, caller, {**details, **extra})

    def _transfer(self, name: str, args: tuple, code: int, elapsed_ns: int, result: Any) -> None:
        fh = args[0]
        o = self._opens.get(fh)
        if o is None:
            info = self.mount.handle_info(fh)
            if info is None:
                return
            o = self._opens[fh] = _Open(info[0], info[1:])
        if code:
            path, source, extra = self._paths(self._rel(o.ino))
            self._queue(name, path, None, source, code, None, elapsed_ns, o.caller,
                        {"offset": args[1], **extra})
            return
        t = o.reads if name == "read" else o.writes
        t.calls += 1
        t.bytes += len(result) if name == "read" else int(result or 0)
        t.ns += elapsed_ns

    def _release(self, fh: int) -> None:
        o = self._opens.pop(fh, None)
        if o is None:
            return
        limit = self.tree.audit_max
        path = source = extra = None
        for op, level, t in (("write", 2, o.writes), ("read", 3, o.reads)):
            if not t.calls or level > limit:
                continue
            if path is None:
                path, source, extra = self._paths(self._rel(o.ino))
            self._queue(op, path, None, source, 0, t.bytes, t.ns, o.caller,
                        {"calls": t.calls, "release": True, **extra})

    def release_all(self) -> None:
        """At unmount: the records of handles still open (their reads and writes end here)."""
        for fh in list(self._opens):
            self._release(fh)

    def _queue(self, op: str, path: bytes, path2: bytes | None, source: bytes, code: int,
               nbytes: int | None, elapsed_ns: int, caller: tuple, details: dict) -> None:
        details["host_at_ns"] = time.time_ns()
        message = f"{errno.errorcode.get(code, code)}: {os.strerror(code)} (host)" if code else None
        self.tree.queue_native_record((op, path, path2, source, code, message, nbytes, elapsed_ns,
                                       *caller, json.dumps(details, default=str)))
