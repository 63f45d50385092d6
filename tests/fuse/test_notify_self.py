"""A change made by the only mount of a tenant is announced to nobody (the mount ignores its
own notifications and nobody else listens); once another mount is registered, every change
is announced again. Absence is checked against a marker: notifications arrive in commit
order, so once a later change's notification has arrived, an earlier one would have too."""

from __future__ import annotations

import os

import psycopg
from psycopg import sql

from tarbox_shell import db

from .support import Mount, needs_fuse, wait_for


def listen(admin_dsn: str, channel: str) -> psycopg.Connection:
    """A connection LISTENing on the tenant's channel."""
    conn = psycopg.connect(admin_dsn, autocommit=True)
    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
    return conn


def received_until(conn: psycopg.Connection, marker_pid: int, timeout: float = 10.0) -> list[str]:
    """The payloads received up to and including the first one sent by backend ``marker_pid``."""
    out: list[str] = []
    for note in conn.notifies(timeout=timeout):
        out.append(note.payload)
        if note.payload.split()[0] == str(marker_pid):
            return out
    raise AssertionError(f"the marker never arrived; got {out}")


def channel_of(admin, tenant) -> str:
    return admin.execute("SELECT notify_channel FROM tarbox.tenant WHERE name = %s", (tenant.name,)).fetchone()[0]


def test_the_only_mount_session_sends_no_notifications(tenant, admin, dsn):
    """As the connections of a registered mount (tarbox.mount_session set): silent while no
    other session is registered, heard once one is; a session-less caller is always heard."""
    lis = listen(dsn, channel_of(admin, tenant))
    session = db.tenant_connection(tenant.name, dsn)
    sid = session.execute("SELECT tarbox.mount_register(false)").fetchone()[0]
    mount_conn = db.tenant_connection(tenant.name, dsn)
    mount_conn.execute("SELECT set_config('tarbox.mount_session', %s, false)", (str(sid),))
    marker = tenant.conn
    try:
        mount_conn.execute("SELECT tarbox.write('/f', 'one')")
        mount_conn.execute("SELECT tarbox.chmod('/f', 384)")
        mount_conn.execute("SELECT * FROM tarbox.layer_new('l1')")
        marker.execute("SELECT tarbox.write('/marker', 'x')")
        got = received_until(lis, marker.info.backend_pid)
        assert [p for p in got if p.split()[0] == str(mount_conn.info.backend_pid)] == []
        assert got, "the session-less write is announced"

        other = db.tenant_connection(tenant.name, dsn)
        osid = other.execute("SELECT tarbox.mount_register(false)").fetchone()[0]
        try:
            mount_conn.execute("SELECT tarbox.chmod('/f', 420)")
            marker.execute("SELECT tarbox.write('/marker', 'y')")
            got = received_until(lis, marker.info.backend_pid)
            assert any(p.split()[0] == str(mount_conn.info.backend_pid) for p in got), got
        finally:
            other.execute("SELECT tarbox.mount_unregister(%s)", (osid,))
            other.close()
        mount_conn.execute("SELECT tarbox.chmod('/f', 384)")
        marker.execute("SELECT tarbox.write('/marker', 'z')")
        got = received_until(lis, marker.info.backend_pid)
        assert [p for p in got if p.split()[0] == str(mount_conn.info.backend_pid)] == []
    finally:
        mount_conn.close()
        session.execute("SELECT tarbox.mount_unregister(%s)", (sid,))
        session.close()
        lis.close()


@needs_fuse
def test_a_lone_mount_is_silent_and_two_mounts_hear_each_other(tenant, admin, tmp_path):
    """Through real mounts: changes through the only mount send nothing; with a second mount,
    a change through the first reaches the second's cache at once (its cache would otherwise
    keep the old mode for the full 60 s timeout)."""
    tenant.conn.execute("SELECT tarbox.write('/f', 'data')")
    lis = listen(tenant.dsn, channel_of(admin, tenant))
    one = Mount(tenant, tmp_path / "one").start()
    try:
        for mode in (0o600, 0o640, 0o644):
            os.chmod(one / "f", mode)
        (one / "g").write_bytes(b"new")
        tenant.conn.execute("SELECT tarbox.write('/marker', 'x')")
        got = received_until(lis, tenant.conn.info.backend_pid)
        assert len(got) == 1, got
        two = Mount(tenant, tmp_path / "two").start()
        try:
            assert os.stat(two / "f").st_mode & 0o777 == 0o644
            os.chmod(one / "f", 0o600)
            assert wait_for(lambda: os.stat(two / "f").st_mode & 0o777 == 0o600, timeout=10)
        finally:
            two.stop()
    finally:
        one.stop()
        lis.close()
