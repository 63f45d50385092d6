"""The bridge's own counters of one mount, shown in ``/.tarbox/stats/performance`` and
``/.tarbox/stats/cache`` (:mod:`.control`): requests, latency and errors per FUSE operation
since the mount started, SQL calls, and what the bridge did to the kernel's caches.

Kept always and cheaply: a request adds two clock reads, one bucket of a latency histogram
(buckets a quarter of a power of two wide, so a percentile is known to within 19 %) and a few
integer increments; nothing here makes an SQL call. Only the trio thread records requests;
the change listener's thread adds to plain integer counters (a lost increment under a race
would only make a counter low by one).

Imports: nothing of Tarbox (the standard library only).
"""

from __future__ import annotations

import time

#: Sub-buckets per power of two of the latency histogram.
SUB = 4


def _bucket(ns: int) -> int:
    """The histogram bucket of a latency in ns (0 for < 1 ns)."""
    if ns <= 0:
        return 0
    e = ns.bit_length() - 1
    if e < 2:
        return e * SUB + 1
    return e * SUB + ((ns >> (e - 2)) & 3) + 1


def _upper_ns(bucket: int) -> float:
    """The upper bound (ns) of a histogram bucket."""
    if bucket == 0:
        return 1.0
    e, s = divmod(bucket - 1, SUB)
    return (2 ** e) * (1 + (s + 1) / SUB)


class OpStats:
    """Counters of one FUSE operation: requests, failures, total and max time, histogram."""

    __slots__ = ("count", "errors", "total_ns", "max_ns", "hist")

    def __init__(self) -> None:
        self.count = 0
        self.errors = 0
        self.total_ns = 0
        self.max_ns = 0
        self.hist: dict[int, int] = {}

    def percentile_us(self, q: float) -> float:
        """The latency (us, upper bound of its bucket) below which a fraction ``q`` of the
        requests fall; 0.0 when there were none."""
        if not self.count:
            return 0.0
        want = q * self.count
        seen = 0
        for b in sorted(self.hist):
            seen += self.hist[b]
            if seen >= want:
                return min(_upper_ns(b), self.max_ns) / 1e3
        return self.max_ns / 1e3


class BridgeStats:
    """The counters of one mount (see the module docstring). ``record`` is called by the
    dispatcher for every request; ``sql_calls``/``sql_errors`` by the components that call
    SQL; the ``inval_*`` and ``notifications_*`` counters by the change listener."""

    def __init__(self) -> None:
        self.started = time.time()
        self.started_mono = time.monotonic()
        self.ops: dict[str, OpStats] = {}
        self.sql_calls = 0
        self.sql_errors = 0
        self.sql_retries = 0
        self.inval_inodes = 0
        self.inval_entries = 0
        self.inval_everything = 0
        self.notifications_received = 0
        self.notifications_handled = 0
        self.flushes = 0

    def record(self, name: str, elapsed_ns: int, failed: bool) -> None:
        """Account one request of operation ``name`` that took ``elapsed_ns``."""
        op = self.ops.get(name)
        if op is None:
            op = self.ops[name] = OpStats()
        op.count += 1
        op.errors += failed
        op.total_ns += elapsed_ns
        if elapsed_ns > op.max_ns:
            op.max_ns = elapsed_ns
        b = _bucket(elapsed_ns)
        op.hist[b] = op.hist.get(b, 0) + 1

    def performance_text(self) -> str:
        """``stats/performance``: a header of totals, then one line per operation (most
        requests first): count, errors, mean, p50, p99 and max latency in microseconds."""
        up = time.monotonic() - self.started_mono
        total = sum(o.count for o in self.ops.values())
        errors = sum(o.errors for o in self.ops.values())
        lines = [f"uptime_s {up:.1f}", f"requests {total}", f"errors {errors}",
                 f"sql_calls {self.sql_calls}", f"sql_errors {self.sql_errors}",
                 f"sql_retries {self.sql_retries}",
                 f"sql_calls_per_request {self.sql_calls / total:.3f}" if total else "sql_calls_per_request 0",
                 f"flushes {self.flushes}",
                 "# operation count errors mean_us p50_us p99_us max_us"]
        for name, o in sorted(self.ops.items(), key=lambda kv: (-kv[1].count, kv[0])):
            lines.append(f"{name} {o.count} {o.errors} {o.total_ns / o.count / 1e3:.1f} "
                         f"{o.percentile_us(0.5):.1f} {o.percentile_us(0.99):.1f} {o.max_ns / 1e3:.1f}")
        return "\n".join(lines) + "\n"

    def cache_text(self, known: dict) -> str:
        """``stats/cache``: ``known`` (what the bridge knows the kernel holds, from the tree
        component) followed by the invalidations sent and the notifications heard."""
        lines = [f"{k} {v}" for k, v in known.items()]
        lines += [f"invalidated_inodes {self.inval_inodes}", f"invalidated_entries {self.inval_entries}",
                  f"invalidated_everything {self.inval_everything}",
                  f"notifications_received {self.notifications_received}",
                  f"notifications_handled {self.notifications_handled}"]
        return "\n".join(lines) + "\n"
