"""Storage figures of the benchmark: sizes (not timings, except the append cost and gc).

Five measurements, each kept with the SQL or command behind it:

S1. versions of a text file: one real 10,000-line source text (the largest ``.py`` files of
    the Django sdist, concatenated until 10,000 lines), then 99 layers each changing one line
    (in place, inserted or deleted, in turn) through ``tarbox.write``; every version is read
    back as of its layer and compared; the figure is the bytes of every row needed to read all
    100 versions (chunk blocks as stored, chunk map and inode rows, with tuple headers) over
    the size of one copy (target <= 2);
S2. the Django source tree imported three times into one tenant (``tarbox import``): stored
    block bytes, and block plus row bytes, over those of one copy (target <= 1.1); and the
    same tree in a second tenant, which pays for its own copy;
S3. a 1 GiB file (64 MiB with ``--quick``) of random bytes, then 1 MiB of it overwritten in
    a new layer: what the tenant's storage grew by (target <= 2 MiB + metadata);
S4. the Django sdist extracted through a FUSE mount (``tar -xzf``): bytes of live blocks and
    of garbage before gc (target: garbage <= 10% of live), then ``tarbox.gc()``'s time;
S5. append cost: one line appended to a 10,000-line and to a 100-line text file and the
    file closed, as the FUSE bridge does it (``fs_write(.., append)`` then ``fs_release``),
    alternating, median of each; the ratio (target <= 2).

Tenants ``<prefix>-<what>`` are created for the run and deleted afterwards.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import psycopg

from .. import db
from .layers import Figure, LayerBench

MIB = 1024 * 1024

#: Bytes of the rows needed to read a tenant's data: blocks as stored (pg_column_size of the
#: data: after compression) plus, for every row, its columns and the 24-byte tuple header
#: with its 4-byte line pointer. Indexes are not counted (they are not needed to read).
ROW_BYTES_SQL = """
SELECT (SELECT coalesce(sum(pg_column_size(b.data) + 8 + 33 + 28), 0) FROM tarbox.block b) AS blocks,
       (SELECT coalesce(sum(pg_column_size(k.*) + 28), 0) FROM tarbox.chunkmap k) AS chunkmap,
       (SELECT coalesce(sum(pg_column_size(m.*) + 28), 0) FROM tarbox.blockmap m) AS blockmap,
       (SELECT coalesce(sum(pg_column_size(i.*) + 28), 0) FROM tarbox.inode i) AS inode,
       (SELECT coalesce(sum(pg_column_size(d.*) + 28), 0) FROM tarbox.dentry d) AS dentry
"""


def source_text(tarball: Path, lines: int = 10_000) -> bytes:
    """A real source text of exactly ``lines`` lines: the largest ``.py`` files of the
    tarball, largest first, concatenated (distinct code, no repetition)."""
    with tarfile.open(tarball) as tf:
        members = sorted((m for m in tf.getmembers() if m.isfile() and m.name.endswith(".py")),
                         key=lambda m: -m.size)
        out: list[bytes] = []
        for m in members:
            out.extend(tf.extractfile(m).read().splitlines(keepends=True))
            if len(out) >= lines:
                break
    return b"".join(out[:lines])


def edit(lines: list[bytes], i: int, rng: random.Random) -> list[bytes]:
    """Version ``i``'s one-line change of ``lines``: replace, insert or delete one line."""
    k = rng.randrange(1, len(lines) - 1)
    kind = i % 3
    if kind == 0:
        return lines[:k] + [b"    # changed in version %d\n" % i] + lines[k + 1:]
    if kind == 1:
        return lines[:k] + [b"    # inserted in version %d\n" % i] + lines[k:]
    return lines[:k] + lines[k + 1:]


