"""The HTTP API (``tarbox serve``) against the direct SQL path API, on the same tenant.

A real ``tarbox serve`` process on a free localhost port (started through the CLI, as a user
would), a tenant with a bearer token, and for 1 and 8 concurrent clients (separate processes,
each with its own keep-alive connection) three small-file operations for a fixed time each:

* ``metadata``: ``GET /api/v1/fs/metadata`` — against ``tarbox.stat`` over SQL;
* ``read 4K``: ``GET /api/v1/files/<f>`` with ``Range`` of 4 KiB — against ``tarbox.read``;
* ``write 4K``: ``PUT /api/v1/files/<f>`` of 4 KiB — against ``tarbox.write``;

reported as requests per second and the p50/p99 latency seen by the client; then one 256 MiB
upload (streamed PUT) and download (GET) in MiB/s, and the same upload through an upload
session (RunMat's large-file protocol, :func:`upload_session`) with 1 and with 4 chunk PUTs at
a time, as RunMat's Rust client sends them. The SQL side is one psycopg connection per
client acting as the tenant (``SET ROLE``), one autocommit call per operation.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg

from .. import db

REPO = Path(__file__).resolve().parents[2]
OPS = ["metadata", "read4k", "write4k"]
FILES = 64
SIZE = 4096


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(admin_dsn: str, log_path: str | os.PathLike | None = None):
    """A ``tarbox serve`` process (started through the CLI, as a user would) on a free
    localhost port for the duration of the block: yields ``(url, pid)``; stopped afterwards.
    Its output goes to ``log_path`` (default: nowhere)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path or os.devnull, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "tarbox_shell", "--dsn", admin_dsn, "serve", "--listen",
                                 f"127.0.0.1:{port}", "--log-level", "warning"], cwd=REPO, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(url + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("tarbox serve did not start")
                time.sleep(0.1)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _pattern_block(i: int) -> bytes:
    """Block i (64 KiB) of the transfer file: its number, then bytes 8..65535 of 0..255 repeated
    (the same content the streamed PUT of :func:`run` sends)."""
    return i.to_bytes(8, "big") + (bytes(range(256)) * 256)[8:]


def upload_session(url: str, token: str, path: str, mib: int, parallel: int,
                   chunk_mib: int = 16) -> dict:
    """Upload a file of ``mib`` MiB at ``path`` through the large-file protocol as RunMat's Rust
    client does (``POST /fs/upload-session/start``, ``/chunks``, one raw PUT per chunk of
    ``chunk_mib`` MiB without the token, ``parallel`` of them at a time, ``/complete``) and check
    its size afterwards. Returns ``{"seconds", "puts_s", "complete_s"}``: the whole upload, the
    chunk PUTs, and the complete call, wall-clock seconds."""
    per_chunk = chunk_mib * 16
    chunks = [b"".join(_pattern_block(b) for b in range(i * per_chunk, min((i + 1) * per_chunk, mib * 16)))
              for i in range(-(-mib * 16 // per_chunk))]
    whole = hashlib.sha256()
    for c in chunks:
        whole.update(c)
    size = sum(len(c) for c in chunks)
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url + "/api/v1/fs", headers=h, timeout=600) as c, \
            httpx.Client(timeout=600, limits=httpx.Limits(max_connections=parallel)) as anon:
        t0 = time.perf_counter()
        r = c.post("/upload-session/start", json={"path": path, "sizeBytes": size,
                                                  "contentSha256": whole.hexdigest()})
        r.raise_for_status()
        s = r.json()
        desc, off = [], 0
        for i, data in enumerate(chunks):
            desc.append({"chunkIndex": i, "offsetBytes": off, "sizeBytes": len(data),
                         "chunkSha256": hashlib.sha256(data).hexdigest()})
            off += len(data)
        r = c.post("/upload-session/chunks", json={"sessionId": s["sessionId"], "blobKey": s["blobKey"],
                                                   "chunks": desc})
        r.raise_for_status()
        targets = r.json()["targets"]

        def put(i: int) -> None:
            resp = anon.put(targets[i]["uploadUrl"], content=chunks[i])
            if not resp.is_success:
                raise RuntimeError(f"chunk {i}: HTTP {resp.status_code} {resp.text[:200]}")

        t1 = time.perf_counter()
        with ThreadPoolExecutor(parallel) as pool:
            list(pool.map(put, range(len(chunks))))
        t2 = time.perf_counter()
        r = c.post("/upload-session/complete", json={
            "path": path, "sessionId": s["sessionId"], "blobKey": s["blobKey"], "sizeBytes": size,
            "contentSha256": whole.hexdigest(), "chunkCount": len(chunks)})
        if not r.is_success:
            raise RuntimeError(f"complete: HTTP {r.status_code} {r.text[:200]}")
        t3 = time.perf_counter()
        got = c.get("/metadata", params={"path": path}).json()["len"]
        if got != size:
            raise RuntimeError(f"{path}: {got} bytes after the upload, {size} sent")
    return {"seconds": t3 - t0, "puts_s": t2 - t1, "complete_s": t3 - t2}


def _data(i: int) -> bytes:
    return (f"file {i} ".encode() * SIZE)[:SIZE]


def _http_worker(args) -> list[float]:
    url, token, op, seconds, worker = args
    lat: list[float] = []
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url + "/api/v1", headers=h, timeout=60) as c:
        i = worker
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            name = f"/bench/f{i % FILES:03d}"
            t0 = time.perf_counter()
            if op == "metadata":
                r = c.get("/fs/metadata", params={"path": name})
            elif op == "read4k":
                r = c.get("/files" + name, headers={"Range": f"bytes=0-{SIZE - 1}"})
            else:
                r = c.put("/files" + name, content=_data(i))
            lat.append(time.perf_counter() - t0)
            if r.status_code >= 300:
                raise RuntimeError(f"{op} {name}: HTTP {r.status_code} {r.text[:200]}")
            i += 1
    return lat


def _sql_worker(args) -> list[float]:
    dsn, tenant, op, seconds, worker = args
    lat: list[float] = []
    with db.tenant_connection(tenant, dsn) as conn:
        i = worker
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            name = f"/bench/f{i % FILES:03d}"
            t0 = time.perf_counter()
            if op == "metadata":
                conn.execute("SELECT size FROM tarbox.stat(%s)", (name,)).fetchone()
            elif op == "read4k":
                conn.execute("SELECT tarbox.read(%s, 0, %s)", (name, SIZE), binary=True).fetchone()
            else:
                conn.execute("SELECT tarbox.write(%s, %b::bytea)", (name, _data(i)))
            lat.append(time.perf_counter() - t0)
            i += 1
    return lat


def _measure(pool, worker, base_args, op: str, clients: int, seconds: float) -> dict:
    t0 = time.monotonic()
    results = pool.map(worker, [(*base_args, op, seconds, w) for w in range(clients)])
    wall = time.monotonic() - t0
    lat = sorted(x for r in results for x in r)
    n = len(lat)
    return {"requests": n, "per_s": n / seconds, "p50_ms": 1000 * statistics.median(lat),
            "p99_ms": 1000 * lat[min(n - 1, int(n * 0.99))], "wall_s": wall}


def run(admin_dsn: str, tenant: str, quick: bool = False) -> dict:
    """Measure; returns ``{"seconds", "http": {op: {clients: figures}}, "sql": {...},
    "transfer": {"mib", "upload_mib_s", "download_mib_s"}, "server_rss_peak_mib"}``. The tenant
    is created here and deleted at the end; the server is stopped."""
    seconds = 3.0 if quick else 15.0
    mib = 32 if quick else 256
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute("SELECT tarbox.tenant_create(%s)", (tenant,))
        token = admin.execute("SELECT token FROM tarbox.tenant_token_create(%s, 'bench')", (tenant,)).fetchone()[0]
    out: dict = {"seconds": seconds, "files": FILES, "bytes": SIZE, "http": {}, "sql": {}}
    try:
        with serve(admin_dsn) as (url, pid):
            _run_on(out, url, pid, admin_dsn, tenant, token, seconds, mib)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute("SELECT tarbox.tenant_delete(%s)", (tenant,))
    return out


def _run_on(out: dict, url: str, pid: int, admin_dsn: str, tenant: str, token: str, seconds: float,
            mib: int) -> None:
    """The measures of :func:`run` against the server at ``url`` (process ``pid``)."""
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url + "/api/v1", headers=h, timeout=600) as c:
        c.post("/dir/bench")
        for i in range(FILES):
            c.put(f"/files/bench/f{i:03d}", content=_data(i))
    ctx = mp.get_context("spawn")
    with ctx.Pool(8) as pool:
        for op in OPS:
            out["http"][op] = {}
            out["sql"][op] = {}
            for clients in (1, 8):
                out["http"][op][clients] = _measure(pool, _http_worker, (url, token), op, clients, seconds)
                out["sql"][op][clients] = _measure(pool, _sql_worker, (admin_dsn, tenant), op, clients, seconds)
    block = bytes(range(256)) * 256

    def body():
        for i in range(mib * 16):
            yield i.to_bytes(8, "big") + block[8:]

    with httpx.Client(base_url=url + "/api/v1", headers=h, timeout=600) as c:
        t0 = time.perf_counter()
        r = c.put("/files/big.bin", content=body())
        up = time.perf_counter() - t0
        if r.status_code != 200:
            raise RuntimeError(f"upload: HTTP {r.status_code} {r.text[:200]}")
        t0 = time.perf_counter()
        n = 0
        with c.stream("GET", "/files/big.bin") as resp:
            for chunk in resp.iter_bytes():
                n += len(chunk)
        down = time.perf_counter() - t0
        if n != mib << 20:
            raise RuntimeError(f"download: {n} bytes of {mib << 20}")
    out["transfer"] = {"mib": mib, "upload_mib_s": mib / up, "download_mib_s": mib / down}
    out["transfer"]["session_upload_mib_s"] = {
        parallel: mib / upload_session(url, token, f"/session-{parallel}.bin", mib, parallel)["seconds"]
        for parallel in (1, 4)}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            out["server_rss_peak_mib"] = int(line.split()[1]) // 1024


def format_http(result: dict) -> str:
    """The figures as a text table: per operation and client count, HTTP and SQL requests/s
    with p50/p99 latency, and the ratios the issue sets targets for."""
    lines = [f"{'operation':<9} {'clients':>7} | {'HTTP req/s':>10} {'p50 ms':>7} {'p99 ms':>7} | "
             f"{'SQL ops/s':>10} {'p50 ms':>7} {'p99 ms':>7} | HTTP/SQL"]
    for op in OPS:
        for clients in (1, 8):
            h = result["http"][op][clients]
            s = result["sql"][op][clients]
            lines.append(f"{op:<9} {clients:>7} | {h['per_s']:>10,.0f} {h['p50_ms']:>7.2f} {h['p99_ms']:>7.2f} | "
                         f"{s['per_s']:>10,.0f} {s['p50_ms']:>7.2f} {s['p99_ms']:>7.2f} | {h['per_s'] / s['per_s']:.2f}")
        lines.append(f"{'':<9} {'8 vs 1':>7} | {result['http'][op][8]['per_s'] / result['http'][op][1]['per_s']:>10.2f}x"
                     f"{'':>16}| {result['sql'][op][8]['per_s'] / result['sql'][op][1]['per_s']:>10.2f}x")
    t = result["transfer"]
    lines.append(f"{t['mib']} MiB over HTTP: upload {t['upload_mib_s']:.0f} MiB/s, download "
                 f"{t['download_mib_s']:.0f} MiB/s; server peak RSS {result.get('server_rss_peak_mib', '?')} MiB")
    if "session_upload_mib_s" in t:
        lines.append(f"{t['mib']} MiB through an upload session (start, chunks of 16 MiB, complete): "
                     + ", ".join(f"{n} parallel chunk PUTs {v:.0f} MiB/s" for n, v in t["session_upload_mib_s"].items()))
    return "\n".join(lines)
