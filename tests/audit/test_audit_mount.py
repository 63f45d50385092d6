"""The audit through a real mount: the caller's uid/gid/pid come from the FUSE request, a
failed operation is recorded with its errno while the failed change leaves nothing, reads at
level full make one record per open file, a level change reaches a running mount, and
``/.tarbox/audit/{recent,query}`` show the records."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile

import psycopg
import pytest

from tests.fuse.support import Mount, needs_fuse, needs_root, run_tarbox, wait_for

pytestmark = needs_fuse

RECORD = ("SELECT op, ok, errno, path, path2, uid, gid, pid, bytes, details FROM tarbox.audit "
          "WHERE seq > %s ORDER BY at_ns, seq")


def _mark(tenant) -> int:
    """The newest seq of the tenant's log (records after it are the test's)."""
    return tenant.conn.execute("SELECT coalesce(max(seq), 0) FROM tarbox.audit_log").fetchone()[0]


def _records(tenant, after: int, pid: int | None = None) -> list[tuple]:
    rows = tenant.conn.execute(RECORD, (after,)).fetchall()
    return [r for r in rows if pid is None or r[7] == pid]


@pytest.fixture
def full(tenant, admin):
    """The tenant audited at level full."""
    admin.execute("SELECT tarbox.audit_set_level(%s, 'full')", (tenant.name,))
    return tenant


@pytest.fixture
def mounted(full, tmp_path):
    """A mount of the full-level tenant."""
    m = Mount(full, tmp_path / "m").start()
    try:
        yield m
    finally:
        m.stop()


def test_caller_of_each_request_is_recorded(mounted, full):
    """A child process creates, writes and renames: each record carries its pid and ids."""
    after = _mark(full)
    # (the second write lands inside the text the first one stored: the block part it makes
    # is re-chunked by the release, which therefore has a record of its own)
    script = ("import os, sys\np = sys.argv[1]\nos.mkdir(p + '/d')\n"
              "fd = os.open(p + '/d/f', os.O_WRONLY | os.O_CREAT, 0o644)\n"
              "os.write(fd, b'x' * 10); os.pwrite(fd, b'y', 0); os.close(fd)\n"
              "os.rename(p + '/d/f', p + '/d/g')\nprint(os.getpid())\n")
    out = subprocess.run([sys.executable, "-c", script, str(mounted.path)], capture_output=True, text=True,
                         check=True)
    pid = int(out.stdout)
    # The kernel sends RELEASE after close(2) has returned: its record (the text the file now
    # holds, one line added) may come after the rename's, under either name.
    # Lookups at full are reported in batches (at most about 0.5 s later).
    assert wait_for(lambda: any(r[0] == "release" for r in _records(full, after, pid))
                    and any(r[0] == "lookup" and r[3] == "/d/f" for r in _records(full, after, pid)), timeout=10)
    rows = _records(full, after, pid)
    changes = [(r[0], r[1], r[3], r[4], r[5], r[6]) for r in rows if r[0] not in ("lookup", "release")]
    me = (os.getuid(), os.getgid())
    assert changes == [("mkdir", True, "/d", None, *me), ("create", True, "/d/f", None, *me),
                       ("write", True, "/d/f", None, *me), ("write", True, "/d/f", None, *me),
                       ("rename", True, "/d/f", "/d/g", *me)], rows
    assert [(r[1], r[3] in ("/d/f", "/d/g"), r[5], r[6]) for r in rows if r[0] == "release"] == [(True, True, *me)]
    assert [r[8] for r in rows if r[0] == "write"] == [10, 1]
    assert any(r[0] == "lookup" and r[3] == "/d/f" for r in rows), "full level records lookups"


@needs_root
def test_uid_and_gid_of_another_user(full, tmp_path):
    """A process running as another user (allow_other): its uid and gid are in the record."""
    base = tempfile.mkdtemp(prefix="tarbox-audit-")
    os.chmod(base, 0o755)
    m = Mount(full, os.path.join(base, "m"), ["--allow-other"]).start()
    try:
        os.chmod(m.path, 0o1777)
        after = _mark(full)
        script = ("import os, sys\nos.setgid(4321); os.setuid(4322)\n"
                  "open(sys.argv[1] + '/theirs', 'w').write('t')\nprint(os.getpid())\n")
        out = subprocess.run([sys.executable, "-c", script, str(m.path)], capture_output=True, text=True,
                             check=True)
        rows = [r for r in _records(full, after, int(out.stdout)) if r[0] == "create"]
        assert [(r[3], r[5], r[6]) for r in rows] == [("/theirs", 4322, 4321)]
    finally:
        m.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_failed_operations_are_recorded_and_change_nothing(mounted, full):
    """Failures the database finds (the kernel cannot know them) are recorded with their
    errno and the caller, in the same round trip, and the failed call changed nothing."""
    (mounted / "d").mkdir()
    (mounted / "d" / "f").write_text("keep")
    (mounted / "e").mkdir()
    (mounted / "e" / "x").write_text("x")
    after = _mark(full)
    with pytest.raises(OSError) as exc:
        os.rmdir(mounted / "d")
    assert exc.value.errno == errno.ENOTEMPTY
    with pytest.raises(OSError) as exc:
        os.rename(mounted / "e", mounted / "d")  # onto a non-empty directory
    assert exc.value.errno == errno.ENOTEMPTY
    fd = os.open(mounted / "d" / "f", os.O_WRONLY)
    try:
        with pytest.raises(OSError) as exc:
            os.pwrite(fd, b"z", 1 << 44)  # past the 16 TiB limit of the SQL
        assert exc.value.errno == errno.EFBIG
    finally:
        os.close(fd)
    rows = [r for r in _records(full, after, os.getpid()) if not r[1]]
    assert [(r[0], r[2], r[3]) for r in rows] == [("rmdir", "ENOTEMPTY", "/d"), ("rename", "ENOTEMPTY", "/e"),
                                                  ("write", "EFBIG", "/d/f")], rows
    assert rows[1][4] == "/d"
    assert all((r[5], r[6]) == (os.getuid(), os.getgid()) for r in rows)
    assert (mounted / "d" / "f").read_text() == "keep" and (mounted / "e" / "x").exists()
    messages = full.conn.execute("SELECT message FROM tarbox.audit_log WHERE seq > %s AND NOT ok ORDER BY seq",
                                 (after,)).fetchall()
    assert "directory not empty" in messages[0][0]


def test_reads_make_one_record_per_open_file(full, admin, tmp_path):
    """Level full: a file read in many read(2) calls gives one record at release, with the
    bytes that reached the mount; no record per read."""
    data = os.urandom(300 * 1024)
    full.conn.execute("SELECT tarbox.write('/big', %s::bytea)", (data,))
    m = Mount(full, tmp_path / "m").start()
    try:
        after = _mark(full)
        script = ("import os, sys\nfd = os.open(sys.argv[1], os.O_RDONLY)\nn = 0\n"
                  "while True:\n    b = os.read(fd, 4096)\n    n += len(b)\n    if not b: break\n"
                  "os.close(fd)\nprint(os.getpid(), n)\n")
        out = subprocess.run([sys.executable, "-c", script, str(m / "big")], capture_output=True, text=True,
                             check=True)
        pid, n = map(int, out.stdout.split())
        assert n == len(data)
        reads = wait_for(lambda: [r for r in _records(full, after, pid) if r[0] == "read"])
        assert len(reads) == 1, reads
        op, ok, _e, path, _p2, uid, gid, rpid, nbytes, details = reads[0]
        assert (path, nbytes, details["release"]) == ("/big", len(data), True)
        assert details["reads"] >= 2  # the kernel asked in several requests
    finally:
        m.stop()


def test_level_change_reaches_a_running_mount(tenant, admin, tmp_path):
    """The mount starts at level standard (reads not recorded); once an administrator sets
    full, the notification makes it report reads per open file."""
    tenant.conn.execute("SELECT tarbox.write('/r', 'read me')")
    m = Mount(tenant, tmp_path / "m").start()
    try:
        after = _mark(tenant)
        assert (m / "r").read_text() == "read me"
        assert [r for r in _records(tenant, after) if r[0] == "read"] == []
        admin.execute("SELECT tarbox.audit_set_level(%s, 'full')", (tenant.name,))

        def reported():
            with open(m / "r", "rb") as f:  # each open is one more chance, whatever the page cache holds
                f.read()
            return [r for r in _records(tenant, after) if r[0] == "read" and (r[9] or {}).get("release")]

        assert wait_for(reported, timeout=10.0), "the mount never learned that reads are audited"
    finally:
        m.stop()


def test_cli_level_changes_reach_the_tenants_only_mount(tenant, admin, tmp_path):
    """`tarbox audit level` from the CLI reaches a mount that is the tenant's only one, both
    ways: mounts skip the notifications their own connections send (and a write of the only
    mount sends none, tarbox._notify_needed), but a level change comes from an administrator's
    session, which is never the mount's, so it must still arrive."""
    tenant.conn.execute("SELECT tarbox.write('/r', 'read me')")
    env = {**os.environ, "TARBOX_DSN": tenant.dsn}
    m = Mount(tenant, tmp_path / "m").start()
    try:
        sessions = admin.execute("SELECT count(*) FROM tarbox.mount_session s JOIN tarbox.tenant t USING (tenant_id)"
                                 " WHERE t.name = %s", (tenant.name,)).fetchone()[0]
        assert sessions == 1, "the test needs the tenant's only mount"

        def reads_after(mark: int) -> list[tuple]:
            with open(m / "r", "rb") as f:  # each open is one more chance, whatever the page cache holds
                f.read()
            return [r for r in _records(tenant, mark) if r[0] == "read" and (r[9] or {}).get("release")]

        after = _mark(tenant)
        assert (m / "r").read_text() == "read me"
        r = run_tarbox("audit", "level", tenant.name, "full", env=env)
        assert r.returncode == 0, r.stderr
        assert wait_for(lambda: reads_after(after), timeout=10.0), "the CLI's level full never reached the mount"
        r = run_tarbox("audit", "level", tenant.name, "standard", env=env)
        assert r.returncode == 0, r.stderr
        # Below full the SQL writes no read record whatever the mount sends, so the way down
        # shows only in the mount itself: its log says when it stops reporting reads.
        assert wait_for(lambda: "audit level changed; reads are not recorded" in m.read_log(), timeout=10.0), \
            f"the CLI's level standard never reached the mount: {m.read_log()}"
    finally:
        m.stop()


