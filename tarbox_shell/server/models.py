"""The JSON shapes of the HTTP API, as pydantic models, so the OpenAPI schema documents them
(and FastAPI validates request bodies: a malformed one is 422 with a message)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


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
    """The tenant's storage usage: one row of ``tarbox.usage()`` (see its COMMENT for every
    figure). Bytes are bytes; ``quota_*`` null = unlimited."""

    tenant: str
    logical_bytes: int
    referenced_bytes: int
    unique_bytes: int
    stored_bytes: int
    metadata_bytes: int
    garbage_bytes: int
    inodes: int
    layers: int
    blocks: int
    text_files: int
    chunks: int
    dedup_ratio: Optional[float] = None
    used_bytes: int
    used_inodes: int
    quota_bytes: Optional[int] = None
    quota_inodes: Optional[int] = None
    quota_layers: Optional[int] = None
    text_max_bytes: Optional[int] = None
    text_max_lines: Optional[int] = None


class TarImport(BaseModel):
    """The new layer of a tar import and what went into it."""

    layer_id: int
    name: str
    entries: int = Field(description="archive members imported")
    bytes: int = Field(description="bytes of file data imported")


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


# ------------------------------------------------------------------ inodes (the WASI host's HTTP mode)


def _wasi_path(value: str) -> str:
    # A WASI path is a UTF-8 string without NUL; JSON can carry lone surrogates, which are
    # not UTF-8 at all.
    if "\x00" in value:
        raise ValueError("a path cannot contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a path must be UTF-8 (no lone surrogates)") from None
    return value


WasiPath = Annotated[str, Field(max_length=4096, description="a relative path (UTF-8 text), "
                                "resolved beneath the directory inode without leaving it"),
                     AfterValidator(_wasi_path)]
InodeNumber = Annotated[int, Field(ge=1, le=2**63 - 1, description="an inode number of the tenant")]
Nanoseconds = Annotated[int, Field(ge=-(2**63), le=2**63 - 1, description="ns since the epoch")]


class InodeAttr(BaseModel):
    """An inode's attributes as stat(2) gives them (``tarbox.attr``): times in ns since the
    epoch, ``blocks`` in 512-byte units, ``type`` derived from ``mode``."""

    ino: int
    type: Literal["file", "dir", "symlink", "fifo", "socket", "chardev", "blockdev", "unknown"]
    mode: int = Field(description="st_mode (type bits and permissions)")
    nlink: int
    uid: int
    gid: int
    rdev: int
    size: int = Field(description="bytes")
    blocks: int = Field(description="512-byte units")
    atime_ns: int
    mtime_ns: int
    ctime_ns: int
    btime_ns: int


class InodeEntry(BaseModel):
    """One directory entry (``tarbox.fs_readdir``): its name (text and percent-encoded bytes),
    the cookie ``next`` that resumes a listing after it, its inode and ``st_mode``."""

    name: str
    name_encoded: str
    next: int = Field(description="cookie to pass as cookie= to continue after this entry")
    ino: int
    mode: int


class InodeEntries(BaseModel):
    """Up to ``limit`` entries of a directory after a cookie (``.`` and ``..`` first)."""

    entries: list[InodeEntry]


class WritePosition(BaseModel):
    """Where a write ended: the byte offset just past the data (with append: the new end of
    file), which becomes the descriptor's position."""

    position: int


class ClosePosition(BaseModel):
    """Where the last held bytes sent with a close ended (the byte offset just past them; with
    append the new end of file), or null when the close carried none."""

    position: int | None


class SizeChange(BaseModel):
    """``POST /inodes/{ino}/size``: ftruncate(2)."""

    model_config = ConfigDict(extra="forbid")
    size: int = Field(ge=0, le=2**63 - 1, description="bytes")


class Allocate(BaseModel):
    """``POST /inodes/{ino}/allocate``: posix_fallocate(3)."""

    model_config = ConfigDict(extra="forbid")
    offset: int = Field(ge=0, le=2**63 - 1)
    length: int = Field(ge=1, le=2**63 - 1)


class SetTimes(BaseModel):
    """``POST /inodes/{ino}/times``: utimensat(2) with WASI fstflags (1 atim, 2 atim_now,
    4 mtim, 8 mtim_now), of the inode itself (no ``path``) or of ``path`` beneath it."""

    model_config = ConfigDict(extra="forbid")
    path: Optional[WasiPath] = None
    follow: bool = Field(False, description="follow a final symbolic link of path")
    atim: Nanoseconds = 0
    mtim: Nanoseconds = 0
    fst_flags: int = Field(ge=0, le=2**31 - 1)


class OpenAt(BaseModel):
    """``POST /inodes/{dir}/open``: WASI path_open."""

    model_config = ConfigDict(extra="forbid")
    path: WasiPath
    follow: bool = Field(False, description="lookupflags.symlink_follow")
    oflags: int = Field(0, ge=0, le=2**31 - 1, description="WASI oflags: 1 creat, 2 directory, 4 excl, 8 trunc")
    write: bool = Field(False, description="the descriptor will write (a directory is then EISDIR)")
    read_ahead: int = Field(0, ge=0, le=1 << 20, description="also answer up to this many bytes from "
                            "the start of a regular file (data_base64), read in the same call")


class OpenedInode(InodeAttr):
    """What ``POST /inodes/{dir}/open`` answers: the opened inode's attributes and, when
    ``read_ahead`` asked for it and it is a regular file, its first bytes."""

    data_base64: Optional[str] = Field(None, description="the first read_ahead bytes of the file "
                                       "(all of it when shorter), base64")


