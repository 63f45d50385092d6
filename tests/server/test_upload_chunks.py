"""The chunks of one upload session are staged independently (migration 0150): each chunk in
an inode of its own, written under that chunk's locks only, so that the parallel chunk PUTs of
RunMat's Rust client (4 at a time) do not wait for each other; ``complete`` splices the chunks'
blocks into the file in order (block-map rows move, no data is copied; a block two chunks share
is gathered from both). Abort and expiry free every chunk's staging data."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tarbox_shell import db

MIB = 1 << 20


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def anon():
    with httpx.Client(timeout=120) as c:  # no Authorization header, as the Rust client's raw requests
        yield c


def start(ht, path: str, data: bytes, sizes: list[int]) -> tuple[dict, list[str]]:
    """Start a session for ``data`` at ``path`` with chunks of ``sizes`` (in order); returns the
    session's JSON and the chunk URLs."""
    assert sum(sizes) == len(data)
    api = ht.api + "/fs"
    r = ht.http.post(api + "/upload-session/start", json={"path": path, "sizeBytes": len(data),
                                                           "contentSha256": sha(data)})
    assert r.status_code == 200, r.text
    s = r.json()
    desc, off = [], 0
    for i, n in enumerate(sizes):
        desc.append({"chunkIndex": i, "offsetBytes": off, "sizeBytes": n, "chunkSha256": sha(data[off:off + n])})
        off += n
    r = ht.http.post(api + "/upload-session/chunks", json={"sessionId": s["sessionId"], "blobKey": s["blobKey"],
                                                           "chunks": desc})
    assert r.status_code == 200, r.text
    return s, [t["uploadUrl"] for t in r.json()["targets"]]


def pieces(data: bytes, sizes: list[int]) -> list[bytes]:
    out, off = [], 0
    for n in sizes:
        out.append(data[off:off + n])
        off += n
    return out


def complete(ht, s: dict, path: str, data: bytes, count: int) -> httpx.Response:
    return ht.http.post(ht.api + "/fs/upload-session/complete", json={
        "path": path, "sessionId": s["sessionId"], "blobKey": s["blobKey"], "sizeBytes": len(data),
        "contentSha256": sha(data), "chunkCount": count})


def staged_inodes(admin, tenant: str) -> int:
    """Live inodes of the tenant with no link (staging inodes and orphans)."""
    return admin.execute("SELECT count(*) FROM tarbox.inode i JOIN tarbox.tenant t USING (tenant_id) "
                         "WHERE t.name = %s AND i.nlink = 0 AND i.died = 2147483647", (tenant,)).fetchone()[0]


def read_all(ht, path: str) -> bytes:
    r = ht.http.get(ht.api + "/files" + path)
    assert r.status_code == 200, r.text
    return r.content


def test_chunk_writes_of_one_session_do_not_wait_for_each_other(ht, dsn):
    """Two connections write different chunks of one session: the first keeps its transaction
    (holding whatever its chunk write locked) open; the second's chunk write must not wait for
    it. On the old shape both wrote the session's one staging inode under its lock: the second
    waited until the first committed (here: lock_timeout, 55P03)."""
    data = random.Random(1).randbytes(3 * MIB)
    sizes = [MIB, MIB, MIB]
    s, urls = start(ht, "/two.bin", data, sizes)
    secret = urls[0].rsplit("/", 2)[1]
    parts = pieces(data, sizes)
    first = db.tenant_connection(ht.tenant.name, dsn, autocommit=False)
    second = db.tenant_connection(ht.tenant.name, dsn, autocommit=False)
    try:
        first.execute("SELECT tarbox.remote_upload_write(%s, 0, 0, %b, true)", (secret, parts[0]))
        # the first transaction stays open; the second must get through without waiting
        second.execute("SET LOCAL lock_timeout = '3s'")
        t0 = time.monotonic()
        second.execute("SELECT tarbox.remote_upload_write(%s, 1, 0, %b, true)", (secret, parts[1]))
        second.commit()
        assert time.monotonic() - t0 < 3
        # and a third chunk while the first is still open, from the second connection again
        second.execute("SET LOCAL lock_timeout = '3s'")
        second.execute("SELECT tarbox.remote_upload_write(%s, 2, 0, %b, true)", (secret, parts[2]))
        second.commit()
        first.commit()
    finally:
        first.close()
        second.close()
    r = complete(ht, s, "/two.bin", data, 3)
    assert r.status_code == 204, r.text
    assert read_all(ht, "/two.bin") == data
    assert ht.tenant.conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == []


def test_a_slow_chunk_put_does_not_hold_up_the_others(ht, admin, anon):
    """Over HTTP, as the Rust client's 4 parallel PUTs arrive: chunk 0's PUT sends part of its
    body and stalls with its transaction open (its first pieces written); the PUTs of chunks 1
    to 3 complete meanwhile. Then chunk 0 finishes, complete, and the file is byte for byte."""
    data = random.Random(2).randbytes(4 * 4 * MIB)
    sizes = [4 * MIB] * 4
    s, urls = start(ht, "/slow.bin", data, sizes)
    parts = pieces(data, sizes)
    go_on = threading.Event()
    result: dict = {}

    def slow_body():
        yield parts[0][:2 * MIB]
        yield parts[0][2 * MIB:3 * MIB]
        go_on.wait(120)
        yield parts[0][3 * MIB:]

    def slow_put():
        with httpx.Client(timeout=180) as c:
            result["slow"] = c.put(urls[0], content=slow_body()).status_code

    slow = threading.Thread(target=slow_put)
    slow.start()
    try:
        # wait until chunk 0's transaction has written a piece and waits for more of the body
        deadline = time.monotonic() + 60
        while admin.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' "
                            "AND query LIKE %s", ("%remote_upload_write%",)).fetchone()[0] == 0:
            assert time.monotonic() < deadline, "chunk 0's PUT never started writing"
            time.sleep(0.05)
        t0 = time.monotonic()
        for i in (1, 2, 3):
            r = anon.put(urls[i], content=parts[i], timeout=60)
            assert r.status_code == 204, (i, r.text)
        waited = time.monotonic() - t0
        assert "slow" not in result  # chunk 0 was open all along
    finally:
        go_on.set()
        slow.join(180)
    assert result["slow"] == 204
    assert waited < 60
    r = complete(ht, s, "/slow.bin", data, 4)
    assert r.status_code == 204, r.text
    assert read_all(ht, "/slow.bin") == data


def test_chunks_that_do_not_start_on_a_block_boundary_are_spliced_byte_for_byte(ht, admin, anon):
    """Chunks of any sizes (1 byte, a few inside one 64 KiB block, across boundaries, a run of
    zeros across chunk boundaries that must stay a hole) sent out of order and in parallel:
    the file is exactly the bytes, fsck is clean at once (no garbage: the blocks two chunks
    shared were gathered into one, the partial ones freed at commit), no staging inode is left,
    and the tenant stores no block twice."""
    rnd = random.Random(3)
    sizes = [1, 65535, 100_000, 7, 7, 70_000, 3 * 65536, 65536 + 1, 200_000, 5, 130_000]
    data = bytearray(rnd.randbytes(sum(sizes)))
    zero_from = sum(sizes[:6]) - 1000  # zeros from inside chunk 5 to inside chunk 7
    data[zero_from:zero_from + 4 * 65536] = bytes(4 * 65536)
    data = bytes(data)
    s, urls = start(ht, "/odd.bin", data, sizes)
    parts = pieces(data, sizes)
    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda i: anon.put(urls[i], content=parts[i]).status_code,
                              reversed(range(len(sizes)))))
    assert codes == [204] * len(sizes)
    assert staged_inodes(admin, ht.tenant.name) == 1 + len(sizes)  # the file and one per chunk
    r = complete(ht, s, "/odd.bin", data, len(sizes))
    assert r.status_code == 204, r.text
    assert read_all(ht, "/odd.bin") == data
    assert ht.tenant.conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == []
    assert staged_inodes(admin, ht.tenant.name) == 0
    conn = ht.tenant.conn
    blocks = conn.execute("SELECT count(*) FROM tarbox.block").fetchone()[0]
    mapped = conn.execute("SELECT count(DISTINCT m.hash) FROM tarbox.blockmap m WHERE m.died = 2147483647"
                          ).fetchone()[0]
    assert blocks == mapped
    # the zeros are a hole: no block of the file holds only zeros, and st_blocks counts less
    assert conn.execute("SELECT count(*) FROM tarbox.blockmap m JOIN tarbox.block b USING (tenant_id, hash) "
                        "WHERE m.died = 2147483647 AND rtrim(b.data, '\\x00'::bytea) = ''::bytea").fetchone()[0] == 0
    stored = conn.execute("SELECT stored FROM tarbox.inode i JOIN tarbox.dentry d USING (tenant_id, ino) "
                          "WHERE d.name = 'odd.bin'::bytea AND d.died = 2147483647 AND i.died = 2147483647"
                          ).fetchone()[0]
    assert stored <= len(data) - 2 * 65536