def test_control_directory_shows_the_log(mounted, full):
    """/.tarbox/audit/recent lists the newest records; audit/query takes a filter."""
    (mounted / "seen.txt").write_text("s")
    os.mkdir(mounted / "dir1")
    recent = (mounted / ".tarbox" / "audit" / "recent").read_text()
    assert "/seen.txt" in recent and "mkdir" in recent
    assert oct(os.stat(mounted / ".tarbox" / "audit" / "query").st_mode & 0o777) == "0o644"
    q = mounted / ".tarbox" / "audit" / "query"
    q.write_text("op=mkdir path=/dir1")
    lines = q.read_text().splitlines()
    assert len(lines) == 1 and "mkdir" in lines[0] and "/dir1" in lines[0], lines
    with pytest.raises(OSError) as exc:
        q.write_text("colour=blue")
    assert exc.value.errno == errno.EINVAL
    assert "unknown filter word" in (mounted / ".tarbox" / "layers" / "result").read_text()
    def failed() -> list[str]:
        q.write_text('{"failed": true, "limit": 5}')
        return q.read_text().splitlines()
    # at level full: the lookups of the names before they existed (reported within about 0.5 s)
    assert wait_for(lambda: failed(), timeout=10)
    assert all(" lookup " in ln and " ENOENT " in ln for ln in failed()), failed()
    after = _mark(full)
    listing = os.listdir(mounted / ".tarbox" / "snapshots")
    assert listing, "the layers appear as snapshot directories"
    names = os.listdir(mounted / ".tarbox" / "snapshots" / listing[0])
    assert "seen.txt" in names and "dir1" in names, names
    assert any(r[0] == "readdir" and r[1] for r in _records(full, after, None)), \
        "at level full a snapshot's listing is recorded, with the caller's ids"


