"""The NOTIFY queue (issue 16, item 7) is shared by the whole cluster and any role may LISTEN:
a tenant that listens and keeps a transaction open pins the queue, and once it is full every
transaction that notifies fails at commit. Tarbox stops notifying while the queue is fuller
than its limit, and the mounts fall back to short cache timeouts meanwhile.

The queue holds 8 GB, too much to fill in a test: the administrator lowers the limit for the
test database (``tarbox.notify_queue_limit``, which a session may lower, never raise), and
the attacker fills the queue past it with real notifications while pinning it."""

from __future__ import annotations

import types

from psycopg import sql

from tests.fuse.support import Mount, needs_fuse, wait_for

LIMIT = "0.00004"        # of the 8 GB queue: about 340 kB


def _usage(admin) -> float:
    return admin.execute("SELECT pg_notification_queue_usage()").fetchone()[0]


@needs_fuse
def test_a_pinned_notify_queue_breaks_no_write_and_mounts_fall_back(login_tenants, admin, tmp_path):
    dbname = sql.Identifier(admin.info.dbname)
    admin.execute(sql.SQL("ALTER DATABASE {} SET tarbox.notify_queue_limit = {}").format(
        dbname, sql.Literal(LIMIT)))
    try:
        alice, bob = login_tenants("alice"), login_tenants("bob")
        bob_sql = bob.connect()
        bob_sql.execute("SELECT tarbox.write('/f', 'v1')")
        mnt = Mount(types.SimpleNamespace(name=bob.name, dsn=bob.admin_dsn), tmp_path / "mnt").start()
        try:
            assert (mnt / "f").read_bytes() == b"v1"

            # Alice pins the queue (LISTEN, then a transaction left open) and fills it.
            pin = alice.connect()
            pin.execute("LISTEN pinch")
            pin.autocommit = False
            pin.execute("SELECT 1")
            filler = alice.connect()
            for i in range(100):
                filler.execute("SELECT pg_notify('pinch', %s)", (f"{i:04d}" + "x" * 7900,))
            assert _usage(admin) > float(LIMIT), "the queue is fuller than the limit"

            # Bob's writes all commit, and add nothing to the queue.
            before = _usage(admin)
            for _ in range(50):
                bob_sql.execute("SELECT tarbox.append('/f', 'x')")
            bob_sql.execute("SELECT * FROM tarbox.layer_new('while-pinned')")
            assert _usage(admin) == before, "Tarbox sends nothing while the queue is that full"

            # The mount noticed and no longer relies on notifications: the change made through
            # SQL shows without one.
            assert wait_for(lambda: "notifications paused" in mnt.read_log(), timeout=10), mnt.read_log()
            assert wait_for(lambda: (mnt / "f").read_bytes() == b"v1" + b"x" * 50, timeout=10)
            (mnt / "g").write_bytes(b"through the mount")
            assert bytes(bob_sql.execute("SELECT tarbox.read('/g')").fetchone()[0]) == b"through the mount"

            # Alice lets go: the queue drains, the mount relies on notifications again.
            pin.rollback()
            pin.execute("UNLISTEN *")
            pin.commit()
            assert wait_for(lambda: _usage(admin) < float(LIMIT) * 0.2, timeout=10)
            assert wait_for(lambda: "notifications resumed" in mnt.read_log(), timeout=10), mnt.read_log()
            bob_sql.execute("SELECT tarbox.write('/f', 'v2')")
            assert wait_for(lambda: (mnt / "f").read_bytes() == b"v2", timeout=10)
        finally:
            mnt.stop()
    finally:
        admin.execute(sql.SQL("ALTER DATABASE {} RESET tarbox.notify_queue_limit").format(dbname))


def test_a_session_can_lower_the_limit_never_raise_it(admin):
    """tarbox._notify_limit: at most 0.5 of the queue whatever a session sets; a lower value
    (in any float spelling) is taken, nonsense is ignored."""
    for setting, limit in [("0.9", 0.5), ("1e3", 0.5), ("0.01", 0.01), ("4e-05", 4e-05),
                           ("nonsense", 0.5), ("", 0.5)]:
        admin.execute("SELECT set_config('tarbox.notify_queue_limit', %s, false)", (setting,))
        assert admin.execute("SELECT tarbox._notify_limit()").fetchone()[0] == limit, setting
    admin.execute("RESET tarbox.notify_queue_limit")
