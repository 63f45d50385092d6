"""A descriptor that wrote is released at fd_close as a FUSE release does (``tarbox.wasi_close``:
its last held bytes and the text re-chunking with line statistics, in one round trip), in both
modes: a text file written through WASI is stored as text chunks like one written through a
mount, fd_sync does the same durably, a descriptor that only read costs no round trip at close,
and descriptors a program leaves open are released when the run ends. The same tests run in
direct mode (SQL) and HTTP mode (a real ``tarbox serve``), and with a real CPython guest."""

from __future__ import annotations

import errno

import pytest

from tarbox_shell import db
from tarbox_shell.wasi import ClientConfig, DirectBackend, OpenFlags, WasiClient, WasiError
from tarbox_shell.wasi.remote import HttpBackend
from tests.wasi.conftest import run_cli

RW = OpenFlags.READ | OpenFlags.WRITE
NEW = RW | OpenFlags.CREATE | OpenFlags.TRUNCATE
TEXT = b"".join(b"line %d of a text file written through WASI\n" % i for i in range(300))


@pytest.fixture(params=["direct", "http"])
def mode(request):
    return request.param


@pytest.fixture
def wc(mode, tenant, request):
    """A :class:`WasiClient` of ``tenant`` in ``mode`` with the root preopened as ``/``."""
    if mode == "direct":
        c = WasiClient(DirectBackend(db.tenant_connection(tenant.name, tenant.dsn)))
    else:
        remote = request.getfixturevalue("remote")
        c = WasiClient(HttpBackend.connect(remote.url, remote.token, tenant.name))
    c.preopen("/", "/")
    yield c
    c.close()


def layout(tenant, path: str) -> tuple[int, int, int]:
    """(size, text_bytes, text_lines) of the current version of ``path``."""
    return tenant.conn.execute(
        "SELECT i.size, i.text_bytes, i.text_lines FROM tarbox.stat(%s) s JOIN tarbox.inode i "
        "ON i.ino = s.ino AND i.died = 2147483647", (path,)).fetchone()


def write_in_pieces(wc: WasiClient, fd: int, data: bytes, piece: int = 4096) -> None:
    for at in range(0, len(data), piece):
        assert wc.fd_write(fd, data[at:at + piece]) == len(data[at:at + piece])


def test_close_stores_what_was_written_as_text_in_one_round_trip(wc, tenant):
    fd = wc.fd_open("/notes.txt", NEW)
    write_in_pieces(wc, fd, TEXT)
    calls = wc.backend.calls
    wc.fd_close(fd)
    assert wc.backend.calls == calls + 1, "the close (with any held writes) is one round trip"
    assert layout(tenant, "/notes.txt") == (len(TEXT), len(TEXT), 300), "all text chunks, 300 lines"
    assert bytes(tenant.conn.execute("SELECT tarbox.read('/notes.txt')").fetchone()[0]) == TEXT
    assert tenant.conn.execute("SELECT count(*) FROM tarbox.chunkmap c JOIN tarbox.stat('/notes.txt') s "
                               "ON c.ino = s.ino WHERE c.died = 2147483647").fetchone()[0] >= 1


def test_before_the_close_the_written_bytes_are_blocks(mode, wc, tenant):
    """Direct mode: the first write to the empty file is stored as text at once, the ones
    after it as blocks (in proportion to the bytes written), which the close re-chunks; what an
    append adds is re-chunked at the next close."""
    fd = wc.fd_open("/log.txt", NEW)
    write_in_pieces(wc, fd, TEXT)
    if mode == "direct":
        assert layout(tenant, "/log.txt")[:2] == (len(TEXT), 4096), "only the first piece is chunked while open"
    wc.fd_close(fd)
    fd = wc.fd_open("/log.txt", OpenFlags.WRITE | OpenFlags.APPEND)
    wc.fd_write(fd, b"one more line\n")
    wc.fd_close(fd)
    assert layout(tenant, "/log.txt") == (len(TEXT) + 14, len(TEXT) + 14, 301)