def test_a_failure_keeps_its_pooled_connection(mounted, full, admin):
    """A failure reported as a warning leaves the pool's connection in use: the mount's
    backends are the same before and after many failures (closing the connection on each one
    once cost a reconnection, 30 ms, per failed request)."""
    (mounted / "full").mkdir()
    (mounted / "full" / "x").write_text("x")
    # The pool's backends (named tarbox-mount, without the tenant: pg_stat_activity is public;
    # this test's mount is the only one in the test database while it runs).
    pids = ("SELECT coalesce(array_agg(pid ORDER BY pid), '{}') FROM pg_stat_activity "
            "WHERE application_name = 'tarbox-mount' AND datname = current_database()")
    os.listdir(mounted.path)
    before = set(admin.execute(pids).fetchone()[0])
    assert before, "the mount's pool connections are visible"
    for _ in range(30):
        with pytest.raises(OSError):
            os.rmdir(mounted / "full")
    after = set(admin.execute(pids).fetchone()[0])
    assert after <= before, (before, after)


def test_native_mount_requests_are_recorded(full, tmp_path):
    """A native mount's requests (host system calls, no SQL) are recorded after the fact:
    names, the writes and reads of one open file as one record each at release, a failure with
    its errno, the tree path and the host path, the caller; at level basic only the names."""
    from tests.native.support import native_mount

    src = tmp_path / "src"
    src.mkdir()
    m = native_mount(full, tmp_path, {"mount_path": "/host", "source_path": str(src), "mode": "rw"})
    try:
        after = _mark(full)
        w = m.path / "host"
        script = ("import os, sys\np = sys.argv[1]\nos.mkdir(p + '/d')\n"
                  "with open(p + '/d/f', 'w') as f:\n    f.write('x' * 10)\n    f.flush()\n    f.write('y' * 5)\n"
                  "with open(p + '/d/f') as f: f.read()\n"
                  "try:\n    os.rmdir(p + '/d')\nexcept OSError:\n    pass\n"
                  "os.rename(p + '/d/f', p + '/d/g')\nprint(os.getpid())\n")
        out = subprocess.run([sys.executable, "-c", script, str(w)], capture_output=True, text=True, check=True)
        pid = int(out.stdout)
        assert (src / "d/g").read_text() == "x" * 10 + "y" * 5

        def mine():
            return [r for r in full.conn.execute(
                "SELECT op, ok, errno, path, path2, uid, pid, bytes, native, native_source, layer, details "
                "FROM tarbox.audit WHERE seq > %s AND native ORDER BY at_ns, seq", (after,)).fetchall()
                if r[6] == pid]

        wait_for(lambda: any(r[0] == "rename" for r in mine()), timeout=20)
        rows = mine()
        changes = [(r[0], r[1], r[2], r[3], r[4]) for r in rows if r[0] in ("mkdir", "create", "write", "read", "rmdir", "rename")]
        assert changes == [("mkdir", True, None, "/host/d", None), ("create", True, None, "/host/d/f", None),
                           ("write", True, None, "/host/d/f", None), ("read", True, None, "/host/d/f", None),
                           ("rmdir", False, "ENOTEMPTY", "/host/d", None),
                           ("rename", True, None, "/host/d/f", "/host/d/g")], rows
        by_op = {r[0]: r for r in rows}
        assert by_op["write"][7] == 15 and by_op["write"][11]["release"] is True, "one write record per open file"
        assert by_op["read"][7] == 15
        assert all(r[5] == os.getuid() and r[8] and r[10] is None for r in rows), "caller, native, no layer"
        assert by_op["mkdir"][9] == f"{src}/d", "the host path"
        assert any(r[0] == "lookup" for r in rows), "level full records lookups"

    finally:
        m.stop()


