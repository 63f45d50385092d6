"""The JSON shapes of the HTTP API, as pydantic models, so the OpenAPI schema documents them
(and FastAPI validates request bodies: a malformed one is 422 with a message)."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    """Every error response: the errno name and number, and one line for a person."""

    error: str = Field(description="errno name, e.g. ENOENT", examples=["ENOENT"])
    errno: int = Field(description="errno number (Linux)", examples=[2])
    message: str = Field(description="what went wrong, naming the path and the reason")


# ------------------------------------------------------------------ the RunMat contract


class FsMetadata(BaseModel):
    """``GET /fs/metadata``: what RunMat's remote providers read."""

    fileType: Literal["file", "dir", "symlink", "other"]
    len: int = Field(description="size in bytes")
    modifiedAt: str = Field(description="modification time, RFC 3339 (UTC, milliseconds)")
    readonly: bool = Field(description="no write permission bit is set (see set-readonly)")
    etag: str = Field(description="the file's version tag (also the ETag header)")


class FsDirEntry(BaseModel):
    """One entry of ``GET /fs/dir``."""

    path: str = Field(description="absolute path")
    fileName: str
    fileType: Literal["file", "dir", "symlink", "other"]


class FsPath(BaseModel):
    """``{path}`` (canonicalize's answer)."""

    path: str


class FsMkdir(BaseModel):
    """``POST /fs/mkdir``."""

    model_config = ConfigDict(extra="ignore")
    path: str = Field(max_length=4096)
    recursive: bool = False


class FsRename(BaseModel):
    """``POST /fs/rename``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_: str = Field(alias="from", max_length=4096)
    to: str = Field(max_length=4096)


class FsSetReadonly(BaseModel):
    """``POST /fs/set-readonly``."""

    model_config = ConfigDict(extra="ignore")
    path: str = Field(max_length=4096)
    readonly: bool


# ------------------------------------------------------------------ Tarbox's own routes


class Entry(BaseModel):
    """A file, directory or other inode. Names and paths are given as text (UTF-8, bytes that
    are not UTF-8 as U+FFFD) and percent-encoded (``*_encoded``: exact bytes, usable in URLs)."""

    name: str
    name_encoded: str
    path: Optional[str] = None
    path_encoded: Optional[str] = None
    type: Literal["file", "dir", "symlink", "fifo", "socket", "chardev", "blockdev"]
    ino: int
    mode: int = Field(description="st_mode (type bits and permissions)")
    perm: str = Field(description="permission bits in octal, e.g. 0644")
    nlink: int
    uid: int
    gid: int
    rdev: int
    size: int = Field(description="bytes")
    atime_ns: int
    mtime_ns: int
    ctime_ns: int
    btime_ns: int
    mtime: str = Field(description="mtime, RFC 3339")
    etag: str = Field(description="version tag: changes whenever the file does (ETag/If-Match)")
    readonly: bool
    target: Optional[str] = None
    target_encoded: Optional[str] = None


class Listing(BaseModel):
    """One page of a directory: entries in name-byte order, and ``next``: the ``after`` value
    of the next page (null on the last page)."""

    entries: list[Entry]
    next: Optional[str] = Field(description="percent-encoded name to pass as after=, or null")


class Attrs(BaseModel):
    """``POST /api/v1/attrs/{path}``: chmod, chown, truncate and utimensat in one call; absent
    fields stay as they are."""

    model_config = ConfigDict(extra="forbid")
    mode: Optional[int] = Field(None, ge=0, le=0o7777, description="permission bits (e.g. 420 = 0644)")
    uid: Optional[int] = Field(None, ge=0, le=4294967294)
    gid: Optional[int] = Field(None, ge=0, le=4294967294)
    size: Optional[int] = Field(None, ge=0, le=17592186044416, description="truncate to this many bytes")
    atime_ns: Optional[int] = Field(None, ge=0, le=2**63 - 1)
    mtime_ns: Optional[int] = Field(None, ge=0, le=2**63 - 1)
    touch: bool = Field(False, description="set the times not given to now (utimensat UTIME_NOW)")


class Layer(BaseModel):
    """A layer of the tenant's linear history."""

    layer_id: int
    name: str
    description: Optional[str] = None
    created_at: str
    is_current: bool
    is_head: bool
    tags: list[str]


class LayerNew(BaseModel):
    """``POST /api/v1/layers``: checkpoint."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=128)
    description: Optional[str] = Field(None, max_length=4096)
    confirm: bool = Field(False, description="needed when the current layer is historical: later layers are deleted")


class LayerSwitch(BaseModel):
    """Result of a switch."""

    layer_id: int
    name: str
    read_only: bool


class Change(BaseModel):
    """One row of a diff between two layers."""

    path: str
    change: Literal["A", "M", "D"]
    type: Optional[str] = None
    size_before: Optional[int] = None
    size_after: Optional[int] = None
    size_delta: Optional[int] = None
    lines_added: Optional[int] = None
    lines_deleted: Optional[int] = None


class HistoryRow(BaseModel):
    """One row of a file's history."""

    layer_id: int
    layer_name: str
    change: str
    type: Optional[str] = None
    size: Optional[int] = None
    mtime: Optional[str] = None
    ino: Optional[int] = None


class Usage(BaseModel):
    """The tenant's usage (statfs(2) view)."""

    bytes_used: int
    bytes_total: int
    files_used: int
    files_total: int
    block_size: int
    name_max: int


class AuditRecord(BaseModel):
    """One audit record of the tenant (a row of the view ``tarbox.audit``)."""

    tenant_id: int
    at: str = Field(description="start of the operation, RFC 3339 UTC (microseconds)")
    at_ns: int = Field(description="start of the operation, ns since the epoch")
    seq: int = Field(description="order of records with the same time")
    op: str = Field(description="operation: lookup, create, write, rename, layer_new, ...")
    ok: bool
    errno: Optional[str] = Field(None, description="errno name of a failure (ENOENT...)")
    message: Optional[str] = None
    path: Optional[str] = Field(None, description="path (bytes that are not UTF-8 as \\xNN)")
    path2: Optional[str] = Field(None, description="destination of a rename or link")
    ino: Optional[int] = None
    layer: Optional[int] = None
    uid: Optional[int] = Field(None, description="caller's uid as a FUSE request gave it")
    gid: Optional[int] = None
    pid: Optional[int] = None
    role: str = Field(description="the session's login role")
    client_addr: Optional[str] = None
    bytes: Optional[int] = Field(None, description="bytes read or written")
    duration_ns: Optional[int] = None
    lines_added: Optional[int] = None
    lines_deleted: Optional[int] = None
    native: bool = Field(description="served by a native mount (host system calls)")
    native_source: Optional[str] = None
    details: Optional[dict[str, Any]] = None