class StorageBench(LayerBench):
    """Runs the storage measurements S1-S5 against the database of ``admin_dsn``.

    Args:
        admin_dsn: libpq DSN of an administrator connection.
        prefix: tenant name prefix.
        tarball: the Django sdist.
        quick: smaller sizes (S3: 64 MiB instead of 1 GiB; S5: fewer rounds).
        workdir: scratch directory on a local disk (S2's extracted tree, S4's mount).
        log: progress line callable.
        keep: keep the tenants.
    """

    def __init__(self, admin_dsn: str, prefix: str, tarball: Path, quick: bool, workdir: Path,
                 log: Callable[[str], None] = print, keep: bool = False):
        super().__init__(admin_dsn, prefix, sizes=None, log=log, keep=keep)  # type: ignore[arg-type]
        self.tarball = tarball
        self.quick = quick
        self.workdir = workdir

    def row_bytes(self, conn: psycopg.Connection) -> dict[str, int]:
        """{table: bytes} of the tenant's rows (see ROW_BYTES_SQL) after a VACUUM of the
        tables, so that dead row versions are not counted."""
        for t in ("block", "chunkmap", "blockmap", "inode", "dentry"):
            db.run(self._admin, f"VACUUM tarbox.{t}")
        cur = db.run(conn, ROW_BYTES_SQL)
        return dict(zip([c.name for c in cur.description], [int(v) for v in cur.fetchone()]))

    def usage(self, conn: psycopg.Connection) -> dict[str, Any]:
        """The tenant's ``tarbox.usage()`` row as a dict."""
        cur = db.run(conn, "SELECT * FROM tarbox.usage()")
        return dict(zip([c.name for c in cur.description], cur.fetchone()))

    # ------------------------------------------------------------------ S1

    def versions(self, conn: psycopg.Connection) -> None:
        """S1: 100 versions of a 10,000-line file, one line changed per layer."""
        self.log("  S1 100 layers of a 10,000-line file, one line changed in each")
        text = source_text(self.tarball)
        lines = text.splitlines(keepends=True)
        rng = random.Random(10)
        versions = [lines]
        t0 = time.perf_counter()
        self.q(conn, "SELECT tarbox.write('/src.py', %s::bytea)", (text,))
        for i in range(1, 100):
            self.layer_new(conn, f"v{i}")
            versions.append(edit(versions[-1], i, rng))
            self.q(conn, "SELECT tarbox.write('/src.py', %s::bytea)", (b"".join(versions[-1]),))
        dt = time.perf_counter() - t0
        bad = [i for i, v in enumerate(versions)
               if bytes(self.q(conn, "SELECT tarbox.read('/src.py', 0, NULL, %s)", (str(i + 1),))[0][0])
               != b"".join(v)]
        if bad:
            self.errors.append(f"S1: versions {bad[:5]} read back differently")
        rows = self.row_bytes(conn)
        total = sum(rows.values()) - rows["dentry"]
        u = self.usage(conn)
        self.add(Figure("S1 versions", "one copy of the 10,000-line file", len(text), "bytes",
                        f"{len(lines)} lines of the largest .py files of {self.tarball.name}"))
        self.add(Figure("S1 versions", "all 100 versions: chunks + chunk map + inode rows", total, "bytes",
                        "sum of pg_column_size over the tenant's block, chunkmap, blockmap and inode rows "
                        "(+28 bytes header and line pointer each), after VACUUM", {"rows": rows}))
        self.add(Figure("S1 versions", "ratio all versions / one copy (target <= 2)", total / len(text), "x",
                        detail={"chunks_live": u["chunks"], "blocks": u["blocks"],
                                "write_seconds": round(dt, 2), "versions_verified": 100 - len(bad)}))

    # ------------------------------------------------------------------ S2

    def imports(self) -> None:
        """S2: the Django tree imported three times into one tenant, once into another."""
        self.log("  S2 the Django tree imported three times")
        src = Path(tempfile.mkdtemp(dir=self.workdir, prefix="django-"))
        subprocess.run(["tar", "-xzf", str(self.tarball), "-C", str(src), "--strip-components=1"], check=True)
        conn = self.tenant("imports")
        other = self.tenant("imports-other")
        env = dict(os.environ, TARBOX_DSN=self.admin_dsn)
        tenant = f"{self.prefix}-imports"

        def tarbox_import(name: str, dest: str) -> float:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "tarbox_shell", "import", str(src), f"{name}:{dest}"],
                           check=True, env=env, capture_output=True)
            return time.perf_counter() - t0

        secs = [tarbox_import(tenant, "/copy1")]
        one_rows = self.row_bytes(conn)
        one = self.usage(conn)
        secs += [tarbox_import(tenant, "/copy2"), tarbox_import(tenant, "/copy3")]
        three_rows = self.row_bytes(conn)
        three = self.usage(conn)
        tarbox_import(f"{self.prefix}-imports-other", "/copy1")
        other_u = self.usage(other)
        cmd = f"tarbox import <django-5.1.4> {tenant}:/copyN (N = 1, 2, 3)"
        self.add(Figure("S2 imports", "one copy: block bytes stored (compressed)", one["stored_bytes"], "bytes", cmd,
                        {"logical_bytes": one["logical_bytes"], "unique_bytes": one["unique_bytes"],
                         "text_files": one["text_files"], "import_seconds": [round(s, 1) for s in secs]}))
        self.add(Figure("S2 imports", "three copies / one copy: block bytes (target <= 1.1)",
                        three["stored_bytes"] / one["stored_bytes"], "x"))
        self.add(Figure("S2 imports", "three copies / one copy: block + row bytes", sum(three_rows.values())
                        / sum(one_rows.values()), "x", detail={"one": one_rows, "three": three_rows}))
        self.add(Figure("S2 imports", "the same tree in another tenant: its own block bytes",
                        other_u["stored_bytes"], "bytes", "each tenant pays for its own copy"))
        if other_u["stored_bytes"] < 0.9 * one["stored_bytes"]:
            self.errors.append("S2: the second tenant stores less than one copy")

    # ------------------------------------------------------------------ S3

    def big_overwrite(self, conn: psycopg.Connection) -> None:
        """S3: a big random file, 1 MiB overwritten in a new layer."""
        size = (64 if self.quick else 1024) * MIB
        self.log(f"  S3 a {size // MIB} MiB file, 1 MiB overwritten in a new layer")
        rng = random.Random(3)
        self.q(conn, "SELECT tarbox.write('/big', ''::bytea)")
        ino = self.q(conn, "SELECT ino FROM tarbox.stat('/big')")[0][0]
        for off in range(0, size, MIB):
            self.q(conn, "SELECT tarbox.fs_write(%s, %s, %s)", (ino, off, rng.randbytes(MIB)))
        self.q(conn, "SELECT tarbox.fs_release(%s)", (ino,))
        before_rows = self.row_bytes(conn)
        before = self.usage(conn)
        self.layer_new(conn, "overwrite")
        off = size // 2 + 12345  # not block-aligned: 17 blocks touched
        self.q(conn, "SELECT tarbox.fs_write(%s, %s, %s)", (ino, off, rng.randbytes(MIB)))
        self.q(conn, "SELECT tarbox.fs_release(%s)", (ino,))
        after_rows = self.row_bytes(conn)
        after = self.usage(conn)
        growth = after["stored_bytes"] - before["stored_bytes"]
        meta = (sum(after_rows.values()) - after_rows["blocks"]) - (sum(before_rows.values()) - before_rows["blocks"])
        self.add(Figure("S3 overwrite", f"block bytes grown by 1 MiB overwritten in a {size // MIB} MiB file",
                        growth, "bytes", f"fs_write(ino, {off}, <1 MiB>) in a new layer",
                        {"target": 2 * MIB, "unique_bytes_growth": after["unique_bytes"] - before["unique_bytes"]}))
        self.add(Figure("S3 overwrite", "metadata rows grown by", meta, "bytes",
                        detail={"before": before_rows, "after": after_rows}))

    # ------------------------------------------------------------------ S4

    def fuse_extract(self) -> None:
        """S4: the Django sdist extracted through a mount; garbage before gc; gc time."""
        self.log("  S4 Django extract through FUSE: garbage before gc")
        name = f"{self.prefix}-extract"
        db.run(self._admin, "SELECT * FROM tarbox.tenant_create(%s)", (name,))
        self._tenants.append(name)
        conn = db.connect(self.admin_dsn)
        db.set_role(conn, db.tenant_role(self._admin, name))
        self._conns.append(conn)
        mnt = Path(tempfile.mkdtemp(dir=self.workdir, prefix="mnt-"))
        env = dict(os.environ, TARBOX_DSN=self.admin_dsn)
        cli = [sys.executable, "-m", "tarbox_shell"]
        subprocess.run(cli + ["mount", name, str(mnt)], check=True, env=env, capture_output=True)
        try:
            t0 = time.perf_counter()
            subprocess.run(["tar", "-xzf", str(self.tarball), "-C", str(mnt)], check=True)
            extract_s = time.perf_counter() - t0
        finally:
            subprocess.run(cli + ["umount", str(mnt)], env=env, capture_output=True)
        u = self.usage(conn)
        live = u["unique_bytes"] - u["garbage_bytes"]
        self.add(Figure("S4 extract", "live block bytes after the extract", live, "bytes",
                        f"tar -xzf {self.tarball.name} -C <mount>",
                        {"extract_seconds": round(extract_s, 1), "blocks": u["blocks"],
                         "text_files": u["text_files"]}))
        self.add(Figure("S4 extract", "garbage / live before gc (target <= 10%)",
                        100.0 * u["garbage_bytes"] / live if live else None, "%",
                        detail={"garbage_bytes": u["garbage_bytes"]}))
        t0 = time.perf_counter()
        row = self.q(conn, "SELECT blocks_freed, bytes_freed, ms FROM tarbox.gc()")[0]
        self.add(Figure("S4 extract", "tarbox.gc() after the extract", (time.perf_counter() - t0) * 1e3, "ms",
                        "SELECT * FROM tarbox.gc()", {"blocks_freed": row[0], "bytes_freed": row[1],
                                                      "server_ms": float(row[2])}))

    # ------------------------------------------------------------------ S5

    def append_cost(self, conn: psycopg.Connection) -> None:
        """S5: append one line and release, to a 10,000-line and to a 100-line file."""
        self.log("  S5 append cost: 10,000-line vs 100-line file")
        text = source_text(self.tarball)
        lines = text.splitlines(keepends=True)
        inos = {}
        for n in (10_000, 100):
            self.q(conn, "SELECT tarbox.write(%s, %s::bytea)", (f"/log{n}", b"".join(lines[:n])))
            inos[n] = self.q(conn, "SELECT ino FROM tarbox.stat(%s)", (f"/log{n}",))[0][0]
        rounds = 100 if self.quick else 400
        times: dict[int, list[float]] = {10_000: [], 100: []}
        line = b"2026-12-01 12:00:00 INFO appended one more line of a log\n"
        for k in range(rounds + 10):
            for n in (10_000, 100):
                t0 = time.perf_counter()
                self.q(conn, "SELECT tarbox.fs_write(%s, 0, %s, true)", (inos[n], line))
                self.q(conn, "SELECT tarbox.fs_release(%s)", (inos[n],))
                if k >= 10:
                    times[n].append(time.perf_counter() - t0)
        big, small = statistics.median(times[10_000]) * 1e6, statistics.median(times[100]) * 1e6
        self.add(Figure("S5 append", "append a line + release, 10,000-line file (median)", big, "us",
                        "SELECT tarbox.fs_write(ino, 0, line, true); SELECT tarbox.fs_release(ino)"))
        self.add(Figure("S5 append", "append a line + release, 100-line file (median)", small, "us"))
        self.add(Figure("S5 append", "ratio 10,000 / 100 lines (target <= 2)", big / small, "x",
                        detail={"rounds": rounds}))
        for n in (10_000, 100):
            want = b"".join(lines[:n]) + line * (rounds + 10)
            got = bytes(self.q(conn, "SELECT tarbox.read(%s)", (f"/log{n}",))[0][0])
            if got != want:
                self.errors.append(f"S5: /log{n} reads back differently")

    # ------------------------------------------------------------------ all

    def run(self, only: set[str] | None = None) -> dict:  # type: ignore[override]
        """Run S1-S5 (or those in ``only``: {"S1", ...}); return a JSON-ready dict like
        :meth:`LayerBench.run`."""
        want = only or {"S1", "S2", "S3", "S4", "S5"}
        steps = [
            ("S1", lambda: self.versions(self.tenant("versions"))),
            ("S2", self.imports),
            ("S3", lambda: self.big_overwrite(self.tenant("overwrite"))),
            ("S4", self.fuse_extract),
            ("S5", lambda: self.append_cost(self.tenant("append"))),
        ]
        try:
            for key, fn in steps:
                if key not in want:
                    continue
                try:
                    fn()
                except Exception as exc:
                    self.errors.append(f"{key}: {type(exc).__name__}: {exc}")
                    self.log(f"  {key} FAILED: {exc}")
        finally:
            self.close()
        return {"figures": [f.as_dict() for f in self.figures], "summary": self.summary,
                "errors": self.errors, "quick": self.quick, "tenant_prefix": self.prefix}
