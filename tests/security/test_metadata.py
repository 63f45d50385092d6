"""What a tenant can see of another through PostgreSQL's public views (issue 16, item 9):
pg_stat_activity and pg_locks are readable by every role. A running mount must not name its
tenant there (application_name used to be 'tarbox-mount:<tenant name>') nor hold a lock whose
key is the tenant id (the mount session lock was keyed by it)."""

from __future__ import annotations

import types

from tests.fuse.support import Mount, needs_fuse


@needs_fuse
def test_a_running_mount_does_not_name_its_tenant(login_tenants, tmp_path):
    alice, bob = login_tenants("alice"), login_tenants("bob")
    mnt = Mount(types.SimpleNamespace(name=alice.name, dsn=alice.admin_dsn), tmp_path / "mnt").start()
    try:
        (mnt / "f").write_bytes(b"x")
        spy = bob.connect()
        names = [r[0] for r in spy.execute("SELECT application_name FROM pg_stat_activity").fetchall()]
        assert "tarbox-mount" in names, names
        assert not any(alice.name in (n or "") for n in names), names
        keys = spy.execute("SELECT classid::bigint, objid::bigint FROM pg_locks "
                           "WHERE locktype = 'advisory'").fetchall()
        assert keys, "the mount holds its session lock"
        for hi, lo in keys:
            assert alice.tenant_id not in (hi, lo, (hi << 32) | lo, (1 << 32) - 1 - alice.tenant_id), keys
    finally:
        mnt.stop()
