"""A read never sees half of a concurrent change: one session rewrites a file FUSE-style
(truncate, fs_write into blocks, fs_release moving the bytes into text chunks) while another
reads it in a loop. Every read must return a complete version the writer wrote (or nothing, in
the instant after the truncate), never zeros: before the readers were STABLE, fs_read fetched
the inode under one snapshot and its data under a later one, and a re-chunk committed in
between made written bytes read back as a hole (seen through the mount as b'\\0\\0\\0' right
after ``truncate; write; close``). sql/tests/44-read-snapshot.sql pins the volatility."""

from __future__ import annotations

import threading

from tarbox_shell import db

ROUNDS = 1500


def test_reads_during_rechunk_see_whole_versions(tenant):
    """fs_read and the path API's read agree with some written version on every call."""
    writer = tenant.conn
    reader = db.tenant_connection(tenant.name, tenant.dsn)
    ino = writer.execute("SELECT ino FROM tarbox.fs_create(1, 'f'::bytea, 420, 0, 0, 0)").fetchone()[0]
    versions = {b""} | {b"version %d\n" % i for i in range(ROUNDS)}
    stop = threading.Event()
    seen: list[bytes] = []
    torn: list[bytes] = []

    def read_loop() -> None:
        while not stop.is_set():
            for query, params in (("SELECT tarbox.fs_read(%s, 0, 100)", (ino,)),
                                  ("SELECT tarbox.read('/f')", None)):
                data = reader.execute(query, params).fetchone()[0]
                data = b"" if data is None else bytes(data)
                seen.append(data)
                if data not in versions:
                    torn.append(data)

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        for i in range(ROUNDS):
            writer.execute("SELECT tarbox.fs_setattr(%s, NULL, NULL, NULL, 0, NULL, NULL, NULL)", (ino,))
            writer.execute("SELECT tarbox.fs_write(%s, 0, %s)", (ino, b"version %d\n" % i))
            writer.execute("SELECT tarbox.fs_release(%s)", (ino,))
    finally:
        stop.set()
        thread.join()
        reader.close()
    assert len(seen) > ROUNDS, "the reader ran alongside the writer"
    assert torn == [], f"{len(torn)} of {len(seen)} reads returned no written version: {torn[:3]}"
    assert bytes(writer.execute("SELECT tarbox.read('/f')").fetchone()[0]) == b"version %d\n" % (ROUNDS - 1)