def test_native_mount_records_follow_the_level(full, admin, tmp_path):
    """At level basic a native mount records names only (no lookups, writes or reads), and a
    path override of the mount's subtree applies to native records as to the tree's."""
    from tests.native.support import native_mount

    admin.execute("SELECT tarbox.audit_set_level(%s, 'basic')", (full.name,))
    admin.execute("SELECT tarbox.audit_set_level(%s, 'none', '/host/quiet')", (full.name,))
    src = tmp_path / "src"
    (src / "quiet").mkdir(parents=True)
    m = native_mount(full, tmp_path, {"mount_path": "/host", "source_path": str(src), "mode": "rw"})
    try:
        after = _mark(full)
        w = m.path / "host"
        (w / "loud.txt").write_text("hello")
        (w / "loud.txt").read_text()
        (w / "quiet/q.txt").write_text("hush")
        os.rename(w / "loud.txt", w / "loud2.txt")

        def ops():
            return [(r[0], r[1]) for r in full.conn.execute(
                "SELECT op, path FROM tarbox.audit WHERE seq > %s AND native ORDER BY at_ns, seq",
                (after,)).fetchall()]

        wait_for(lambda: ("rename", "/host/loud.txt") in ops(), timeout=20)
        assert ops() == [("create", "/host/loud.txt"), ("rename", "/host/loud.txt")], ops()
    finally:
        m.stop()


