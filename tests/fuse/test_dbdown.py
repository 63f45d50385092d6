"""A mount whose database goes away: requests fail promptly with EIO (no hang), and the
mount works again once the server is back. Uses a throw-away embedded cluster of its own
(stopping the shared test server would disturb the other tests)."""

from __future__ import annotations

import errno
import os
import time
import uuid

import psycopg
import pytest

from tarbox_shell.db import cluster
from tests.fuse.support import ClusterTenant, Mount, fsck, needs_fuse, needs_root, wait_for

pytestmark = [needs_fuse, needs_root]


def test_database_down_gives_eio_then_recovers(own_cluster, tmp_path):
    """Stop the server under a mount: EIO within seconds; start it: the mount works again."""
    home, target = own_cluster
    name = f"t-{uuid.uuid4().hex[:10]}"
    with psycopg.connect(target, autocommit=True) as admin:
        role = admin.execute("SELECT role_name FROM tarbox.tenant_create(%s)", (name,)).fetchone()[0]
    conn = psycopg.connect(target, autocommit=True)
    conn.execute(f'SET ROLE "{role}"')
    tenant = ClusterTenant(name, target, conn)
    m = Mount(tenant, tmp_path / "m").start()
    try:
        (m / "before").write_text("kept")
        conn.close()
        cluster.stop(home)

        t0 = time.monotonic()
        with pytest.raises(OSError) as exc:
            (m / "during").write_text("x")
        elapsed = time.monotonic() - t0
        assert exc.value.errno == errno.EIO
        assert elapsed < 10, f"EIO took {elapsed:.1f}s"
        with pytest.raises(OSError) as exc:
            os.listdir(m / "nonexistent-dir")
        assert exc.value.errno in (errno.EIO, errno.ENOENT)

        cluster.start(home)

        def works() -> bool:
            try:
                (m / "after").write_text("back")
                return (m / "after").read_text() == "back"
            except OSError:
                return False

        assert wait_for(works, 20.0, 0.5), m.read_log()
        assert (m / "before").read_text() == "kept"
        assert sorted(os.listdir(m.path)) == ["after", "before"]
    finally:
        m.stop()
    tenant.conn = psycopg.connect(target, autocommit=True)
    tenant.conn.execute(f'SET ROLE "{role}"')
    try:
        assert fsck(tenant) == []
        assert tenant.conn.execute("SELECT tarbox.read_text('/after')").fetchone()[0] == "back"
    finally:
        tenant.conn.close()