def test_aligned_chunks_move_their_blocks_without_copying(ht, admin, anon):
    """With the server's 16 MiB chunks (all on 64 KiB boundaries) complete moves every staged
    block-map row into the file: the file's (block number, block) pairs are exactly those the
    chunks' staging inodes held, and no block was written at complete (the tenant's blocks are
    those that were staged)."""
    chunk = 16 * MIB
    data = random.Random(4).randbytes(2 * chunk + 12345)
    sizes = [chunk, chunk, 12345]
    s, urls = start(ht, "/aligned.bin", data, sizes)
    for u, p in zip(urls, pieces(data, sizes)):
        assert anon.put(u, content=p).status_code == 204
    q = ("SELECT m.blkno, encode(m.hash, 'hex') FROM tarbox.blockmap m JOIN tarbox.upload_chunk u "
         "ON u.tenant_id = m.tenant_id AND u.ino = m.ino JOIN tarbox.tenant t ON t.tenant_id = m.tenant_id "
         "WHERE t.name = %s AND m.died = 2147483647 ORDER BY 1")
    staged = admin.execute(q, (ht.tenant.name,)).fetchall()
    assert len(staged) == -(-len(data) // 65536)
    blocks_before = ht.tenant.conn.execute("SELECT array_agg(encode(hash, 'hex') ORDER BY hash) FROM tarbox.block"
                                           ).fetchone()[0]
    assert complete(ht, s, "/aligned.bin", data, 3).status_code == 204
    final = ht.tenant.conn.execute(
        "SELECT m.blkno, encode(m.hash, 'hex') FROM tarbox.blockmap m "
        "WHERE m.ino = (SELECT ino FROM tarbox.stat('/aligned.bin')) AND m.died = 2147483647 ORDER BY 1").fetchall()
    assert final == staged
    assert ht.tenant.conn.execute("SELECT array_agg(encode(hash, 'hex') ORDER BY hash) FROM tarbox.block"
                                  ).fetchone()[0] == blocks_before
    assert read_all(ht, "/aligned.bin") == data


def _tenant_counts(admin, tenant: str) -> tuple:
    return admin.execute(
        "SELECT (SELECT count(*) FROM tarbox.upload_session x WHERE x.tenant_id = t.tenant_id),"
        "       (SELECT count(*) FROM tarbox.upload_chunk x WHERE x.tenant_id = t.tenant_id),"
        "       (SELECT count(*) FROM tarbox.inode x WHERE x.tenant_id = t.tenant_id AND x.nlink = 0"
        "                                              AND x.died = 2147483647),"
        "       (SELECT count(*) FROM tarbox.block x WHERE x.tenant_id = t.tenant_id),"
        "       (SELECT coalesce(sum(x.bytes), 0) FROM tarbox.usage_delta x WHERE x.tenant_id = t.tenant_id),"
        "       (SELECT coalesce(sum(x.inodes), 0) FROM tarbox.usage_delta x WHERE x.tenant_id = t.tenant_id)"
        "  FROM tarbox.tenant t WHERE t.name = %s", (tenant,)).fetchone()


@pytest.mark.parametrize("how", ["abort", "expiry-gc", "expiry-tenant-gc", "expiry-next-start"])
def test_abort_and_expiry_free_every_chunk(ht, admin, anon, how):
    """A session with some chunks staged (two whole, one PUT failed, one never sent), ended by
    DELETE, or by expiry seen by the tenant's gc, an administrator's tenant_gc or the next
    start: no session or chunk row, no staging inode and no block is left (usage back to the
    root directory alone), and fsck is clean."""
    base = _tenant_counts(admin, ht.tenant.name)
    data = random.Random(5).randbytes(3 * MIB + 99)
    sizes = [MIB, MIB + 1, MIB, 98]
    s, urls = start(ht, "/gone.bin", data, sizes)
    parts = pieces(data, sizes)
    assert anon.put(urls[0], content=parts[0]).status_code == 204
    assert anon.put(urls[1], content=parts[1]).status_code == 204
    assert anon.put(urls[2], content=bytes(len(parts[2]))).status_code == 400  # wrong bytes: nothing kept
    counts = _tenant_counts(admin, ht.tenant.name)
    assert counts[:3] == (1, 4, 3) and counts[3] > base[3]
    if how == "abort":
        assert ht.http.delete(ht.api + f"/fs/upload-session/{s['sessionId']}").status_code == 204
    else:
        admin.execute("UPDATE tarbox.upload_session SET created_at = now() - interval '2 hours', "
                      "expires_at = now() - interval '1 second'")
        if how == "expiry-gc":
            ht.tenant.conn.execute("SELECT * FROM tarbox.gc()")
        elif how == "expiry-tenant-gc":
            admin.execute("SELECT * FROM tarbox.tenant_gc(%s)", (ht.tenant.name,))
        else:
            r = ht.http.post(ht.api + "/fs/upload-session/start", json={"path": "/next.bin", "sizeBytes": 1,
                                                                         "contentSha256": sha(b"x")})
            assert r.status_code == 200
            assert ht.http.delete(ht.api + f"/fs/upload-session/{r.json()['sessionId']}").status_code == 204
    ht.tenant.conn.execute("SELECT * FROM tarbox.gc()")
    assert _tenant_counts(admin, ht.tenant.name) == base
    assert ht.tenant.conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == []
    assert complete(ht, s, "/gone.bin", data, 4).status_code == 404


def test_purge_orphans_leaves_the_chunks_of_an_open_session(ht, admin, anon):
    """tarbox.purge_orphans (run by every mount that starts or ends) removes unlinked inodes,
    but not the staging inodes of an open session's chunks: the upload completes after it."""
    data = random.Random(6).randbytes(2 * MIB)
    sizes = [MIB, MIB]
    s, urls = start(ht, "/kept.bin", data, sizes)
    for u, p in zip(urls, pieces(data, sizes)):
        assert anon.put(u, content=p).status_code == 204
    assert ht.tenant.conn.execute("SELECT tarbox.purge_orphans()").fetchone()[0] == 0
    assert staged_inodes(admin, ht.tenant.name) == 3
    assert complete(ht, s, "/kept.bin", data, 2).status_code == 204
    assert read_all(ht, "/kept.bin") == data


def test_a_chunk_sent_again_replaces_it_and_an_empty_file_needs_no_chunk(ht, admin, anon):
    """A chunk PUT again (another body of the same size, then the right one) replaces what its
    staging inode held; a session of 0 bytes has no chunks and completes to an empty file."""
    data = random.Random(7).randbytes(300_000)
    sizes = [100_000, 200_000]
    s, urls = start(ht, "/again.bin", data, sizes)
    parts = pieces(data, sizes)
    other = random.Random(8).randbytes(200_000)
    r = ht.http.post(ht.api + "/fs/upload-session/chunks", json={"sessionId": s["sessionId"], "blobKey": s["blobKey"],
                                                                 "chunks": []})
    assert r.status_code == 409
    assert anon.put(urls[1], content=other).status_code == 400   # not its hash: rolled back
    assert anon.put(urls[1], content=parts[1]).status_code == 204
    assert anon.put(urls[1], content=parts[1]).status_code == 204  # again: replaces, same bytes
    assert anon.put(urls[0], content=parts[0]).status_code == 204
    assert complete(ht, s, "/again.bin", data, 2).status_code == 204
    assert read_all(ht, "/again.bin") == data
    empty = ht.http.post(ht.api + "/fs/upload-session/start", json={"path": "/empty.bin", "sizeBytes": 0,
                                                                     "contentSha256": sha(b"")}).json()
    r = ht.http.post(ht.api + "/fs/upload-session/chunks", json={"sessionId": empty["sessionId"],
                                                                 "blobKey": empty["blobKey"], "chunks": []})
    assert r.status_code == 200, r.text
    assert complete(ht, empty, "/empty.bin", b"", 0).status_code == 204
    assert read_all(ht, "/empty.bin") == b""
    assert staged_inodes(admin, ht.tenant.name) == 0
    assert ht.tenant.conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == []


def test_each_chunk_staging_inode_counts_while_the_session_is_open(ht, anon):
    """Each chunk's staging inode is one of the tenant's inodes while the session is open
    (usage), fsck is clean meanwhile, and complete gives them back."""
    data = random.Random(9).randbytes(2 * MIB)
    sizes = [MIB, MIB]
    s, urls = start(ht, "/count.bin", data, sizes)
    before = ht.tenant.conn.execute("SELECT used_inodes FROM tarbox.usage()").fetchone()[0]
    for u, p in zip(urls, pieces(data, sizes)):
        assert anon.put(u, content=p).status_code == 204
    assert ht.tenant.conn.execute("SELECT used_inodes FROM tarbox.usage()").fetchone()[0] == before + 2
    assert ht.tenant.conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == []
    assert complete(ht, s, "/count.bin", data, 2).status_code == 204
    # the session's own inode is now the file: the chunks' two are gone
    assert ht.tenant.conn.execute("SELECT used_inodes FROM tarbox.usage()").fetchone()[0] == before