def test_text_changes_carry_their_line_counts(mounted, full):
    """Writing a text file through the mount: the first write of text to an empty file is
    stored as text at once and its record carries the lines it added; later writes store
    blocks, which the release re-chunks, and the release's record carries the lines of that
    change; all with the caller who made them."""
    after = _mark(full)
    p = mounted / "notes.txt"
    p.write_text("one\ntwo\nthree\n")
    with open(p, "a") as f:
        f.write("four\n")
    with open(p, "r+") as f:
        f.seek(4)
        f.write("TWO")

    def changes():
        return full.conn.execute("SELECT op, path, lines_added, lines_deleted FROM tarbox.audit "
                                 "WHERE seq > %s AND op IN ('write', 'release') ORDER BY at_ns, seq",
                                 (after,)).fetchall()

    # (the kernel sends RELEASE after close(2) has returned: a release may come after the
    # next handle's write)
    wait_for(lambda: sum(r[0] == "release" for r in changes()) >= 2, timeout=20)
    rows = changes()
    assert [r for r in rows if r[0] == "write"] == [("write", "/notes.txt", 3, 0), ("write", "/notes.txt", None, None),
                                                    ("write", "/notes.txt", None, None)], rows
    releases = [r for r in rows if r[0] == "release"]
    assert releases[0] == ("release", "/notes.txt", 1, 0) and releases[1][2] >= 1, rows
    rows = full.conn.execute("SELECT pid, uid FROM tarbox.audit WHERE seq > %s AND op IN ('write', 'release')",
                             (after,)).fetchall()
    assert all(pid == os.getpid() and uid == os.getuid() for pid, uid in rows), rows
    changed = full.conn.execute("SELECT lines_added, lines_deleted FROM tarbox.audit_changes_by_path "
                                "WHERE path = '/notes.txt'").fetchone()
    assert changed == (4 + releases[1][2], releases[1][3]), changed


