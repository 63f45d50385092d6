"""The audit of reads below compositions (issue 11, level full): the compose_* calls that serve
reads are read-only, so the mount reports lookups, listings and each file it read (at
release) below a composition to ``tarbox.compose_report``, as it does for its own tree. Tenant A publishes a small
tree; B composes it read-only at /ro and copy-on-write at /cow, at level full, and reads
through a real mount."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg
import pytest

from tests.fuse.support import Mount, needs_fuse, wait_for

pytestmark = needs_fuse

READ_SCRIPT = ("import os, sys\nfd = os.open(sys.argv[1], os.O_RDONLY)\nn = 0\n"
               "while True:\n    b = os.read(fd, 4096)\n    n += len(b)\n    if not b: break\n"
               "os.close(fd)\nprint(os.getpid(), n)\n")


def _read(path) -> tuple[int, int]:
    """Read ``path`` in a child process: (its pid, bytes read)."""
    out = subprocess.run([sys.executable, "-c", READ_SCRIPT, str(path)], capture_output=True, text=True,
                         check=True)
    pid, n = map(int, out.stdout.split())
    return pid, n


def _reads(tenant, after: int, pid: int, op: str = "read") -> list[tuple]:
    return tenant.conn.execute(
        "SELECT path, bytes, ino, details, ok, errno FROM tarbox.audit WHERE seq > %s AND op = %s AND pid = %s "
        "ORDER BY seq", (after, op, pid)).fetchall()


def test_reads_below_compositions_are_recorded_at_full(tenants, admin, tmp_path):
    a, b = tenants("pub"), tenants("use")
    data = os.urandom(100 * 1024)
    a.conn.execute("SELECT tarbox.mkdir('/pkg')")
    a.conn.execute("SELECT tarbox.write('/pkg/data.bin', %s::bytea)", (data,))
    a.conn.execute("SELECT tarbox.write('/pkg/small.txt', 'small\n')")
    a.conn.execute("SELECT tarbox.write('/pkg/other.txt', 'other\n')")
    a.conn.execute("SELECT tarbox.layer_new('v1')")
    name = f"audit-{a.name[-6:]}"
    admin.execute("SELECT tarbox.publish(%s, '1', %s, ARRAY[%s])", (a.name, name, b.name))
    try:
        admin.execute("SELECT tarbox.compose_add(%s, '/ro', %s, 'ro')", (b.name, f"published:{name}"))
        admin.execute("SELECT tarbox.compose_add(%s, '/cow', %s, 'cow')", (b.name, f"published:{name}"))
        admin.execute("SELECT tarbox.audit_set_level(%s, 'full')", (b.name,))
        m = Mount(b, tmp_path / "b").start()
        try:
            after = b.conn.execute("SELECT coalesce(max(seq), 0) FROM tarbox.audit_log").fetchone()[0]
            # read-only composition: one record at release, with the bytes and the path in B's tree
            pid, n = _read(m / "ro" / "pkg" / "data.bin")
            assert n == len(data)
            rows = wait_for(lambda: _reads(b, after, pid), timeout=10)
            assert len(rows) == 1, rows
            path, nbytes, ino, details, _ok, _errno = rows[0]
            assert (path, nbytes) == ("/ro/pkg/data.bin", len(data))
            assert ino == os.stat(m / "ro" / "pkg" / "data.bin").st_ino & ((1 << 40) - 1)
            assert details["release"] is True and details["reads"] >= 2
            assert details["publication"] == name
            # copy-on-write composition: a published file, then one B changed (copied up)
            pid, n = _read(m / "cow" / "pkg" / "small.txt")
            rows = wait_for(lambda: _reads(b, after, pid), timeout=10)
            assert [(r[0], r[1]) for r in rows] == [("/cow/pkg/small.txt", 6)]
            with open(m / "cow" / "pkg" / "small.txt", "ab") as f:
                f.write(b"more\n")
            pid, n = _read(m / "cow" / "pkg" / "small.txt")
            assert n == 11
            rows = wait_for(lambda: _reads(b, after, pid), timeout=10)
            assert [(r[0], r[1]) for r in rows] == [("/cow/pkg/small.txt", 11)]
            # lookups (found and missing) and a listing, from a child process of their own
            # (other.txt was never looked up; the listing comes last, as READDIRPLUS fills the
            # kernel's cache)
            script = ("import os, sys\nos.stat(os.path.join(sys.argv[1], 'other.txt'))\n"
                      "try:\n    os.stat(os.path.join(sys.argv[1], 'missing'))\nexcept FileNotFoundError:\n    pass\n"
                      "os.listdir(sys.argv[1])\nprint(os.getpid())\n")
            pid = int(subprocess.run([sys.executable, "-c", script, str(m / "ro" / "pkg")], capture_output=True,
                                     text=True, check=True).stdout)
            lookups = wait_for(lambda: [r for r in _reads(b, after, pid, "lookup") if r[0] == "/ro/pkg/missing"],
                               timeout=10)
            assert [(r[4], r[5]) for r in lookups] == [(False, "ENOENT")]
            assert ("/ro/pkg/other.txt", True) in [(r[0], r[4]) for r in _reads(b, after, pid, "lookup")]
            listed = wait_for(lambda: _reads(b, after, pid, "readdir"), timeout=10)
            assert [r[0] for r in listed] == ["/ro/pkg"], listed
            # below full nothing is recorded (whatever the mount still reports)
            admin.execute("SELECT tarbox.audit_set_level(%s, 'standard')", (b.name,))
            pid, n = _read(m / "ro" / "pkg" / "small.txt")
            time.sleep(2.0)  # the reports go out at least every 0.5 s
            assert _reads(b, after, pid) == []
        finally:
            m.stop()
        # A's tree and log are untouched by B's reads.
        assert a.conn.execute("SELECT count(*) FROM tarbox.audit WHERE op = 'read'").fetchone()[0] == 0
    finally:
        admin.execute("SELECT tarbox.unpublish(%s)", (name,))


def test_compose_report_refuses_bad_batches_and_ignores_own_logins(tenants, admin):
    """Arrays of different lengths or malformed elements are EINVAL and write nothing; a
    shell's report is one record naming the entry by its path in the consumer's tree; a
    tenant's own login cannot write records this way (its compose_* calls are its own)."""
    a, b = tenants("pub"), tenants("use")
    a.conn.execute("SELECT tarbox.write('/f', 'x')")
    a.conn.execute("SELECT tarbox.layer_new('v1')")
    name = f"auditbad-{a.name[-6:]}"
    admin.execute("SELECT tarbox.publish(%s, '1', %s, ARRAY[%s])", (a.name, name, b.name))
    try:
        k = admin.execute("SELECT tarbox.compose_add(%s, '/ro', %s, 'ro')", (b.name, f"published:{name}")).fetchone()[0]
        admin.execute("SELECT tarbox.audit_set_level(%s, 'full')", (b.name,))
        ino = b.conn.execute("SELECT (tarbox.compose_lookup(%s, 1, 'f'::bytea)).ino", (k,)).fetchone()[0]
        report = ("SELECT tarbox.compose_report(ARRAY[%s], ARRAY[%s], ARRAY[%s]::bigint[], ARRAY[%s]::bytea[], "
                  "ARRAY[%s]::int[], ARRAY[%s]::bigint[], ARRAY[%s]::bigint[], ARRAY[%s]::bigint[], "
                  "ARRAY[10]::bigint[], ARRAY[20]::bigint[], ARRAY[30])")
        read = ("read", k, ino, None, None, 1, 1, 7)
        mark = b.conn.execute("SELECT coalesce(max(seq), 0) FROM tarbox.audit_log").fetchone()[0]
        with pytest.raises(psycopg.Error) as exc:
            b.conn.execute("SELECT tarbox.compose_report(ARRAY['read'], ARRAY[%s], ARRAY[2,3]::bigint[], "
                           "ARRAY[NULL]::bytea[], ARRAY[NULL]::int[], ARRAY[1]::bigint[], ARRAY[1]::bigint[], "
                           "ARRAY[1]::bigint[], ARRAY[0]::bigint[], ARRAY[0]::bigint[], ARRAY[1])", (k,))
        assert exc.value.sqlstate == "TX022"
        for bad in [("read", k, ino, None, None, -1, 1, 7),       # negative count
                    ("read", k, ino, None, None, None, 1, 7),     # a read without its counts
                    ("lookup", k, 1, None, None, None, None, None),  # a lookup without its name
                    ("readdir", k, 1, None, 2, None, None, None),    # an errno on a listing
                    ("write", k, ino, None, None, None, None, None)]:
            with pytest.raises(psycopg.Error) as exc:
                b.conn.execute(report, bad)
            assert exc.value.sqlstate == "TX022", bad
        assert b.conn.execute("SELECT count(*) FROM tarbox.audit_log WHERE seq > %s", (mark,)).fetchone()[0] == 0
        assert b.conn.execute(report, read).fetchone()[0] == 1
        assert b.conn.execute(report, ("lookup", k, 1, b"nope", 2, None, None, None)).fetchone()[0] == 1
        rows = b.conn.execute("SELECT op, ok, errno, path, bytes, duration_ns, uid, gid, pid FROM tarbox.audit "
                              "WHERE seq > %s ORDER BY seq", (mark,)).fetchall()
        assert rows == [("read", True, None, "/ro/f", 1, 7, 10, 20, 30),
                        ("lookup", False, "ENOENT", "/ro/nope", None, 0, 10, 20, 30)]
        own = psycopg.connect(b.dsn, autocommit=True)
        try:
            own.execute(f'SET SESSION AUTHORIZATION "{b.role}"')
            assert own.execute(report, read).fetchone()[0] == 0
        finally:
            own.close()
        assert b.conn.execute("SELECT count(*) FROM tarbox.audit_log WHERE seq > %s", (mark,)).fetchone()[0] == 2
    finally:
        admin.execute("SELECT tarbox.unpublish(%s)", (name,))
