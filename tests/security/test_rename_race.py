"""Concurrent cross-directory renames of directories (issue 16, item 1). Each rename checks
that a directory does not move into its own subtree; two running at once used to check trees
without each other's move, and ``mv x/A y/B/D/ & mv y/B x/A/E/`` from two mounts (or two SQL
sessions) both succeeded, leaving the cycle A -> D -> B -> E -> A detached from the root. Now
such renames are serialised per tenant, and fsck checks reachability in every layer."""

from __future__ import annotations

import errno
import os
import random
import threading

import psycopg

from tarbox_shell import db
from tests.fuse.support import Mount, fsck, needs_fuse, wait_for

ROUNDS = 12          # crossing pairs raced through two mounts
SQL_WORKERS = 4      # sessions making random moves of a pool of directories
SQL_MOVES = 150      # per session
POOL = 24            # directories moved around by the SQL sessions


def _run_threads(targets) -> list:
    errors: list = []

    def wrap(fn):
        def run():
            try:
                fn()
            except Exception as exc:  # asserted on by the caller
                errors.append(exc)
        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return errors


def test_crossing_renames_from_two_sql_sessions(tenant):
    """The repro of the issue through SQL, many times: exactly one of each crossing pair wins."""
    conn = tenant.conn
    for k in range(30):
        conn.execute("SELECT tarbox.mkdir(%s, 493, true), tarbox.mkdir(%s, 493, true)",
                     (f"/p{k}/x/A/E", f"/p{k}/y/B/D"))
    one = db.tenant_connection(tenant.name, tenant.dsn)
    two = db.tenant_connection(tenant.name, tenant.dsn)
    for k in range(30):
        barrier = threading.Barrier(2)
        results = {}

        def move(conn, key, src, dst):
            barrier.wait()
            try:
                conn.execute("SELECT tarbox.mv(%s, %s)", (src, dst))
                results[key] = "ok"
            except psycopg.Error as exc:
                results[key] = exc.sqlstate

        errors = _run_threads([
            lambda: move(one, 1, f"/p{k}/x/A", f"/p{k}/y/B/D/"),
            lambda: move(two, 2, f"/p{k}/y/B", f"/p{k}/x/A/E/")])
        assert errors == []
        assert sorted(results.values()) in (["TX022", "ok"], ["TX002", "ok"]), results
    one.close()
    two.close()
    assert fsck(tenant) == []


@needs_fuse
def test_many_concurrent_directory_renames_from_sessions_and_mounts(tenant, tmp_path):
    """Several SQL sessions move a pool of directories into each other at random while two
    mounts race crossing pairs; every call either succeeds or fails with an errno, and
    afterwards every inode is reachable and fsck is clean."""
    conn = tenant.conn
    conn.execute("SELECT tarbox.mkdir('/pool', 493, true)")
    for i in range(POOL):
        conn.execute("SELECT tarbox.mkdir(%s)", (f"/pool/d{i}",))
        conn.execute("SELECT tarbox.write(%s, %s)", (f"/pool/d{i}/f", f"file {i}"))
    for k in range(ROUNDS):
        conn.execute("SELECT tarbox.mkdir(%s, 493, true), tarbox.mkdir(%s, 493, true)",
                     (f"/m{k}/x/A/E", f"/m{k}/y/B/D"))
    m1 = Mount(tenant, tmp_path / "m1").start()
    m2 = Mount(tenant, tmp_path / "m2").start()
    try:
        for k in range(ROUNDS):
            assert wait_for(lambda: (m1 / f"m{k}/y/B/D").is_dir() and (m2 / f"m{k}/x/A/E").is_dir(), 10)
        unexpected: list = []

        def sql_worker(seed: int):
            rng = random.Random(seed)
            c = db.tenant_connection(tenant.name, tenant.dsn)
            try:
                for _ in range(SQL_MOVES):
                    a, b = rng.sample(range(POOL), 2)
                    row = c.execute("SELECT parent_ino FROM tarbox.dentry WHERE name = %s AND died = 2147483647",
                                    (f"d{a}".encode(),)).fetchone()
                    target = c.execute("SELECT ino FROM tarbox.dentry WHERE name = %s AND died = 2147483647",
                                       (f"d{b}".encode(),)).fetchone()
                    if row is None or target is None:
                        continue
                    try:
                        c.execute("SELECT tarbox.fs_rename(%s, %s, %s, %s, 0)",
                                  (row[0], f"d{a}".encode(), target[0], f"d{a}".encode()))
                    except psycopg.Error as exc:
                        if not (exc.sqlstate or "").startswith("TX"):
                            unexpected.append(exc)
            finally:
                c.close()

        def mount_worker(k: int):
            barrier = threading.Barrier(2)
            outcome = {}

            def go(key, src, dst):
                barrier.wait()
                try:
                    os.rename(src, dst)
                    outcome[key] = 0
                except OSError as exc:
                    outcome[key] = exc.errno

            errs = _run_threads([
                lambda: go(1, m1 / f"m{k}/x/A", m1 / f"m{k}/y/B/D/A"),
                lambda: go(2, m2 / f"m{k}/y/B", m2 / f"m{k}/x/A/E/B")])
            assert errs == []
            assert sorted(outcome.values()) in ([0, errno.EINVAL], [0, errno.ENOENT]), outcome

        def mounts():
            for k in range(ROUNDS):
                mount_worker(k)

        errors = _run_threads([lambda s=s: sql_worker(s) for s in range(SQL_WORKERS)] + [mounts])
        assert errors == [] and unexpected == []
        # Every file of the pool is still reachable by a path (through a mount, too).
        found = sorted(p.name for p in (m1 / "pool").rglob("d*"))
        assert found == sorted(f"d{i}" for i in range(POOL))
    finally:
        m1.stop()
        m2.stop()
    assert fsck(tenant) == []


