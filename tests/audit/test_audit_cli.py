"""``tarbox audit`` on a real database: listing with filters and JSON, --follow, levels,
maintenance, and verify finding a record a superuser edited; the errno of a recorded
failure agrees with the shells' mapping; warning mode from a plain psycopg session."""

from __future__ import annotations

import errno
import json
import os
import select
import subprocess
import time

import psycopg
import pytest

from tarbox_shell.errors import ReportedError, errno_of, message_of
from tarbox_shell.fuse.operations import watch_reports
from tests.fuse.support import run_tarbox, tarbox_cmd, wait_for, REPO


def _env(tenant) -> dict:
    return {**os.environ, "TARBOX_DSN": tenant.dsn}


def tb(tenant, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``tarbox ARGS`` against the test database."""
    return run_tarbox(*args, timeout=timeout, env=_env(tenant))


def test_list_with_filters_and_json(tenant):
    c = tenant.conn
    c.execute("SELECT tarbox.mkdir('/src')")
    c.execute("SELECT tarbox.write('/src/a.py', 'print(1)')")
    c.execute("SELECT tarbox.write('/other', 'x')")
    c.execute("SELECT tarbox.rm('/other')")
    r = tb(tenant, "audit", tenant.name)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [ln.split()[1] for ln in lines] == ["tenant_create", "mkdir", "write", "write", "rm"], lines
    r = tb(tenant, "audit", tenant.name, "--path", "/src", "--op", "write", "--json")
    recs = [json.loads(ln) for ln in r.stdout.splitlines()]
    assert [(x["op"], x["path"], x["bytes"], x["ok"]) for x in recs] == [("write", "/src/a.py", 8, True)]
    r = tb(tenant, "audit", tenant.name, "--op", "mkdir,rm", "--since", "1h")
    assert [ln.split()[1] for ln in r.stdout.splitlines()] == ["mkdir", "rm"]
    r = tb(tenant, "audit", tenant.name, "--failed")
    assert r.returncode == 0 and r.stdout == ""
    r = tb(tenant, "audit", tenant.name, "--since", "yesterday-ish")
    assert r.returncode == 1 and "invalid time" in r.stderr


def test_follow_prints_new_records(tenant):
    proc = subprocess.Popen([*tarbox_cmd(), "audit", tenant.name, "--follow", "--json"], cwd=REPO,
                            env=_env(tenant), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # the history: the tenant's creation
        assert json.loads(first)["op"] == "tenant_create"
        tenant.conn.execute("SELECT tarbox.write('/followed', 'f')")
        deadline = time.monotonic() + 20
        got = []
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                got.append(json.loads(proc.stdout.readline()))
                if any(g["path"] == "/followed" for g in got):
                    break
        assert [g["op"] for g in got if g["path"] == "/followed"] == ["write"], got
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_level_command(tenant):
    r = tb(tenant, "audit", "level", tenant.name, "basic", "--path", "/secrets", "full")
    assert r.returncode == 0, r.stderr
    assert "level basic" in r.stdout and "/secrets: full" in r.stdout
    r = tb(tenant, "audit", "level", tenant.name, "--json")
    assert json.loads(r.stdout)["max_level"] == "full"
    c = tenant.conn
    c.execute("SELECT tarbox.mkdir('/secrets')")
    mark = c.execute("SELECT max(seq) FROM tarbox.audit_log").fetchone()[0]
    c.execute("SELECT tarbox.write('/secrets/k', 'k')")
    c.execute("SELECT tarbox.write('/plain', 'p')")
    ops = c.execute("SELECT op, path FROM tarbox.audit_log WHERE seq > %s ORDER BY seq", (mark,)).fetchall()
    assert ops == [("write", "/secrets/k")]
    r = tb(tenant, "audit", "level", tenant.name, "loud")
    assert r.returncode == 2
    r = tb(tenant, "audit", "retention", tenant.name, "365")
    assert r.returncode == 0 and "365 days" in r.stdout
    assert json.loads(tb(tenant, "audit", "level", tenant.name, "--json").stdout)["retention_days"] == 365


def test_maintain_and_verify_find_an_edited_record(tenant, admin):
    c = tenant.conn
    c.execute("SELECT tarbox.write('/evidence', 'e')")
    seq = c.execute("SELECT seq FROM tarbox.audit_log WHERE path = '/evidence'").fetchone()[0]

    def sealed():  # records are sealed once they are at least a second old
        r = tb(tenant, "audit", "maintain")
        assert r.returncode == 0, r.stderr
        return admin.execute("SELECT 1 FROM tarbox.audit_seal s WHERE s.tenant_id = "
                             "(SELECT tenant_id FROM tarbox.tenant WHERE name = %s) AND s.hi_seq >= %s",
                             (tenant.name, seq)).fetchone()

    assert wait_for(sealed, timeout=30.0, interval=0.5)
    r = tb(tenant, "audit", "verify", tenant.name)
    assert r.returncode == 0 and "0 problem(s)" in r.stdout, r.stdout + r.stderr
    admin.execute("UPDATE tarbox.audit_log SET path = '/nothing-to-see' WHERE seq = %s", (seq,))
    r = tb(tenant, "audit", "verify", tenant.name)
    assert r.returncode == 1, r.stdout
    assert f"changed record {seq}" in r.stdout and "1 problem(s)" in r.stdout
    r = tb(tenant, "audit", "verify", tenant.name, "--json")
    problems = [json.loads(ln) for ln in r.stdout.splitlines()]
    assert [(p["problem"], p["seq"]) for p in problems if p["problem"] != "verified"] == [("changed", seq)]
    admin.execute("UPDATE tarbox.audit_log SET path = '/evidence' WHERE seq = %s", (seq,))


@pytest.mark.parametrize("state", ["TX002", "TX017", "TX039", "TX122", "22021", "XX000", "23505", "53100"])
def test_recorded_errno_agrees_with_the_shells(admin, state):
    """The errno stored for a failure (SQL) is the one the shells report for it (Python)."""
    in_sql = admin.execute("SELECT tarbox._audit_errno(%s)", (state,)).fetchone()[0]
    assert in_sql == errno_of(ReportedError(state, "m"))


def test_warning_mode_from_a_plain_session(tenant):
    """An SQL session that asks for warnings gets its failures reported and recorded; one
    that does not gets an error and no record."""
    c = tenant.conn
    mark = c.execute("SELECT coalesce(max(seq), 0) FROM tarbox.audit_log").fetchone()[0]
    with pytest.raises(psycopg.Error) as exc:
        c.execute("SELECT tarbox.fs_rmdir(1, 'nothing'::bytea)")
    assert errno_of(exc.value) == errno.ENOENT
    assert c.execute("SELECT count(*) FROM tarbox.audit_log WHERE seq > %s", (mark,)).fetchone()[0] == 0
    watch_reports(c)
    c.execute("SET tarbox.error_mode = 'warning'")
    try:
        c.execute("SELECT tarbox.fs_rmdir(1, 'nothing'::bytea)")
        assert len(c.reported) == 1
        err = c.reported.pop()
        assert (errno_of(err), message_of(err)) == (errno.ENOENT, "nothing: no such file or directory")
        row = c.execute("SELECT op, ok, errno, path FROM tarbox.audit WHERE seq > %s", (mark,)).fetchall()
        assert row == [("rmdir", False, "ENOENT", "/nothing")]
    finally:
        c.execute("RESET tarbox.error_mode")


def test_no_record_in_a_read_only_transaction(tenant, admin):
    """A read-only transaction (a standby, or SET TRANSACTION READ ONLY) reads at level full
    without failing for want of a record."""
    admin.execute("SELECT tarbox.audit_set_level(%s, 'full')", (tenant.name,))
    c = tenant.conn
    c.execute("SELECT tarbox.write('/ro', 'ro')")
    mark = c.execute("SELECT max(seq) FROM tarbox.audit_log").fetchone()[0]
    with c.transaction():
        c.execute("SET TRANSACTION READ ONLY")
        assert bytes(c.execute("SELECT tarbox.read('/ro')").fetchone()[0]) == b"ro"
    assert c.execute("SELECT count(*) FROM tarbox.audit_log WHERE seq > %s", (mark,)).fetchone()[0] == 0
    c.execute("SELECT tarbox.read('/ro')")
    assert c.execute("SELECT op FROM tarbox.audit_log WHERE seq > %s", (mark,)).fetchall() == [("read",)]


def test_import_and_export_are_summed_up(tenant, tmp_path):
    """`tarbox import` and `tarbox export`: the files are recorded by the calls that make
    them, and one record sums up each transfer."""
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha")
    (src / "sub" / "b.bin").write_bytes(b"\0" * 1000)
    r = tb(tenant, "import", str(src), tenant.tpath("/in"))
    assert r.returncode == 0, r.stderr
    c = tenant.conn
    rows = c.execute("SELECT op, path, bytes, details FROM tarbox.audit WHERE op = 'import'").fetchall()
    assert len(rows) == 1
    op, path, nbytes, details = rows[0]
    assert (path, nbytes) == ("/in", 1005)
    assert details["reported"]["files"] == 2 and details["reported"]["source"] == str(src)
    created = {p for (p,) in c.execute("SELECT path FROM tarbox.audit_log WHERE op IN ('create', 'mkdir')")}
    assert {"/in/a.txt", "/in/sub", "/in/sub/b.bin"} <= created
    r = tb(tenant, "export", tenant.tpath("/in"), str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    rows = c.execute("SELECT path, bytes, details -> 'reported' ->> 'destination' FROM tarbox.audit "
                     "WHERE op = 'export'").fetchall()
    assert rows == [("/in", 1005, str(tmp_path / "out"))]


class _Rollback(Exception):
    pass


def test_maintenance_does_not_make_writers_queue_behind_a_reader(tenant, admin):
    """A tenant keeping the log open in a transaction holds a lock the partition changes need:
    maintenance gives up on them within about 2 s (postponed) instead of waiting, so writers
    never queue behind it; the sealing still happens."""
    reader = tenant.conn
    with reader.transaction():
        reader.execute("SELECT count(*) FROM tarbox.audit_log").fetchone()
        t0 = time.monotonic()
        try:
            with admin.transaction():  # rolled back: half a year on, retention would drop partitions
                rows = admin.execute("SELECT action, object FROM tarbox.audit_maintain(now() + interval '6 months')").fetchall()
                raise _Rollback()
        except _Rollback:
            pass
        took = time.monotonic() - t0
    assert ("postponed", "partitions") in rows, rows
    assert took < 15, took