def test_fd_sync_of_a_writer_releases_durably_and_reading_costs_nothing_at_close(wc, tenant):
    fd = wc.fd_open("/synced.txt", NEW)
    write_in_pieces(wc, fd, TEXT[:8192])
    calls = wc.backend.calls
    wc.fd_sync(fd)
    assert wc.backend.calls == calls + 1
    size = len(TEXT[:8192])
    assert layout(tenant, "/synced.txt")[:2] == (size, size)
    calls = wc.backend.calls
    wc.fd_close(fd)
    assert wc.backend.calls == calls, "nothing written since the sync: no release at close"
    fd = wc.fd_open("/synced.txt", OpenFlags.READ)
    assert wc.fd_read(fd, 100) == TEXT[:100]
    calls = wc.backend.calls
    wc.fd_close(fd)
    assert wc.backend.calls == calls, "a descriptor that only read is closed without a round trip"


def test_binary_data_stays_blocks_and_a_hole_is_kept(wc, tenant):
    fd = wc.fd_open("/blob.bin", NEW)
    wc.fd_pwrite(fd, b"\x00\xff\x01binary", 1 << 20)
    wc.fd_close(fd)
    size, text_bytes, _ = layout(tenant, "/blob.bin")
    assert (size, text_bytes) == ((1 << 20) + 9, 0)
    assert tenant.conn.execute("SELECT (tarbox.stat('/blob.bin')).blocks").fetchone()[0] <= 128


def test_descriptors_left_open_are_released_when_the_client_closes(mode, tenant, request):
    if mode == "direct":
        c = WasiClient(DirectBackend(db.tenant_connection(tenant.name, tenant.dsn)))
    else:
        remote = request.getfixturevalue("remote")
        c = WasiClient(HttpBackend.connect(remote.url, remote.token, tenant.name))
    c.preopen("/", "/")
    fd = c.fd_open("/open.txt", NEW)
    write_in_pieces(c, fd, TEXT)
    c.close_files()
    with pytest.raises(WasiError) as exc:
        c.fd_close(fd)
    assert exc.value.errno == errno.EBADF
    assert c.preopens(), "the preopens stay"
    c.close()
    assert layout(tenant, "/open.txt") == (len(TEXT), len(TEXT), 300)


def test_close_in_a_historical_layer_reports_the_held_write_and_changes_nothing(mode, wc, tenant):
    fd = wc.fd_open("/late.txt", NEW)
    wc.fd_write(fd, b"text\n")
    if mode == "direct":
        wc.fd_close(fd)  # written already: the release itself has nothing to refuse
        assert layout(tenant, "/late.txt") == (5, 5, 1)
        return
    tenant.conn.execute("SELECT tarbox.layer_new('later')")
    tenant.conn.execute("SELECT tarbox.layer_switch('base')")
    try:
        with pytest.raises(WasiError) as exc:
            wc.fd_close(fd)
        assert exc.value.errno == errno.EROFS
    finally:
        tenant.conn.execute("SELECT tarbox.layer_switch('later')")
    assert layout(tenant, "/late.txt") == (0, 0, 0)


@pytest.mark.parametrize("http", [False, True], ids=["direct", "http"])
def test_cpython_writes_text_files_laid_out_as_a_mount_would(http, work, python_wasm, request):
    """CPython for WASI writes a text file in many small writes and appends to it; in both
    modes the run leaves it stored as text chunks with its line count."""
    remote = request.getfixturevalue("remote") if http else None
    script = ("f = open('/work/out.txt', 'w')\n"
              "for i in range(2000):\n"
              "    f.write(f'row {i}\\n'); f.flush()\n"
              "f.close()\n"
              "with open('/work/out.txt', 'a') as f:\n"
              "    f.write('last\\n')\n")
    r = run_cli(work, python_wasm, ["-c", script], remote=remote)
    assert r.status == 0, r.stderr
    size = sum(len(f"row {i}\n") for i in range(2000)) + 5
    assert layout(work, "/work/out.txt") == (size, size, 2001)


def test_the_same_config_in_both_modes_gives_the_same_layout(tenant, request):
    """Through :meth:`WasiClient.connect` (the path ``tarbox wasi run`` takes)."""
    remote = request.getfixturevalue("remote")
    for name, config in (("/d.txt", ClientConfig(tenant=tenant.name, dsn=tenant.dsn, preopens=[("/", "/")])),
                         ("/h.txt", remote.config(tenant, [("/", "/")]))):
        with WasiClient.connect(config) as c:
            fd = c.fd_open(name, NEW)
            write_in_pieces(c, fd, TEXT, 100)
            c.fd_close(fd)
    assert layout(tenant, "/d.txt") == layout(tenant, "/h.txt") == (len(TEXT), len(TEXT), 300)
