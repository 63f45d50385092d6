"""Run one WASI preview 1 program whose filesystem is a tenant (``tarbox wasi run``).

The exit status is the guest's (``proc_exit`` or 0 when ``_start`` returns). A host-side
failure ends the run with one line and a status of its own: 1 for a module that cannot run
(missing, not WebAssembly, not a WASI preview 1 command, imports wasmtime does not provide)
and for a database that is gone, 134 for a trap (as the wasmtime CLI: 128 + SIGABRT), with
"out of memory" said when the guest's memory reached the limit. Everything the guest wrote
before a failure stays written, as on a disk; no call is half-applied (one call, one
transaction).
"""

from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass, field

import wasmtime

from ..errors import TarboxError, one_line
from . import modules
from .client import WasiClient
from .errors import DatabaseUnavailable, WasiError
from .host import MODULE, GuestTrap, WasiHost
from .types import ClientConfig

#: Exit status of a trap (128 + SIGABRT, as the wasmtime CLI exits).
TRAP_STATUS = 134
#: Exit status of a run the host could not carry out.
FAILURE_STATUS = 1


class RunFailure(TarboxError):
    """The run could not start or was ended by the host: a one-line message and the exit
    ``status`` the command ends with."""

    def __init__(self, message: str, status: int = FAILURE_STATUS, errno_value: int = errno.EIO):
        super().__init__(message, errno_value)
        self.status = status


@dataclass
class Program:
    """What to run: the module file, its arguments (``argv[1:]``), its environment, and
    limits. ``argv0`` defaults to the module's file name; ``max_memory`` is bytes of linear
    memory (None: wasm32's 4 GiB); ``stdin``/``stdout``/``stderr`` are file paths for
    wasmtime's stdio (None: inherited)."""

    module: str
    args: list[str] = field(default_factory=list)
    env: list[tuple[str, str]] = field(default_factory=list)
    argv0: str | None = None
    max_memory: int | None = None
    stdin: str | None = None
    stdout: str | None = None
    stderr: str | None = None


@dataclass
class Outcome:
    """How a run ended: the exit ``status``, the filesystem round trips it made
    (``calls``), wall seconds, and the layer a checkpoint made (or None)."""

    status: int
    calls: int
    seconds: float
    checkpoint: int | None = None


def _check_imports(module: wasmtime.Module, name: str) -> None:
    for imp in module.imports:
        if imp.module != MODULE:
            raise RunFailure(f"{name} is not a WASI preview 1 program: it imports "
                             f"{imp.module}::{imp.name}, which only its own host provides",
                             errno_value=errno.ENOEXEC)
    exports = {e.name for e in module.exports}
    if "_start" not in exports:
        raise RunFailure(f"{name} is not a WASI command: it exports no _start function "
                         "(a library or reactor module cannot be run)", errno_value=errno.ENOEXEC)


def _wasi_config(program: Program) -> wasmtime.WasiConfig:
    wasi = wasmtime.WasiConfig()
    wasi.argv = [program.argv0 or os.path.basename(program.module), *program.args]
    wasi.env = [list(kv) for kv in program.env]
    if program.stdin:
        wasi.stdin_file = program.stdin
    else:
        wasi.inherit_stdin()
    if program.stdout:
        wasi.stdout_file = program.stdout
    else:
        wasi.inherit_stdout()
    if program.stderr:
        wasi.stderr_file = program.stderr
    else:
        wasi.inherit_stderr()
    return wasi


def _trap_message(name: str, exc: BaseException, memory_bytes: int | None,
                  limit: int | None) -> str:
    text = str(exc)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    reason = lines[-1] if lines else type(exc).__name__
    for ln in lines:
        if ln.startswith("wasm trap:"):
            reason = ln
    message = f"{name} trapped: {one_line(reason)}"
    if limit is not None and memory_bytes is not None and memory_bytes + 65536 * 16 > limit:
        message += (f" (out of memory: its linear memory reached {memory_bytes // 2**20} MiB "
                    f"of the {limit // 2**20} MiB limit)")
    return message


def run(program: Program, config: ClientConfig, checkpoint: str | None = None,
        engine: wasmtime.Engine | None = None) -> Outcome:
    """Run ``program`` with its filesystem served from tenant ``config.tenant``.

    Args:
        program: the module and its arguments.
        config: the client's config (mode, connection, preopens as (guest, tenant path)).
        checkpoint: after a run that exits 0, create a layer of this name (a checkpoint the
            run can be rolled back to with a layer switch).
        engine: a wasmtime engine (default: a new one).

    Returns an :class:`Outcome`. Raises :class:`RunFailure` (with the exit status) when the
    module cannot run or the host ends the run, and :class:`TarboxError` when the tenant
    cannot be reached before the program starts.
    """
    name = os.path.basename(program.module)
    engine = engine or wasmtime.Engine()
    module = modules.load(engine, program.module)
    _check_imports(module, name)
    started = time.monotonic()
    client = WasiClient.connect(config)
    memory = None
    try:
        store = wasmtime.Store(engine)
        if program.max_memory is not None:
            store.set_limits(memory_size=program.max_memory)
        try:
            store.set_wasi(_wasi_config(program))
        except wasmtime.WasmtimeError as exc:
            raise RunFailure(f"cannot set up the program's stdio: {one_line(exc)}") from None
        linker = wasmtime.Linker(engine)
        host = WasiHost(client)
        host.link(linker, store, engine)
        calls_before = client.backend.calls
        try:
            instance = linker.instantiate(store, module)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as exc:
            raise RunFailure(f"cannot instantiate {name}: {one_line(str(exc).splitlines()[0])}",
                             errno_value=errno.ENOEXEC) from None
        host.attach(instance, store)
        memory = instance.exports(store).get("memory")
        status = 0
        try:
            instance.exports(store)["_start"](store)
        except wasmtime.ExitTrap as exc:
            status = exc.code
        except DatabaseUnavailable as exc:
            raise RunFailure(f"{name} stopped: {exc.message}") from None
        except GuestTrap as exc:
            raise RunFailure(f"{name} trapped: {one_line(exc)}", TRAP_STATUS) from None
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            used = memory.data_len(store) if isinstance(memory, wasmtime.Memory) else None
            raise RunFailure(_trap_message(name, exc, used, program.max_memory),
                             TRAP_STATUS) from None
        try:
            # The program's end closes what it left open, as a process exit does: writes the
            # client still holds (HTTP mode) land, and what was written is released (stored as
            # text chunks) before the run is over, so before a checkpoint freezes it.
            client.close_files()
        except DatabaseUnavailable as exc:
            raise RunFailure(f"{name} ended, but its last writes were not sent: {exc.message}") from None
        except WasiError as exc:
            raise RunFailure(f"{name} ended, but its last writes failed: {exc.message}",
                             errno_value=exc.errno) from None
        calls = client.backend.calls - calls_before
        layer = None
        if checkpoint is not None and status == 0:
            try:
                layer = client.backend.checkpoint(checkpoint)
            except DatabaseUnavailable as exc:
                raise RunFailure(f"no checkpoint {checkpoint}: {exc.message}") from None
        return Outcome(status=status, calls=calls, seconds=time.monotonic() - started,
                       checkpoint=layer)
    finally:
        client.close()


__all__ = ["FAILURE_STATUS", "Outcome", "Program", "RunFailure", "TRAP_STATUS", "run"]
