"""The fd-style client in HTTP mode against a real ``tarbox serve``: held writes (the program
sees its own writes at once, another client at close or fsync: close-to-open), the flush
points (close, fsync, any other request, a write elsewhere, the buffer size), append positions,
deferred write errors, fstat and end-of-file answered locally only while nothing happened, and
the same positions, holes and errors as direct mode."""

from __future__ import annotations

import errno
import time

import pytest

from tarbox_shell.wasi import OpenFlags, WasiClient, WasiError, Whence
from tarbox_shell.wasi.remote import WRITE_BUFFER, HttpBackend

RW = OpenFlags.READ | OpenFlags.WRITE
NEW = RW | OpenFlags.CREATE


@pytest.fixture
def hc(tenant, remote):
    """A :class:`WasiClient` in HTTP mode with the tenant's root preopened as ``/``."""
    c = WasiClient(HttpBackend.connect(remote.url, remote.token, tenant.name))
    c.preopen("/", "/")
    yield c
    c.close()


def sql_read(tenant, path: str) -> bytes | None:
    row = tenant.conn.execute("SELECT tarbox.read(%s) FROM tarbox.stat(%s)", (path, path)).fetchone()
    return bytes(row[0]) if row else None


def fails(fn, *args, **kw) -> WasiError:
    with pytest.raises(WasiError) as exc:
        fn(*args, **kw)
    return exc.value


def test_held_writes_are_seen_by_the_writer_at_once_and_by_others_at_close(hc, tenant):
    fd = hc.fd_open("/a.txt", NEW)
    calls = hc.backend.calls
    for piece in (b"one ", b"two ", b"three"):
        assert hc.fd_write(fd, piece) == len(piece)
    assert hc.backend.calls == calls, "contiguous small writes are held"
    assert hc.fd_tell(fd) == 13 and hc.backend.calls == calls
    assert sql_read(tenant, "/a.txt") == b"", "another client does not see held writes"
    # the writer itself sees them: any other request sends them first
    assert hc.path_filestat_get("/a.txt").size == 13
    assert sql_read(tenant, "/a.txt") == b"one two three"
    hc.fd_write(fd, b"!")
    assert sql_read(tenant, "/a.txt") == b"one two three"
    hc.fd_close(fd)
    assert sql_read(tenant, "/a.txt") == b"one two three!"


def test_flush_points_fsync_read_and_non_contiguous_writes(hc, tenant):
    fd = hc.fd_open("/b.bin", NEW)
    hc.fd_write(fd, b"abc")
    hc.fd_sync(fd)
    assert sql_read(tenant, "/b.bin") == b"abc"
    hc.fd_write(fd, b"def")
    hc.fd_seek(fd, 0, Whence.SET)
    assert hc.fd_read(fd, 100) == b"abcdef", "a read of the file sends the held run first"
    hc.fd_seek(fd, 10, Whence.SET)
    hc.fd_write(fd, b"X")
    calls = hc.backend.calls
    hc.fd_seek(fd, 2, Whence.SET)
    hc.fd_write(fd, b"Y")  # not where the held run ends: the run goes first
    assert hc.backend.calls == calls + 1
    assert sql_read(tenant, "/b.bin") == b"abcdef" + bytes(4) + b"X"
    hc.fd_pwrite(fd, b"Z", 3)  # continues the held run "Y" at 2
    assert hc.backend.calls == calls + 1
    hc.fd_close(fd)
    assert sql_read(tenant, "/b.bin") == b"abYZef" + bytes(4) + b"X"


