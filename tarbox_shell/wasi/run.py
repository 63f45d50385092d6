"""Run one WASI preview 1 program whose filesystem is a tenant (``tarbox wasi run``).

The exit status is the guest's (``proc_exit`` or 0 when ``_start`` returns). A host-side
failure ends the run with one line and a status of its own: 1 for a module that cannot run
(missing, not WebAssembly, not a WASI preview 1 command, imports wasmtime does not provide)
and for a database that is gone, 134 for a trap (as the wasmtime CLI: 128 + SIGABRT), with
"out of memory" said when the guest's memory reached the limit. Everything the guest wrote
before a failure stays written, as on a disk; no call is half-applied (one call, one
transaction).

Every run is visible in the tenant's audit log as one run: it has an id (:attr:`Outcome.run`,
a random UUID unless the config names one) that every record of its calls carries as
``details.run`` (direct mode: the session setting ``tarbox.audit_run``; HTTP mode: the
``Tarbox-Run`` header), between two records of operation ``wasi_run``
(``tarbox.audit_note``) whose ``details.reported`` say ``event`` ``start`` (the module's
name and SHA-256, argv, preopens, mode) and ``end`` (exit status, calls, seconds, checkpoint,
and the host's message when it ended the run). The environment is not recorded (it may hold
secrets). A failing call is recorded with its errno, as a mount's are.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import time
import uuid
from dataclasses import dataclass, field

import wasmtime

from ..errors import TarboxError, one_line
from . import modules
from .backend import open_backend
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
    (``calls``), wall seconds, the layer a checkpoint made (or None), and the run's id (its
    audit records carry it as ``details.run``)."""

    status: int
    calls: int
    seconds: float
    checkpoint: int | None = None
    run: str | None = None


#: The most bytes of JSON the recorded argv may take (audit_note allows 64 KiB of details).
ARGV_LIMIT = 16384


def _argv(argv: list[str]) -> dict:
    kept: list[str] = []
    size = 0
    for arg in argv:
        size += len(json.dumps(arg)) + 1
        if size > ARGV_LIMIT:
            return {"argv": kept, "argv_truncated": True}
        kept.append(arg)
    return {"argv": kept}


def _note(client: WasiClient, config: ClientConfig, details: dict, failing: bool = False) -> None:
    """Record the run's start or end (``wasi_run``). A note that cannot be written stops a run
    from starting (:class:`RunFailure`); at the end of a run the host already ended, it is
    dropped (the database may be what ended it)."""
    where = config.preopens[0][1] if config.preopens else None
    try:
        client.backend.note_run(where, details)
    except WasiError as exc:
        if failing:
            return
        raise RunFailure(f"cannot record the run in the tenant's audit log: {exc.message}",
                         errno_value=exc.errno) from None


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
    module, digest = modules.load_digest(engine, program.module)
    _check_imports(module, name)
    started = time.monotonic()
    config = dataclasses.replace(config, run=config.run or str(uuid.uuid4()))
    client = WasiClient(open_backend(config))
    try:
        _note(client, config, {"event": "start", "module": name, "sha256": digest, "mode": config.mode,
                               "preopens": [list(p) for p in config.preopens],
                               **_argv([program.argv0 or name, *program.args])})
        calls = [client.backend.calls]
        try:
            try:
                for guest, tenant_path in config.preopens:  # after the start: within the run
                    client.preopen(guest, tenant_path)
            except WasiError as exc:
                raise RunFailure(f"cannot preopen: {exc.message}", errno_value=exc.errno) from None
            outcome = _run(program, config, client, module, name, checkpoint, engine, started, calls)
        except RunFailure as exc:
            _note(client, config, {"event": "end", "module": name, "status": exc.status,
                                   "calls": client.backend.calls - calls[0], "error": exc.message,
                                   "seconds": round(time.monotonic() - started, 6)}, failing=True)
            raise
        _note(client, config, {"event": "end", "module": name, "status": outcome.status,
                               "calls": outcome.calls, "seconds": round(outcome.seconds, 6),
                               "checkpoint": outcome.checkpoint}, failing=True)
        return outcome
    finally:
        client.close()


def _run(program: Program, config: ClientConfig, client: WasiClient, module: wasmtime.Module,
         name: str, checkpoint: str | None, engine: wasmtime.Engine, started: float,
         calls: list[int]) -> Outcome:
    """The run itself (see :func:`run`); ``calls[0]`` is set to the backend's count when the
    program starts."""
    memory = None
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
    calls_before = calls[0] = client.backend.calls
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
    made = client.backend.calls - calls_before
    layer = None
    if checkpoint is not None and status == 0:
        try:
            layer = client.backend.checkpoint(checkpoint)
        except DatabaseUnavailable as exc:
            raise RunFailure(f"no checkpoint {checkpoint}: {exc.message}") from None
    return Outcome(status=status, calls=made, seconds=time.monotonic() - started,
                   checkpoint=layer, run=config.run)


__all__ = ["FAILURE_STATUS", "Outcome", "Program", "RunFailure", "TRAP_STATUS", "run"]
