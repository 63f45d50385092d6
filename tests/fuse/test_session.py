"""An unlinked file stays alive while any mount may hold it open (POSIX: an unlinked file lives
while it is open, whoever unlinked it). Running mounts register in ``tarbox.mount_session``
and hold an advisory lock; inodes without links are purged only when no other mount runs.
The SQL-level tests use two real connections (one backend cannot test another's lock); the
mount tests use real FUSE mounts."""

from __future__ import annotations

import os
import time

import psycopg
import pytest

from tarbox_shell import db
from tests.fuse.support import Mount, append_and_reread, fsck, needs_fuse, needs_root, orphans, wait_for


def _tenant_conn(tenant) -> psycopg.Connection:
    return db.tenant_connection(tenant.name, tenant.dsn)


def _orphan(conn: psycopg.Connection, name: bytes) -> int:
    """Create and unlink file ``name`` under / through the inode API; return its inode."""
    ino = conn.execute("SELECT (tarbox.fs_create(1, %s, 420, 0, 0)).ino", (name,)).fetchone()[0]
    conn.execute("SELECT tarbox.fs_unlink(1, %s)", (name,))
    return ino


def test_a_live_session_keeps_orphans_until_its_connection_ends(tenant):
    """While another connection holds a mount session, fs_forget, purge_orphans and SQL rm
    keep unlinked inodes; the session's own connections (setting tarbox.mount_session) do
    not wait for themselves; when the session's connection closes it stops counting and its
    row is reaped."""
    holder = _tenant_conn(tenant)
    other = tenant.conn
    session = holder.execute("SELECT tarbox.mount_register(false)").fetchone()[0]
    try:
        ino = _orphan(other, b"f")
        assert other.execute("SELECT tarbox.fs_forget(%s)", (ino,)).fetchone()[0] is False
        assert other.execute("SELECT tarbox.purge_orphans()").fetchone()[0] == 0
        other.execute("SELECT tarbox.write('/g', 'data')")
        g = other.execute("SELECT (tarbox.stat('/g')).ino").fetchone()[0]
        other.execute("SELECT tarbox.rm('/g')")
        assert other.execute("SELECT tarbox.fs_read(%s, 0, 10)", (g,)).fetchone()[0] == b"data", \
            "SQL rm keeps the inode while a mount runs"
        assert orphans(tenant) == 2
        # Another connection of the same mount names its session: its purge proceeds.
        pooled = _tenant_conn(tenant)
        try:
            pooled.execute("SELECT set_config('tarbox.mount_session', %s, false)", (str(session),))
            assert pooled.execute("SELECT tarbox.purge_orphans()").fetchone()[0] == 2
        finally:
            pooled.close()
        assert orphans(tenant) == 0
        # A second connection cannot take the live session over.
        with pytest.raises(psycopg.Error) as info:
            other.execute("SELECT tarbox.mount_register(false, %s)", (session,))
        assert info.value.sqlstate == "TX016"  # EBUSY
        ino = _orphan(other, b"h")
    finally:
        pid = holder.info.backend_pid
        holder.close()  # as a killed mount: no unregister, the lock goes with the connection
    # close() does not wait for the server process to exit, and its locks go only then
    wait_for(lambda: other.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s",
                                   (pid,)).fetchone()[0] == 0)
    assert other.execute("SELECT tarbox.fs_forget(%s)", (ino,)).fetchone()[0] is True
    assert other.execute("SELECT count(*) FROM tarbox.mount_session").fetchone()[0] == 0, \
        "the dead session's row was reaped"
    assert fsck(tenant) == []


@needs_fuse
@needs_root
def test_file_unlinked_by_another_mount_stays_open(tenant, tmp_path):
    """Mount A holds a file open; mount B removes it (and its kernel forgets it), SQL removes
    another one A holds, a third mount starts (purging orphans at start): A still reads and
    writes both. Once every mount has ended, nothing is left behind."""
    a = Mount(tenant, tmp_path / "a").start()
    b = Mount(tenant, tmp_path / "b").start()
    c = None
    try:
        (a / "held").write_bytes(b"before")
        (a / "sqlrm").write_bytes(b"sql")
        with open(a / "held", "r+b") as f, open(a / "sqlrm", "rb") as g:
            assert (b / "held").read_bytes() == b"before"
            os.unlink(b / "held")
            tenant.conn.execute("SELECT tarbox.rm('/sqlrm')")
            time.sleep(1.0)  # B's kernel forgets the unlinked inode; B calls fs_forget
            c = Mount(tenant, tmp_path / "c").start()
            assert not (c / "held").exists()
            append_and_reread(f, b"before", b" after")
            assert g.read() == b"sql"
            assert os.fstat(f.fileno()).st_nlink == 0
            assert orphans(tenant) == 2
        sessions = tenant.conn.execute("SELECT count(*) FROM tarbox.mount_session").fetchone()[0]
        assert sessions == 3
    finally:
        for m in (c, b, a):
            if m is not None:
                m.stop()
    assert orphans(tenant) == 0, "the last mount to leave purges the orphans"
    assert tenant.conn.execute("SELECT count(*) FROM tarbox.mount_session").fetchone()[0] == 0
    assert fsck(tenant) == []
