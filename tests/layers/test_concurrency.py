"""Concurrent checkpoints and writes of one tenant: the history stays linear.

Several sessions create layers while others write; layer_new is serialised by the tenant's
exclusive layer lock (writes hold it shared), so layer ids stay contiguous, every name lands
exactly once, no write is lost, and no write lands in a layer after it was frozen.
"""

from __future__ import annotations

import threading

import psycopg

from tarbox_shell import db
from tests.conftest import fsck_problems


def _worker(fn, errors: list) -> threading.Thread:
    def run():
        try:
            fn()
        except Exception as exc:  # collected and asserted on by the test
            errors.append(exc)

    return threading.Thread(target=run)


def test_concurrent_checkpoints_stay_linear(tenant):
    n_threads, per_thread = 4, 10
    errors: list = []

    def checkpoints(k: int):
        conn = db.tenant_connection(tenant.name, tenant.dsn)
        for i in range(per_thread):
            conn.execute("SELECT * FROM tarbox.layer_new(%s)", (f"c{k}-{i}",))
        conn.close()

    def writes(k: int):
        conn = db.tenant_connection(tenant.name, tenant.dsn)
        for i in range(per_thread * 3):
            conn.execute("SELECT tarbox.append(%s, %s::bytea)", (f"/log{k}", b"x"))
        conn.close()

    threads = [_worker(lambda k=k: checkpoints(k), errors) for k in range(n_threads)]
    threads += [_worker(lambda k=k: writes(k), errors) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    conn = tenant.conn
    layers = conn.execute("SELECT layer_id, name, is_current FROM tarbox.layer_list()").fetchall()
    ids = [row[0] for row in layers]
    assert ids == list(range(1, n_threads * per_thread + 2)), "layer ids are one contiguous chain"
    names = sorted(row[1] for row in layers[1:])
    assert names == sorted(f"c{k}-{i}" for k in range(n_threads) for i in range(per_thread))
    assert layers[-1][2], "the newest layer is current"
    for k in range(2):
        assert conn.execute("SELECT size FROM tarbox.stat(%s)", (f"/log{k}",)).fetchone()[0] == per_thread * 3
    # A frozen layer never changes: its view read now equals what it had when frozen, so the
    # sizes of the logs must be non-decreasing along the history.
    for k in range(2):
        sizes = []
        for layer_id in ids:
            try:
                sizes.append(conn.execute("SELECT size FROM tarbox.stat(%s, true, %s)",
                                          (f"/log{k}", str(layer_id))).fetchone()[0])
            except psycopg.Error as exc:
                assert exc.sqlstate == "TX002"
                sizes.append(0)
        assert sizes == sorted(sizes)
    assert fsck_problems(conn) == []