class PathAt(BaseModel):
    """A path beneath the directory inode (mkdir, rmdir, unlink)."""

    model_config = ConfigDict(extra="forbid")
    path: WasiPath


class RenameAt(BaseModel):
    """``POST /inodes/{dir}/rename``: WASI path_rename."""

    model_config = ConfigDict(extra="forbid")
    path: WasiPath
    new_dir: InodeNumber
    new_path: WasiPath


class LinkAt(BaseModel):
    """``POST /inodes/{dir}/link``: WASI path_link."""

    model_config = ConfigDict(extra="forbid")
    path: WasiPath
    follow: bool = False
    new_dir: InodeNumber
    new_path: WasiPath


class SymlinkAt(BaseModel):
    """``POST /inodes/{dir}/symlink``: WASI path_symlink (the target is stored as given)."""

    model_config = ConfigDict(extra="forbid")
    target: WasiPath
    path: WasiPath


class LinkTarget(BaseModel):
    """A symbolic link's target, as text and percent-encoded bytes."""

    target: str
    target_encoded: str


class Whoami(BaseModel):
    """The tenant a bearer token acts as."""

    tenant: str
    tenant_id: int


class LeaseRequest(BaseModel):
    """``POST /sessions``: how long the session lives without a renewal."""

    model_config = ConfigDict(extra="forbid")
    lease_seconds: int = Field(60, ge=1, le=3600, description="seconds the session lives unless renewed")


class RunNote(BaseModel):
    """``POST /runs``: the start or the end of a program run (``tarbox wasi run``) to record in
    the tenant's audit log (``tarbox.audit_note('wasi_run', path, details)``)."""

    model_config = ConfigDict(extra="forbid")
    path: Optional[str] = Field(None, max_length=4096, description="the tenant directory the program "
                                "runs in (its first preopen), or null")
    details: dict = Field(description="what the client reports (at most 64 KiB of JSON), recorded as "
                          "details.reported: `event` start (module, sha256, argv, preopens, mode) or end "
                          "(status, calls, seconds, checkpoint, error)")


class RunNoted(BaseModel):
    """Whether ``POST /runs`` wrote a record (not at audit level none)."""

    recorded: bool


class Lease(BaseModel):
    """A mount session held by a lease (``tarbox.mount_lease``)."""

    session: int
    lease_seconds: int


class LeaseEnd(BaseModel):
    """The end of a lease session: how many inodes without links were purged."""

    purged: int


class FsDownloadUrl(BaseModel):
    """``GET /fs/download-url``: a URL readable without the bearer token."""

    downloadUrl: str = Field(description="absolute URL of this file version; GET it (with `Range`) without a token")
    expiresAt: str = Field(description="when the URL stops working (RFC 3339)")
    len: int = Field(description="size of the file version, bytes")
    etag: str = Field(description="the file version the URL reads")


class FsUploadStart(BaseModel):
    """``POST /fs/upload-session/start`` (as RunMat's Rust client sends it)."""

    model_config = ConfigDict(extra="ignore")
    path: str = Field(max_length=4096)
    sizeBytes: int = Field(ge=0, le=2**62, description="the file's size, bytes")
    contentType: Optional[str] = Field(None, max_length=256, description="ignored")
    contentSha256: str = Field(max_length=64, description="SHA-256 of the whole file, 64 lowercase hex digits")


class FsUploadSession(BaseModel):
    """The answer of ``upload-session/start``."""

    sessionId: str
    blobKey: str = Field(description="echoed back by the client in `chunks` and `complete`")
    chunkSizeBytes: int = Field(description="bytes per chunk (the last may be shorter)")
    expiresAt: str = Field(description="when the session and its chunk URLs end (RFC 3339)")


class FsUploadChunk(BaseModel):
    """One chunk of ``upload-session/chunks``."""

    model_config = ConfigDict(extra="ignore")
    chunkIndex: int = Field(ge=0, le=2**31 - 1)
    offsetBytes: int = Field(ge=0, le=2**62)
    sizeBytes: int = Field(ge=0, le=2**62)
    chunkSha256: str = Field(max_length=64)


class FsUploadChunks(BaseModel):
    """``POST /fs/upload-session/chunks``."""

    model_config = ConfigDict(extra="ignore")
    sessionId: str = Field(max_length=40)
    blobKey: str = Field(max_length=200)
    chunks: list[FsUploadChunk] = Field(max_length=65536)


class FsUploadTarget(BaseModel):
    """Where one chunk goes: ``method`` ``uploadUrl`` with ``headers``, no bearer token."""

    chunkIndex: int
    method: Literal["PUT"]
    uploadUrl: str
    headers: dict[str, str]


class FsUploadTargets(BaseModel):
    """The answer of ``upload-session/chunks``."""

    targets: list[FsUploadTarget]
    expiresAt: str


class FsUploadComplete(BaseModel):
    """``POST /fs/upload-session/complete``."""

    model_config = ConfigDict(extra="ignore")
    path: str = Field(max_length=4096)
    sessionId: str = Field(max_length=40)
    blobKey: str = Field(max_length=200)
    sizeBytes: int = Field(ge=0, le=2**62)
    contentSha256: str = Field(max_length=64)
    chunkCount: int = Field(ge=0, le=2**31 - 1)
    hash: Optional[str] = Field(None, max_length=256, description="ignored")