def test_a_rename_chosen_as_deadlock_victim_is_attempted_again(tenant, admin):
    """Two renames that wait for each other's inode lock (a directory moved into its own
    subdirectory while a rename inside it holds that directory): PostgreSQL aborts one
    (40P01), and tarbox._do_fs_rename attempts it again once the other has gone on, so the
    caller gets the rename's own answer (EINVAL: into its own subtree), not a deadlock."""
    conn = tenant.conn
    conn.execute("SELECT tarbox.mkdir('/S/y', 493, true)")
    conn.execute("SELECT tarbox.write('/S/k', 'k')")
    s_ino = conn.execute("SELECT (tarbox.stat('/S')).ino").fetchone()[0]
    y_ino = conn.execute("SELECT (tarbox.stat('/S/y')).ino").fetchone()[0]
    holder = db.tenant_connection(tenant.name, tenant.dsn)
    mover = db.tenant_connection(tenant.name, tenant.dsn)
    outcome: dict = {}
    try:
        # The deadlock is broken by the first session whose deadlock_timeout expires: make that
        # the mover (a retry cannot help the holder, whose first statement's locks stay with its
        # open transaction). deadlock_timeout is a superuser setting: set as the login.
        holder.execute("RESET ROLE")
        role = db.tenant_role(holder, tenant.name)
        holder.execute("SET deadlock_timeout = '30s'")
        db.set_role(holder, role)
        holder.autocommit = False
        # T1 holds /S (as the parent of a rename inside it) in an open transaction
        holder.execute("SELECT tarbox.fs_rename(%s, 'k'::bytea, %s, 'k2'::bytea, 0)", (s_ino, s_ino))

        def move():
            # T2 locks / and /S/y (the parents), then waits for /S (the child), held by T1
            try:
                mover.execute("SELECT tarbox.fs_rename(1, 'S'::bytea, %s, 'S'::bytea, 0)", (y_ino,))
                outcome["mover"] = "ok"
            except psycopg.Error as exc:
                outcome["mover"] = exc.sqlstate

        t = threading.Thread(target=move)
        t.start()
        assert wait_for(lambda: admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
            (mover.info.backend_pid,)).fetchone()[0] == 1, 10)
        # T1 now needs /S/y (the child of its second rename), held by T2: a deadlock, which
        # PostgreSQL breaks after deadlock_timeout in T2, the first to wait
        holder.execute("SELECT tarbox.fs_rename(%s, 'y'::bytea, %s, 'y2'::bytea, 0)", (s_ino, s_ino))
        holder.commit()
        t.join(30)
        assert outcome == {"mover": "TX022"}, outcome   # EINVAL: /S into its own subdirectory
    finally:
        holder.close()
        mover.close()
    names = sorted(r[0] for r in conn.execute("SELECT name FROM tarbox.ls('/S')").fetchall())
    assert names == ["k2", "y2"]
    assert fsck(tenant) == []