def test_lookups_at_full_are_reported_in_batches(mounted, full):
    """At level full the mount's lookups (found or not) reach the log through
    tarbox.fs_lookup_report, with the caller and details.reported, not one writing
    transaction per LOOKUP."""
    full.conn.execute("SELECT tarbox.mkdir('/dir'), tarbox.write('/dir/here', 'x')")  # not in the kernel's cache
    after = _mark(full)
    script = ("import os, sys\np = sys.argv[1]\nos.stat(p + '/dir/here')\n"
              "print(os.path.exists(p + '/dir/missing'))\nprint(os.getpid())\n")
    out = subprocess.run([sys.executable, "-c", script, str(mounted.path)], capture_output=True, text=True,
                         check=True)
    missing, pid = out.stdout.split()
    assert missing == "False"
    pid = int(pid)

    def lookups():
        return [(r[1], r[2], r[3], (r[9] or {}).get("reported")) for r in _records(full, after, int(pid))
                if r[0] == "lookup"]
    assert wait_for(lambda: (True, None, "/dir/here", True) in lookups()
                    and (False, "ENOENT", "/dir/missing", True) in lookups(), timeout=10), lookups()


def test_a_reported_lookup_writes_nothing_itself(full):
    """fs_lookup(..., p_reported) from a shell session records nothing (the report will);
    fs_lookup_report writes the records and refuses malformed batches; a tenant's own login
    cannot skip its lookup records with p_reported."""
    c = full.conn
    c.execute("SELECT tarbox.mkdir('/q'), tarbox.write('/q/f', 'x')")
    q = c.execute("SELECT ino FROM tarbox.stat('/q')").fetchone()[0]
    f = c.execute("SELECT ino FROM tarbox.stat('/q/f')").fetchone()[0]
    after = _mark(full)
    assert c.execute("SELECT (tarbox.fs_lookup(%s, 'f'::bytea, NULL, 1, 2, 3, true)).ino", (q,)).fetchone()[0] == f
    assert _records(full, after) == []
    n = c.execute("SELECT tarbox.fs_lookup_report(ARRAY[%s, %s]::bigint[], ARRAY['f', 'nope']::bytea[],"
                  " ARRAY[%s, NULL]::bigint[], ARRAY[NULL, 2]::int[], ARRAY[NULL, NULL]::int[],"
                  " ARRAY[1, 1]::bigint[], ARRAY[2, 2]::bigint[], ARRAY[3, 3]::int[])", (q, q, f)).fetchone()[0]
    assert n == 2
    rows = _records(full, after)
    assert [(r[0], r[1], r[2], r[3], r[5], r[6], r[7]) for r in rows] == [
        ("lookup", True, None, "/q/f", 1, 2, 3), ("lookup", False, "ENOENT", "/q/nope", 1, 2, 3)]
    for bad in ("ARRAY[%s]::bigint[], ARRAY['f']::bytea[], ARRAY[NULL]::bigint[], ARRAY[NULL]::int[]",  # neither
                "ARRAY[%s]::bigint[], ARRAY['f']::bytea[], ARRAY[5]::bigint[], ARRAY[2]::int[]"):  # both
        with pytest.raises(psycopg.Error, match="either the inode found or an errno"):
            c.execute(f"SELECT tarbox.fs_lookup_report({bad}, ARRAY[NULL]::int[], ARRAY[1]::bigint[],"
                      " ARRAY[2]::bigint[], ARRAY[3]::int[])", (q,))
    with pytest.raises(psycopg.Error, match="arrays of one length"):
        c.execute("SELECT tarbox.fs_lookup_report(ARRAY[1, 2]::bigint[], ARRAY['f']::bytea[], ARRAY[1]::bigint[],"
                  " ARRAY[NULL]::int[], ARRAY[NULL]::int[], ARRAY[1]::bigint[], ARRAY[2]::bigint[], ARRAY[3]::int[])")
    # A tenant's own login (session_user is the tenant role): p_reported is ignored.
    own = psycopg.connect(full.dsn, autocommit=True)
    try:
        own.execute(f'SET SESSION AUTHORIZATION "{full.role}"')
        after = _mark(full)
        own.execute("SELECT tarbox.fs_lookup(%s, 'f'::bytea, NULL, 1, 2, 3, true)", (q,))
        rows = _records(full, after)
        assert [(r[0], r[3], r[5]) for r in rows] == [("lookup", "/q/f", None)], rows  # ids only from shells
    finally:
        own.close()
