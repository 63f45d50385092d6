"""Layer figures of the benchmark: direct SQL against the Tarbox database, as tenant roles.

Four measurements (each figure keeps the SQL that produced it):

1. checkpoint cost: ``tarbox.layer_new`` with 10 files vs 100,000 files in the tenant
   (median of several calls; target ratio < 2);
2. lookup / stat / read cost (``fs_lookup``, ``fs_getattr``, ``fs_read``) of an old file
   at layer depth 1 vs depth 1,000 (1,000 layers, each changing some other file; target
   ratio < 1.2), timed inside the server (a PL/pgSQL loop) and as client round trips;
3. storage: a tree of 10,000 files, checkpoint, change one file, checkpoint: the rows
   and bytes the layer holding the change added (must be that change only);
4. diff cost: ``tarbox.diff`` between two layers with 1 change in a 1,000-file tree vs in
   a 100,000-file tree (should be similar), and with 1,000 changes (bigger).

Every tenant is created for the run (``bench-<stamp>-...``) and deleted afterwards.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import psycopg

from .. import db

#: Alternating measurement rounds per operation in figure 2 (the best round is reported).
ROUNDS = 7

#: Content written to every generated file i (text, so tarbox.diff counts lines).
FILE_SQL = "convert_to('file ' || i || E'\\nsecond line\\n' || repeat('x', 64) || E'\\n', 'UTF8')"


@dataclass
class LayerSizes:
    """Sizes of the layer measurements (full run or ``--quick``)."""

    big_files: int = 100_000      # the large tree of figures 1 and 4
    small_files: int = 10         # the small tree of figure 1
    mid_files: int = 1_000        # the small tree of figure 4
    store_files: int = 10_000     # the tree of figure 3
    depth: int = 1_000            # layers of figure 2
    many_changes: int = 1_000     # changes of the big diff of figure 4
    checkpoint_runs: int = 15     # layer_new calls per median
    diff_runs: int = 5            # diff calls per median
    loop_calls: int = 2_000       # calls per server-side timing loop (5 loops, median)
    rtt_calls: int = 500          # client round trips per operation (median)
    files_per_dir: int = 1_000

    @classmethod
    def full(cls) -> "LayerSizes":
        """Return the sizes of a full run."""
        return cls()

    @classmethod
    def quick(cls) -> "LayerSizes":
        """Return the reduced sizes of ``--quick``."""
        return cls(big_files=10_000, store_files=2_000, depth=100, checkpoint_runs=7,
                   diff_runs=3, loop_calls=500, rtt_calls=200)


@dataclass
class Figure:
    """One reported number with the SQL that produced it."""

    section: str
    label: str
    value: float | None
    unit: str
    command: str = ""
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Return the figure as a JSON-ready dict."""
        return asdict(self)


