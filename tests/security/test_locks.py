"""Locks one tenant could use against another (issue 16, item 4): advisory locks live in one
key space per database, so a tenant that could call ``pg_advisory_lock`` could freeze every
write of another tenant (its layer lock), one of its files, tenant creation, the migration
runner or the purge after a mount died. Tarbox's locks are now either advisory locks only its
definer functions can take (keys random and secret) or row locks, and no lock-table entry is
taken per inode. Every test logs in as the tenant role itself."""

from __future__ import annotations

import psycopg
import pytest


def _denied(conn: psycopg.Connection, sql: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(sql)


def test_tenants_cannot_take_any_advisory_lock(login_tenants):
    alice, bob = login_tenants("alice"), login_tenants("bob")
    conn = alice.connect()
    for sql in [
        f"SELECT pg_advisory_lock({bob.tenant_id})",             # bob's old layer lock key
        f"SELECT pg_advisory_xact_lock_shared({bob.tenant_id})",
        f"SELECT pg_try_advisory_lock({bob.tenant_id % 2147483647}, 7)",  # one of bob's inodes
        f"SELECT pg_advisory_lock({-1 - bob.tenant_id}, 1)",     # bob's mount sessions
        "SELECT pg_advisory_lock(hashtext('tarbox.tenant'))",    # tenant creation
        "SELECT pg_advisory_lock(hashtext('tarbox.init'))",      # the migration runner
        "SELECT pg_try_advisory_xact_lock(1)",
        "SELECT pg_advisory_unlock_all()",
    ]:
        _denied(conn, sql)
    rows = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.proname ~ '^pg_(try_)?advisory_'"
        " AND has_function_privilege(p.oid, 'EXECUTE')").fetchall()
    assert rows == [], "no advisory-lock function is executable by a tenant"


def test_an_open_transaction_of_one_tenant_blocks_no_other(login_tenants):
    """Alice writes inside a transaction she keeps open (holding her own layer lock and the row
    locks of her inodes); bob's writes, checkpoints, renames and a new tenant's creation all
    go through meanwhile."""
    alice, bob = login_tenants("alice"), login_tenants("bob")
    a = alice.connect(autocommit=False)
    a.execute("SELECT tarbox.write('/held', 'x')")
    a.execute("SELECT tarbox.mkdir('/d')")
    a.execute("SELECT * FROM tarbox.fsck()")
    b = bob.connect()
    b.execute("SET statement_timeout = '20s'")  # a wait would fail the test, not hang it
    b.execute("SELECT tarbox.write('/held', 'y')")
    b.execute("SELECT tarbox.mkdir('/d')")
    b.execute("SELECT tarbox.mv('/held', '/d/moved')")
    b.execute("SELECT * FROM tarbox.layer_new('while-alice-holds')")
    b.execute("SELECT tarbox.append('/d/moved', 'z')")
    assert bytes(b.execute("SELECT tarbox.read('/d/moved')").fetchone()[0]) == b"yz"
    third = login_tenants("third")  # tenant creation (the administrator's lock) is not blocked
    assert third.tenant_id > 0
    a.rollback()


def test_locks_per_transaction_are_bounded_and_name_no_tenant(login_tenants, admin):
    """A transaction touching many inodes holds a bounded number of advisory locks (its layer
    lock, and at most 64 stripes of the block-release lock), not one per inode or per block:
    the shared lock table, sized for the whole cluster, cannot be filled by one tenant (before:
    30,000 writes in one statement failed with "out of shared memory" for every session of the
    cluster). And the keys in pg_locks name neither the tenant nor the content."""
    alice = login_tenants("alice")
    a = alice.connect(autocommit=False)
    pid = a.info.backend_pid
    a.execute("SELECT tarbox.mkdir('/many')")
    a.execute("SELECT count(tarbox.write('/many/f' || g, 'x' || g)) FROM generate_series(1, 300) g")
    a.execute("SELECT count(tarbox.rm('/many/f' || g)) FROM generate_series(1, 300) g")
    rows = admin.execute(
        "SELECT locktype, classid::bigint, objid::bigint, objsubid FROM pg_locks "
        "WHERE pid = %s AND locktype IN ('advisory', 'tuple')", (pid,)).fetchall()
    advisory = [r for r in rows if r[0] == "advisory"]
    assert 1 <= len(advisory) <= 65, f"the layer lock and at most 64 release stripes: {rows}"
    for _, hi, lo, _ in advisory:
        assert alice.tenant_id not in (hi, lo, (hi << 32) | lo), "a lock key names the tenant"
    a.rollback()


def test_a_connection_registers_at_most_one_mount_session(login_tenants):
    """Each registration holds a session-level advisory lock; registering again and again on
    one connection would fill the lock table, so a second session is refused (EBUSY)."""
    alice = login_tenants("alice")
    conn = alice.connect()
    s1 = conn.execute("SELECT tarbox.mount_register(false)").fetchone()[0]
    assert conn.execute("SELECT tarbox.mount_register(true, %s)", (s1,)).fetchone()[0] == s1
    with pytest.raises(psycopg.Error) as info:
        conn.execute("SELECT tarbox.mount_register(false)")
    assert info.value.sqlstate == "TX016"
    assert conn.execute("SELECT tarbox.mount_unregister(%s)", (s1,)).fetchone()[0] is True
    s2 = conn.execute("SELECT tarbox.mount_register(false)").fetchone()[0]
    assert s2 != s1
    conn.execute("SELECT tarbox.mount_unregister(%s)", (s2,))
