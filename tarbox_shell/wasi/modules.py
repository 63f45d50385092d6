"""Loading WebAssembly modules, with their compiled form cached on disk.

Compiling a large module takes seconds (CPython for WASI: about 6 s here); its compiled form
(``Module.serialize``) loads in milliseconds with ``Module.deserialize``. The cache is keyed
by the SHA-256 of the module's bytes and the wasmtime version, lives in
``$TARBOX_WASM_CACHE`` or ``$XDG_CACHE_HOME/tarbox/wasm`` (``~/.cache/tarbox/wasm``), is
private to its user (0700) and is written atomically, so a half-written entry is never
loaded. An entry wasmtime refuses (another engine configuration) is compiled again.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.metadata
import os
import stat
import tempfile
from pathlib import Path

import wasmtime

from ..errors import TarboxError

WASM_MAGIC = b"\0asm"
_WASMTIME_VERSION = importlib.metadata.version("wasmtime")
MODULE_VERSION = b"\x01\x00\x00\x00"


def cache_dir() -> Path:
    """The directory of compiled modules (not created)."""
    env = os.environ.get("TARBOX_WASM_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tarbox" / "wasm"


def _private_dir(path: Path) -> bool:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = path.stat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read_module(path: str | os.PathLike) -> bytes:
    """The bytes of the module file ``path``; WebAssembly text (.wat) is turned into binary.

    Raises :class:`TarboxError`: ENOENT missing, EISDIR a directory, ENOEXEC not a
    WebAssembly module, or a component (WASI preview 2) rather than a preview 1 module."""
    name = os.fspath(path)
    try:
        data = Path(name).read_bytes()
    except FileNotFoundError:
        raise TarboxError(f"{name}: no such module file", errno.ENOENT) from None
    except IsADirectoryError:
        raise TarboxError(f"{name}: is a directory, not a WebAssembly module", errno.EISDIR) from None
    except OSError as exc:
        raise TarboxError(f"{name}: {exc.strerror}", exc.errno or errno.EIO) from None
    if data.startswith(WASM_MAGIC):
        if data[4:8] != MODULE_VERSION:
            raise TarboxError(f"{name} is a WebAssembly component (WASI preview 2); "
                              "tarbox wasi run runs WASI preview 1 modules", errno.ENOEXEC)
        return data
    try:
        text = data.decode("utf-8")
        if text.lstrip().startswith("(module"):
            return wasmtime.wat2wasm(text)
    except (UnicodeDecodeError, wasmtime.WasmtimeError):
        pass
    raise TarboxError(f"{name} is not a WebAssembly module (no \\0asm header)", errno.ENOEXEC)


def load(engine: wasmtime.Engine, path: str | os.PathLike) -> wasmtime.Module:
    """The compiled module of file ``path`` for ``engine``, from the cache when it holds it
    (compiled and cached otherwise). Raises :class:`TarboxError` (see :func:`read_module`;
    ENOEXEC when wasmtime cannot compile it)."""
    return load_digest(engine, path)[0]


def load_digest(engine: wasmtime.Engine, path: str | os.PathLike) -> tuple[wasmtime.Module, str]:
    """:func:`load`, and the SHA-256 (hex) of the module's binary (of the text made binary,
    for a .wat file): what names the program a run ran in its audit records."""
    data = read_module(path)
    digest = hashlib.sha256(data).hexdigest()
    return _load(engine, path, data), digest


def _load(engine: wasmtime.Engine, path: str | os.PathLike, data: bytes) -> wasmtime.Module:
    key = hashlib.sha256(_WASMTIME_VERSION.encode() + b"\0" + data).hexdigest()
    directory = cache_dir()
    cached = directory / f"{key}.cwasm"
    usable = _private_dir(directory)
    if usable and cached.is_file():
        try:
            return wasmtime.Module.deserialize_file(engine, str(cached))
        except wasmtime.WasmtimeError:
            pass  # made by another configuration: compile again below
    try:
        module = wasmtime.Module(engine, data)
    except wasmtime.WasmtimeError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid module"
        raise TarboxError(f"{os.fspath(path)} is not a valid WebAssembly module: {first}",
                          errno.ENOEXEC) from None
    if usable:
        _store(module, directory, cached)
    return module


def _store(module: wasmtime.Module, directory: Path, cached: Path) -> None:
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".cwasm")
        with os.fdopen(fd, "wb") as f:
            f.write(module.serialize())
        os.replace(tmp, cached)
        tmp = None
    except OSError:
        pass  # a cache that cannot be written only costs the next compile
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


__all__ = ["cache_dir", "load", "load_digest", "read_module"]