class LayerBench:
    """Runs the four layer measurements against the database of ``admin_dsn``.

    Args:
        admin_dsn: libpq DSN of an admin (superuser or tarbox_admin member) connection.
        prefix: tenant name prefix (``bench-<stamp>``); tenants are ``<prefix>-<what>``.
        sizes: :class:`LayerSizes`.
        log: callable taking one progress line (default: print).
        keep: keep the tenants after the run (default: delete them).
    """

    def __init__(self, admin_dsn: str, prefix: str, sizes: LayerSizes,
                 log: Callable[[str], None] = print, keep: bool = False):
        self.admin_dsn = admin_dsn
        self.prefix = prefix
        self.sizes = sizes
        self.log = log
        self.keep = keep
        self.figures: list[Figure] = []
        self.summary: dict[str, Any] = {}
        self.errors: list[str] = []
        self._tenants: list[str] = []
        self._conns: list[psycopg.Connection] = []
        self._admin = db.connect(admin_dsn)

    # ------------------------------------------------------------------ plumbing

    def tenant(self, what: str) -> psycopg.Connection:
        """Create tenant ``<prefix>-<what>`` and return an autocommit connection acting as it."""
        name = f"{self.prefix}-{what}"
        db.run(self._admin, "SELECT * FROM tarbox.tenant_create(%s)", (name,))
        self._tenants.append(name)
        conn = db.connect(self.admin_dsn)
        db.set_role(conn, db.tenant_role(self._admin, name))
        self._conns.append(conn)
        return conn

    def close(self) -> None:
        """Close the connections and delete the tenants (unless ``keep``)."""
        for c in self._conns:
            try:
                c.close()
            except Exception:
                pass
        if not self.keep:
            for name in self._tenants:
                try:
                    db.run(self._admin, "SELECT tarbox.tenant_delete(%s)", (name,))
                except Exception as exc:
                    self.errors.append(f"could not delete tenant {name}: {exc}")
        self._admin.close()

    def add(self, fig: Figure) -> Figure:
        """Record a figure and log it."""
        self.figures.append(fig)
        self.log(f"    {fig.label}: {_fmt(fig.value)} {fig.unit}")
        return fig

    @staticmethod
    def q(conn: psycopg.Connection, query: str, params: Any = None) -> list[tuple]:
        """Run ``query`` and return all rows (empty list when it returns none)."""
        cur = db.run(conn, query, params)
        return cur.fetchall() if cur.description else []

    def timed(self, conn: psycopg.Connection, query: str, params: Any = None) -> tuple[float, list]:
        """Run ``query`` once; return (seconds, rows)."""
        t0 = time.perf_counter()
        rows = self.q(conn, query, params)
        return time.perf_counter() - t0, rows

    def populate(self, conn: psycopg.Connection, root: str, n: int) -> float:
        """Write ``n`` files ``<root>/d<k>/f<i>`` (:attr:`LayerSizes.files_per_dir` per
        directory) through ``tarbox.write``, 1,000 per statement. Returns seconds."""
        per = self.sizes.files_per_dir
        t0 = time.perf_counter()
        self.q(conn, "SELECT tarbox.mkdir(%s, 493, true)", (root,))
        self.q(conn, "SELECT count(tarbox.mkdir(%s || '/d' || k)) FROM generate_series(0, %s::int) k",
               (root, (n - 1) // per))
        for start in range(0, n, 1000):
            self.q(conn, f"SELECT count(tarbox.write(%(r)s || '/d' || (i / %(per)s::int) || '/f' || i, "
                         f"{FILE_SQL})) FROM generate_series(%(a)s::int, %(b)s::int) i",
                   {"r": root, "per": per, "a": start, "b": min(n, start + 1000) - 1})
        dt = time.perf_counter() - t0
        self.log(f"    populated {n} files under {root} in {dt:.1f}s ({n / dt:.0f} files/s)")
        self.summary.setdefault("populate", []).append(
            {"files": n, "seconds": round(dt, 3), "files_per_s": round(n / dt, 1)})
        return dt

    def layer_new(self, conn: psycopg.Connection, name: str) -> int:
        """Checkpoint: ``tarbox.layer_new(name)``; returns the new (current) layer id."""
        return self.q(conn, "SELECT layer_id FROM tarbox.layer_new(%s)", (name,))[0][0]

    def server_loop(self, conn: psycopg.Connection, body: str, calls: int, declare: str = "") -> float:
        """Time ``calls`` executions of PL/pgSQL statement ``body`` inside one DO block;
        return the mean microseconds per call (server time: no client round trip)."""
        notes: list[str] = []

        def handler(diag: psycopg.errors.Diagnostic) -> None:
            """Collect the loop's NOTICE messages."""
            notes.append(diag.message_primary or "")

        conn.add_notice_handler(handler)
        try:
            self.q(conn, f"""DO $bench$
DECLARE t0 timestamptz; {declare}
BEGIN
    t0 := clock_timestamp();
    FOR i IN 1..{int(calls)} LOOP {body}; END LOOP;
    RAISE NOTICE 'bench_elapsed %', extract(epoch FROM clock_timestamp() - t0);
END $bench$""")
        finally:
            conn.remove_notice_handler(handler)
        elapsed = [float(n.split()[1]) for n in notes if n.startswith("bench_elapsed")]
        return elapsed[-1] / calls * 1e6

    def table_stats(self) -> dict:
        """Planner statistics of the Tarbox tables (reltuples, last (auto)analyze): plans,
        and so the figures, differ before and after the tables were first analyzed."""
        rows = self.q(self._admin, """
            SELECT c.relname, c.reltuples::bigint, s.n_live_tup,
                   greatest(s.last_analyze, s.last_autoanalyze)::text
              FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
             WHERE c.relnamespace = 'tarbox'::regnamespace
               AND c.relname IN ('inode', 'dentry', 'blockmap', 'block', 'layer')""")
        return {r[0]: {"reltuples": r[1], "live_rows": r[2], "last_analyzed": r[3]} for r in rows}

    # --------------------------------------------------------------- figure 1

    def checkpoint_cost(self, small: psycopg.Connection, big: psycopg.Connection) -> None:
        """Figure 1: ``layer_new`` time with few vs many files in the tenant (calls on the
        two tenants alternate, so background load hits both alike; medians compared)."""
        self.log("  B1 checkpoint cost")
        sides = (("small", small, self.sizes.small_files), ("big", big, self.sizes.big_files))
        times: dict[str, list[float]] = {"small": [], "big": []}
        for k in range(self.sizes.checkpoint_runs + 1):
            for label, conn, _n in sides:
                dt, _ = self.timed(conn, "SELECT * FROM tarbox.layer_new(%s)", (f"cp{k}",))
                if k:  # the first call warms the plan cache
                    times[label].append(dt)
        med = {}
        for label, _conn, n in sides:
            t = times[label]
            med[label] = statistics.median(t) * 1e3
            self.add(Figure("B1 checkpoint", f"layer_new, {n:,} files in the tenant (median)", med[label],
                            "ms", "SELECT * FROM tarbox.layer_new('cpN')",
                            {"median_of": len(t), "min_ms": min(t) * 1e3, "max_ms": max(t) * 1e3,
                             "files": n}))
        self.add(Figure("B1 checkpoint",
                        f"ratio {self.sizes.big_files:,} / {self.sizes.small_files} files (target < 2)",
                        med["big"] / med["small"], "x", "median(big) / median(small)",
                        {"min_ratio": min(times["big"]) / min(times["small"])}))

    # --------------------------------------------------------------- figure 2

    def _ops(self, parent: int, name: bytes, ino: int, layer: int | None = None) -> dict:
        """The three timed operations: ``{op: (plpgsql statement, client SQL, params, shown SQL)}``."""
        lay = "NULL" if layer is None else str(int(layer))
        lit = "'\\x" + name.hex() + "'"
        return {
            "lookup": (f"a := tarbox.fs_lookup({parent}, {lit}::bytea, {lay})",
                       "SELECT * FROM tarbox.fs_lookup(%s::bigint, %s::bytea, %s::int)", (parent, name, layer),
                       f"SELECT * FROM tarbox.fs_lookup({parent}, {lit}, {lay})"),
            "getattr": (f"a := tarbox.fs_getattr({ino}, {lay})",
                        "SELECT * FROM tarbox.fs_getattr(%s::bigint, %s::int)", (ino, layer),
                        f"SELECT * FROM tarbox.fs_getattr({ino}, {lay})"),
            "read": (f"b := tarbox.fs_read({ino}, 0, 4096, {lay})",
                     "SELECT tarbox.fs_read(%s::bigint, 0, 4096, %s::int)", (ino, layer),
                     f"SELECT tarbox.fs_read({ino}, 0, 4096, {lay})"),
        }

    def _one_round(self, conn: psycopg.Connection, op: tuple) -> tuple[float, float]:
        """Time one operation once: (server us/call over a loop, median client round trip us)."""
        body, query, params, _shown = op
        server = self.server_loop(conn, body, self.sizes.loop_calls, "a tarbox.attr; b bytea;")
        rtts = []
        for _ in range(self.sizes.rtt_calls // 5 or 1):
            t0 = time.perf_counter()
            conn.execute(query, params).fetchall()
            rtts.append(time.perf_counter() - t0)
        return server, statistics.median(rtts) * 1e6

    def _make_deep_tree(self, conn: psycopg.Connection) -> tuple[int, int]:
        self.q(conn, "SELECT tarbox.mkdir('/deep')")
        self.q(conn, "SELECT tarbox.write('/deep/target', "
                     "convert_to(repeat('old file line' || E'\\n', 400), 'UTF8'))")
        self.q(conn, "SELECT count(tarbox.write('/deep/s' || i, convert_to('sibling ' || i, 'UTF8'))) "
                     "FROM generate_series(0, 99) i")
        parent = self.q(conn, "SELECT ino FROM tarbox.stat('/deep')")[0][0]
        ino = self.q(conn, "SELECT ino FROM tarbox.stat('/deep/target')")[0][0]
        return parent, ino

    def depth_cost(self, shallow: psycopg.Connection, deep: psycopg.Connection) -> None:
        """Figure 2: lookup / getattr / read of an old file at depth 1 vs depth N.

        Two tenants get the same tree (``/deep/target``, 4 KiB written in the first layer,
        and 100 siblings); the deep one then gets N-1 more layers, each rewriting a sibling.
        The same calls are timed on both, alternating rounds (5 per operation), so that
        background load hits both sides alike; medians are compared."""
        n = self.sizes.depth
        self.log(f"  B2 lookup / stat / read at layer depth 1 vs {n:,}")
        p1, i1 = self._make_deep_tree(shallow)
        p2, i2 = self._make_deep_tree(deep)
        t0 = time.perf_counter()
        done = 1
        while done < n:
            hi = min(n, done + 100)
            self.q(deep, f"""DO $mk$ BEGIN
  FOR i IN {done + 1}..{hi} LOOP
    PERFORM tarbox.write('/deep/s' || (i % 100), convert_to('version ' || i, 'UTF8'));
    PERFORM tarbox.layer_new('d' || i);
  END LOOP; END $mk$""")
            done = hi
        mk = time.perf_counter() - t0
        # Measure in the steady state autovacuum keeps: the 1,000 checkpoints left 1,000 dead
        # versions of the tenant row (current_layer) that a lookup would otherwise walk.
        admin = db.connect(self.admin_dsn)
        try:
            admin.execute("VACUUM (ANALYZE) tarbox.tenant, tarbox.layer, tarbox.inode, tarbox.dentry,"
                          " tarbox.blockmap, tarbox.block")
        finally:
            admin.close()
        depth = {c: self.q(c, "SELECT count(*) FROM tarbox.layer")[0][0] for c in (shallow, deep)}
        self.log(f"    made {depth[deep] - 1} layers in {mk:.1f}s ({(depth[deep] - 1) / mk:.0f} layers/s)")
        self.summary["depth"] = {
            "layers": depth[deep], "make_layers_seconds": round(mk, 3),
            "make_command": "DO $$ BEGIN FOR i IN a..b LOOP PERFORM tarbox.write('/deep/s' || (i % 100), "
                            "...); PERFORM tarbox.layer_new('d' || i); END LOOP; END $$ (100 per DO block); "
                            "then VACUUM (ANALYZE) of the tarbox tables"}
        self.summary["depth"]["table_stats"] = self.table_stats()
        self.summary["depth"]["blocks"] = {
            "depth 1": self.q(shallow, "SELECT count(*) FROM tarbox.block")[0][0],
            f"depth {depth[deep]}": self.q(deep, "SELECT count(*) FROM tarbox.block")[0][0]}
        ops1, ops2 = self._ops(p1, b"target", i1), self._ops(p2, b"target", i2)
        ops_hist = self._ops(p2, b"target", i2, layer=1)
        for op in ("lookup", "getattr", "read"):
            for c, o in ((shallow, ops1[op]), (deep, ops2[op]), (deep, ops_hist[op])):
                self.server_loop(c, o[0], 100, "a tarbox.attr; b bytea;")  # warm plan caches
            s1, s2, sh, r1, r2, rh = [], [], [], [], [], []
            for _ in range(ROUNDS):
                a, b = self._one_round(shallow, ops1[op]); s1.append(a); r1.append(b)
                a, b = self._one_round(deep, ops2[op]); s2.append(a); r2.append(b)
                a, b = self._one_round(deep, ops_hist[op]); sh.append(a); rh.append(b)
            m1, m2, mh = min(s1), min(s2), min(sh)
            q1, q2, qh = min(r1), min(r2), min(rh)
            med = statistics.median
            self.add(Figure("B2 depth", f"{op} at depth 1 (server, best round)", m1, "us/call", ops1[op][3],
                            {"median_server_us": med(s1), "roundtrip_us_best": q1,
                             "roundtrip_us_median": med(r1), "rounds_server_us": s1}))
            self.add(Figure("B2 depth", f"{op} at depth {depth[deep]:,} (server, best round)", m2, "us/call",
                            ops2[op][3], {"median_server_us": med(s2), "roundtrip_us_best": q2,
                                          "roundtrip_us_median": med(r2), "rounds_server_us": s2,
                                          "as_of_layer_1": {"sql": ops_hist[op][3], "server_us_best": mh,
                                                            "server_us_median": med(sh),
                                                            "roundtrip_us_best": qh}}))
            self.add(Figure("B2 depth", f"{op} ratio depth {depth[deep]:,} / 1 (target < 1.2)", m2 / m1, "x",
                            f"best of {ROUNDS} alternating rounds of {self.sizes.loop_calls} calls in a "
                            "PL/pgSQL loop, server time per call",
                            {"median_ratio": med(s2) / med(s1), "roundtrip_ratio": q2 / q1,
                             "as_of_layer_1_ratio": mh / m1}))

    # --------------------------------------------------------------- figure 3

    def storage(self, conn: psycopg.Connection) -> None:
        """Figure 3: rows and bytes added by a layer that changes one file of a big tree."""
        n = self.sizes.store_files
        self.log(f"  B3 storage of a one-file change in a {n:,}-file tree")
        self.populate(conn, "/t", n)
        self.layer_new(conn, "s1")
        changed = f"/t/d{(n // 2) // self.sizes.files_per_dir}/f{n // 2}"
        blocks_q = ("SELECT count(*), coalesce(sum(octet_length(data)), 0), "
                    "coalesce(sum(pg_column_size(data)), 0) FROM tarbox.block")
        before = self.q(conn, blocks_q)[0]
        layer = self.q(conn, "SELECT current_layer FROM tarbox.tenant")[0][0]
        change_sql = f"SELECT tarbox.write('{changed}', convert_to('changed content', 'UTF8'))"
        self.q(conn, change_sql)
        after = self.q(conn, blocks_q)[0]
        self.layer_new(conn, "s2")
        ino = self.q(conn, "SELECT ino FROM tarbox.stat(%s)", (changed,))[0][0]
        rows = {}
        for table in ("inode", "dentry", "blockmap", "xattr"):
            born = self.q(conn, f"SELECT count(*), coalesce(sum(pg_column_size(x.*)), 0), "
                                f"count(*) FILTER (WHERE x.ino <> %s) FROM tarbox.{table} x "
                                f"WHERE x.born = %s", (ino, layer))[0]
            died = self.q(conn, f"SELECT count(*) FROM tarbox.{table} x WHERE x.died = %s", (layer,))[0][0]
            total = self.q(conn, f"SELECT count(*) FROM tarbox.{table}")[0][0]
            rows[table] = {"rows_born": born[0], "row_bytes": born[1], "rows_of_other_inodes": born[2],
                           "rows_closed": died, "rows_total": total}
        rows["block"] = {"rows_born": after[0] - before[0], "data_bytes": after[1] - before[1],
                         "stored_bytes": after[2] - before[2], "rows_total": after[0]}
        only = all(r.get("rows_of_other_inodes", 0) == 0 for r in rows.values()) and rows["dentry"]["rows_born"] == 0
        added_rows = sum(r["rows_born"] for r in rows.values())
        added_bytes = sum(r.get("row_bytes", 0) for r in rows.values()) + rows["block"]["stored_bytes"]
        cmd = (f"tree of {n:,} files; layer_new('s1'); {change_sql}; layer_new('s2'); then per table: "
               f"SELECT count(*), sum(pg_column_size(x.*)) FROM tarbox.<table> x WHERE born = {layer}; "
               "blocks: count/sum(octet_length(data)) of tarbox.block before and after the write")
        self.add(Figure("B3 storage", "rows added by the layer with the change", added_rows, "rows", cmd,
                        {"by_table": rows, "changed_path": changed, "layer": layer}))
        self.add(Figure("B3 storage", "bytes added (row bytes + stored block bytes)", added_bytes, "bytes",
                        "(same commands)"))
        self.add(Figure("B3 storage", "only the change (1 = yes)", 1.0 if only else 0.0, "",
                        "no row born in the layer belongs to another inode, no dentry born"))
        for t in ("inode", "dentry", "blockmap", "block"):
            self.log(f"      {t}: +{rows[t]['rows_born']} rows, {rows[t].get('rows_closed', 0)} closed")

    # --------------------------------------------------------------- figure 4

    def _prepare_diff(self, conn: psycopg.Connection, label: str, files: int, changes: int) -> tuple[int, int]:
        """Checkpoint, change ``changes`` distinct files of the ``/t`` tree of ``files`` files,
        checkpoint. Returns (layer before the change, layer holding it)."""
        lo = self.q(conn, "SELECT current_layer FROM tarbox.tenant")[0][0]
        hi = self.layer_new(conn, f"{label}-a")
        self.q(conn, "SELECT count(tarbox.write('/t/d' || ((i * 7) %% %(n)s::int / %(per)s::int) || '/f' "
                     "|| ((i * 7) %% %(n)s::int), convert_to('changed ' || i, 'UTF8'))) "
                     "FROM generate_series(0, %(c)s::int) i",
               {"n": files, "per": self.sizes.files_per_dir, "c": changes - 1})
        self.layer_new(conn, f"{label}-b")
        return lo, hi

    def diff_cost(self, mid: psycopg.Connection, big: psycopg.Connection) -> None:
        """Figure 4: diff time with 1 change in a small vs a large tree, and with many changes
        in the large tree (the three diffs are timed in alternating rounds; medians)."""
        self.log("  B4 diff cost")
        cases = [("one-mid", mid, self.sizes.mid_files, 1),
                 ("one-big", big, self.sizes.big_files, 1),
                 ("many-big", big, self.sizes.big_files, self.sizes.many_changes)]
        layers = {label: self._prepare_diff(conn, label, files, changes)
                  for label, conn, files, changes in cases}
        query = "SELECT count(*) FROM tarbox.diff(%s, %s)"
        times: dict[str, list[float]] = {c[0]: [] for c in cases}
        counts: dict[str, int] = {}
        for k in range(self.sizes.diff_runs + 1):
            for label, conn, _files, _changes in cases:
                lo, hi = layers[label]
                dt, rows = self.timed(conn, query, (str(lo), str(hi)))
                counts[label] = rows[0][0]
                if k:  # the first round warms caches and plans
                    times[label].append(dt)
        res = {}
        for label, _conn, files, changes in cases:
            t = times[label]
            res[label] = statistics.median(t) * 1e3
            lo, hi = layers[label]
            self.add(Figure("B4 diff", f"diff, {changes:,} change(s) in a {files:,}-file tree (median)",
                            res[label], "ms", f"SELECT * FROM tarbox.diff('{lo}', '{hi}')",
                            {"rows": counts[label], "median_of": len(t), "min_ms": min(t) * 1e3}))
            if counts[label] != changes:
                self.errors.append(f"diff {label}: {counts[label]} rows for {changes} changes")
        self.add(Figure("B4 diff", f"ratio 1 change: {self.sizes.big_files:,} / {self.sizes.mid_files:,} "
                        "files (similar = ~1)", res["one-big"] / res["one-mid"], "x"))
        self.add(Figure("B4 diff", f"ratio {self.sizes.many_changes:,} changes / 1 change "
                        f"({self.sizes.big_files:,} files; bigger)", res["many-big"] / res["one-big"], "x"))

    # ------------------------------------------------------------------ all

    def run(self, only: set[str] | None = None) -> dict:
        """Run figures 1-4 (or those in ``only``: {"1","2","3","4"}); return a JSON-ready
        dict ``{"figures": [...], "summary": {...}, "errors": [...], "sizes": {...}}``.
        A failing figure is recorded in ``errors``; the others still run."""
        want = only or {"1", "2", "3", "4"}
        conns: dict[str, psycopg.Connection] = {}

        def get(what: str, files: int) -> psycopg.Connection:
            """The connection of tenant ``what``, created (with ``files`` files) on first use."""
            if what not in conns:
                conns[what] = self.tenant(what)
                if files:
                    self.populate(conns[what], "/t", files)
            return conns[what]

        steps = [
            ("1", lambda: self.checkpoint_cost(get("small", self.sizes.small_files),
                                               get("big", self.sizes.big_files))),
            ("2", lambda: self.depth_cost(get("shallow", 0), get("deep", 0))),
            ("3", lambda: self.storage(get("store", 0))),
            ("4", lambda: self.diff_cost(get("mid", self.sizes.mid_files),
                                         get("big", self.sizes.big_files))),
        ]
        try:
            for key, fn in steps:
                if key not in want:
                    continue
                try:
                    fn()
                except Exception as exc:
                    self.errors.append(f"B{key}: {type(exc).__name__}: {exc}")
                    self.log(f"  B{key} FAILED: {exc}")
        finally:
            self.close()
        return {"figures": [f.as_dict() for f in self.figures], "summary": self.summary,
                "errors": self.errors, "sizes": asdict(self.sizes), "tenant_prefix": self.prefix}


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if abs(v) >= 100 or v == int(v):
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"