def test_the_buffer_is_sent_when_full_and_large_writes_go_straight(hc, tenant):
    fd = hc.fd_open("/c.bin", NEW)
    piece = bytes(range(256)) * 256  # 64 KiB
    calls = hc.backend.calls
    for _ in range(WRITE_BUFFER // len(piece) + 1):
        hc.fd_write(fd, piece)
    assert hc.backend.calls == calls + 1, "one write when the run reached the buffer size"
    assert len(sql_read(tenant, "/c.bin")) == WRITE_BUFFER
    big = b"B" * WRITE_BUFFER
    hc.fd_write(fd, big)
    assert hc.backend.calls == calls + 3, "the held piece, then the large write itself"
    hc.fd_close(fd)
    assert sql_read(tenant, "/c.bin") == piece * (WRITE_BUFFER // len(piece) + 1) + big


def test_held_appends_and_two_descriptors_of_one_file(hc, tenant):
    tenant.conn.execute("SELECT tarbox.write('/log', 'start\n')")
    ap = hc.fd_open("/log", OpenFlags.WRITE | OpenFlags.APPEND)
    hc.fd_write(ap, b"a\n")
    hc.fd_write(ap, b"b\n")
    # someone else appends meanwhile: the held appends land after it, the position is exact
    tenant.conn.execute("SELECT tarbox.append('/log', 'other\n')")
    assert hc.fd_tell(ap) == len("start\nother\na\nb\n")
    w = hc.fd_open("/log", RW)
    hc.fd_write(ap, b"c\n")
    hc.fd_write(w, b"S")  # another descriptor of the same inode: ap's run goes first
    hc.fd_write(ap, b"d\n")
    hc.fd_close(w)
    hc.fd_close(ap)
    assert sql_read(tenant, "/log") == b"Start\nother\na\nb\nc\nd\n"


def test_what_the_open_brought_answers_until_the_next_request(hc, tenant):
    """fstat, seek to the end and the reads of a small file are answered from what the open
    brought (attributes, the first 64 KiB): no request. Another client's change shows at the
    reader's next request (close-to-open), or once what it knows is older than the TTL."""
    tenant.conn.execute("SELECT tarbox.write('/r.txt', 'hello')")
    fd = hc.fd_open("/r.txt", OpenFlags.READ)
    calls = hc.backend.calls
    assert hc.fd_filestat_get(fd).size == 5 and hc.fd_filestat_get(fd).size == 5
    assert hc.fd_seek(fd, 0, Whence.END) == 5
    hc.fd_seek(fd, 0, Whence.SET)
    assert hc.fd_read(fd, 2) == b"he" and hc.fd_read(fd, 100) == b"llo" and hc.fd_read(fd, 100) == b""
    assert hc.fd_pread(fd, 3, 1) == b"ell"
    assert hc.backend.calls == calls, "all from the open"
    tenant.conn.execute("SELECT tarbox.append('/r.txt', ' world')")
    assert hc.fd_read(fd, 100) == b"" and hc.fd_filestat_get(fd).size == 5, "not seen: no request since the open"
    hc.path_filestat_get("/r.txt")  # any request makes what the client knows stale
    assert hc.fd_filestat_get(fd).size == 11
    assert hc.fd_read(fd, 100) == b" world"
    assert hc.fd_read(fd, 100) == b"", "the end of file that read reached"
    calls = hc.backend.calls
    tenant.conn.execute("SELECT tarbox.append('/r.txt', '!')")
    assert hc.fd_filestat_get(fd).size == 12, "the getattr is older than the read: asked again"
    assert hc.backend.calls == calls + 1
    big = bytes(range(256)) * 1024  # 256 KiB: the first 64 KiB come with the open
    tenant.conn.execute("SELECT tarbox.write('/big.bin', %s::bytea)", (big,))
    fd = hc.fd_open("/big.bin", OpenFlags.READ)
    calls = hc.backend.calls
    assert hc.fd_read(fd, 65536) == big[:65536] and hc.backend.calls == calls
    assert hc.fd_read(fd, 1 << 20) == big[65536:] and hc.backend.calls == calls + 1


def test_known_attributes_expire(tenant, remote):
    """What the client knows answers for attr_ttl seconds at most, even with no request."""
    with WasiClient(HttpBackend.connect(remote.url, remote.token, tenant.name, attr_ttl=0.2)) as c:
        c.preopen("/", "/")
        tenant.conn.execute("SELECT tarbox.write('/t.txt', 'abc')")
        fd = c.fd_open("/t.txt", OpenFlags.READ)
        assert c.fd_read(fd, 10) == b"abc"
        tenant.conn.execute("SELECT tarbox.append('/t.txt', 'def')")
        time.sleep(0.3)
        assert c.fd_read(fd, 10) == b"def", "the end of file known has expired"
        fd2 = c.fd_open("/t.txt", OpenFlags.READ)
        tenant.conn.execute("SELECT tarbox.append('/t.txt', 'g')")
        time.sleep(0.3)
        assert c.fd_filestat_get(fd2).size == 7, "the open's attributes have expired"


def test_a_write_error_found_later_is_reported_by_close(hc, tenant):
    """The tenant was switched to a historical (read-only) layer while writes were held: the
    close reports the failed write (EROFS), as NFS reports a failed write-back, and the
    descriptor is closed anyway; a failure found by another call is reported by the
    descriptor's next write."""
    fd = hc.fd_open("/late.txt", NEW)
    hc.fd_write(fd, b"never lands")
    tenant.conn.execute("SELECT tarbox.layer_new('later')")
    tenant.conn.execute("SELECT tarbox.layer_switch('base')")
    try:
        assert fails(hc.fd_close, fd).errno == errno.EROFS
        assert fails(hc.fd_close, fd).errno == errno.EBADF
    finally:
        tenant.conn.execute("SELECT tarbox.layer_switch('later')")
    fd = hc.fd_open("/late.txt", RW)
    hc.fd_seek(fd, 1 << 44, Whence.SET)
    hc.fd_write(fd, b"x")  # held: it fails when sent (EFBIG: past 16 TiB)
    hc.path_create_directory("/dir")  # it is sent here; this call is not the place to report it
    assert fails(hc.fd_write, fd, b"y").errno == errno.EFBIG, "the next write of the descriptor reports it"
    hc.fd_close(fd)
    assert sql_read(tenant, "/late.txt") == b""


def test_the_lease_session_keeps_unlinked_open_files_and_its_end_purges_them(tenant, remote):
    """While an HTTP client runs, a file it holds open survives its unlink by anyone and a
    purge_orphans of another caller (a mount starting); the client's end purges it."""
    c = WasiClient(HttpBackend.connect(remote.url, remote.token, tenant.name))
    try:
        c.preopen("/", "/")
        assert tenant.conn.execute("SELECT count(*) FROM tarbox.mount_session WHERE lease_until > now()").fetchone()[0] == 1
        fd = c.fd_open("/keep.txt", NEW)
        c.fd_write(fd, b"still here")
        c.fd_sync(fd)
        tenant.conn.execute("SELECT tarbox.rm('/keep.txt')")
        assert tenant.conn.execute("SELECT tarbox.purge_orphans()").fetchone()[0] == 0
        assert c.fd_pread(fd, 100, 0) == b"still here"
        ino = c.descriptor(fd).ino
    finally:
        c.close()
    assert tenant.conn.execute("SELECT count(*) FROM tarbox.mount_session").fetchone()[0] == 0
    assert tenant.conn.execute("SELECT count(*) FROM tarbox.inode WHERE ino = %s AND died = 2147483647",
                               (ino,)).fetchone()[0] == 0, "the client's end purged the orphan"


def test_direct_mode_semantics_hold_over_http(hc, tenant):
    """Positions, holes, pread/pwrite, truncation and errors as in direct mode."""
    fd = hc.fd_open("/h.bin", NEW)
    hc.fd_write(fd, b"ab")
    assert hc.fd_seek(fd, 100_000, Whence.SET) == 100_000
    assert hc.fd_filestat_get(fd).size == 2
    hc.fd_write(fd, b"Z")
    assert hc.fd_filestat_get(fd).size == 100_001
    assert hc.fd_pread(fd, 3, 99_999) == b"\0Z"
    hc.fd_filestat_set_size(fd, 1)
    assert hc.fd_filestat_get(fd).size == 1
    hc.fd_close(fd)
    assert sql_read(tenant, "/h.bin") == b"a"
    assert fails(hc.fd_open, "/missing", OpenFlags.READ).errno == errno.ENOENT
    assert fails(hc.fd_open, "/h.bin", NEW | OpenFlags.EXCLUSIVE).errno == errno.EEXIST
    assert fails(hc.path_filestat_get, "/../etc").errno == errno.EPERM
    ro = hc.fd_open("/h.bin", OpenFlags.READ)
    assert fails(hc.fd_write, ro, b"x").errno == errno.EBADF
    hc.path_create_directory("/d")
    hc.path_rename("/h.bin", "/d/h2")
    assert hc.fd_read(ro, 10) == b"a", "the descriptor follows its inode through the rename"
    hc.path_unlink_file("/d/h2")
    assert hc.fd_read(ro, 10) == b"" and hc.fd_pread(ro, 10, 0) == b"a", "and through the unlink"
    names = [e.name for e in hc.fd_readdir(hc.fd_open("/d", OpenFlags.READ | OpenFlags.DIRECTORY))]
    assert names == [b".", b".."]


def test_a_read_only_token_reads_and_is_refused_changes(tenant, admin, wasi_server):
    """A read-only token: no lease session (it could not unlink anything), reads work, every
    change is EROFS, and fsync succeeds (nothing of its own to make durable)."""
    from tests.server.support import make_token
    tenant.conn.execute("SELECT tarbox.write('/r.txt', 'readable')")
    token = make_token(admin, tenant.name, "ro", read_only=True)
    with WasiClient(HttpBackend.connect(wasi_server.url, token, tenant.name)) as c:
        assert c.backend.session is None
        c.preopen("/", "/")
        fd = c.fd_open("/r.txt", OpenFlags.READ)
        assert c.fd_read(fd, 100) == b"readable"
        c.fd_sync(fd)
        assert fails(c.fd_open, "/new", NEW).errno == errno.EROFS
        assert fails(c.path_create_directory, "/d").errno == errno.EROFS
        assert fails(c.path_unlink_file, "/r.txt").errno == errno.EROFS
