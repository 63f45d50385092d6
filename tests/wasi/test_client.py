"""The fd-style client in direct mode against a real database: positions, holes, appends,
the descriptor table, readdir cookies, containment, errors with their WASI errno, and one
SQL call per operation (none for the calls the table answers)."""

from __future__ import annotations

import errno

import pytest

from tarbox_shell import db
from tarbox_shell.wasi import (DatabaseUnavailable, DirectBackend, FileType, OpenFlags,
                               WasiClient, WasiError, Whence)
from tarbox_shell.wasi.types import FILE_RO_RIGHTS, FILE_RW_RIGHTS, PREOPEN_RIGHTS_BASE

RW = OpenFlags.READ | OpenFlags.WRITE
NEW = RW | OpenFlags.CREATE


def fails(fn, *args, **kw) -> WasiError:
    with pytest.raises(WasiError) as exc:
        fn(*args, **kw)
    return exc.value


def test_write_read_seek_positions(client, tenant):
    fd = client.fd_open("/a.txt", NEW)
    assert client.fd_write(fd, b"hello ") == 6
    assert client.fd_write(fd, b"world") == 5
    assert client.fd_tell(fd) == 11
    assert client.fd_seek(fd, 0, Whence.SET) == 0
    assert client.fd_read(fd, 5) == b"hello"
    assert client.fd_tell(fd) == 5
    assert client.fd_seek(fd, -2, Whence.END) == 9
    assert client.fd_read(fd, 100) == b"ld"
    assert client.fd_read(fd, 100) == b""  # end of file
    assert client.fd_pread(fd, 3, 6) == b"wor"
    assert client.fd_tell(fd) == 11, "pread leaves the position alone"
    assert client.fd_pwrite(fd, b"W", 6) == 1
    assert client.fd_tell(fd) == 11, "pwrite leaves the position alone"
    assert tenant.conn.execute("SELECT tarbox.read_text('/a.txt')").fetchone()[0] == "hello World"
    assert fails(client.fd_seek, fd, -12, Whence.CUR).errno == errno.EINVAL


def test_seek_past_end_and_write_leaves_a_hole(client, tenant):
    fd = client.fd_open("/h.bin", NEW)
    client.fd_write(fd, b"ab")
    assert client.fd_seek(fd, 100_000, Whence.SET) == 100_000
    assert client.fd_filestat_get(fd).size == 2, "seeking alone does not grow the file"
    client.fd_write(fd, b"Z")
    assert client.fd_filestat_get(fd).size == 100_001
    client.fd_seek(fd, 0, Whence.SET)
    data = client.fd_read(fd, 200_000)
    assert data == b"ab" + bytes(99_998) + b"Z"
    # The hole holds no stored block: "ab" was stored as text (an append to an empty file),
    # the block part after it holds only the 64 KiB block with the Z (block 1: 99,998 bytes on).
    ino = client.descriptor(fd).ino
    blocks = tenant.conn.execute(
        "SELECT array_agg(m.blkno ORDER BY m.blkno) FROM tarbox.blockmap m WHERE m.ino = %s AND m.died = 2147483647",
        (ino,)).fetchone()[0]
    assert blocks == [1]
    assert tenant.conn.execute("SELECT text_bytes FROM tarbox.inode WHERE ino = %s AND died = 2147483647",
                               (ino,)).fetchone()[0] == 2


def test_append_writes_at_the_end_and_moves_the_position(client, tenant):
    fd = client.fd_open("/log", NEW)
    client.fd_write(fd, b"first\n")
    ap = client.fd_open("/log", OpenFlags.WRITE | OpenFlags.APPEND)
    client.fd_seek(ap, 0, Whence.SET)
    client.fd_write(ap, b"second\n")
    assert client.fd_tell(ap) == 13, "after an append the position is the new end"
    client.fd_write(fd, b"FIRST\n")  # the other descriptor writes at its own position (6)
    client.fd_write(ap, b"third\n")
    # "first\nsecond\n", FIRST\n over "second" at 6, then "third\n" at the end (13)
    assert tenant.conn.execute("SELECT tarbox.read_text('/log')").fetchone()[0] == \
        "first\nFIRST\n\nthird\n"


def test_a_small_write_rewrites_one_block_not_the_file(client, tenant):
    fd = client.fd_open("/big", NEW)
    client.fd_write(fd, bytes(range(256)) * 1024)  # 256 KiB = 4 blocks
    tenant.conn.execute("SELECT tarbox.layer_new('edits')")
    client.fd_seek(fd, 70_000, Whence.SET)
    client.fd_write(fd, b"edit")
    ino = client.descriptor(fd).ino
    changed = tenant.conn.execute(
        "SELECT count(*) FROM tarbox.blockmap m JOIN tarbox.layer l USING (tenant_id) "
        "WHERE m.ino = %s AND l.name = 'edits' AND m.born >= l.layer_id",
        (ino,)).fetchone()[0]
    assert changed == 1, "the 4-byte write made one new block version (block 1), not four"
    data = client.fd_pread(fd, 256 * 1024, 0)
    assert data[70_000:70_004] == b"edit" and len(data) == 256 * 1024


def test_one_sql_call_per_operation_none_for_table_calls(client):
    b = client.backend

    def calls(fn, *args, **kw):
        before = b.calls
        fn(*args, **kw)
        return b.calls - before

    assert calls(client.path_create_directory, "/d") == 1
    fd = client.fd_open("/d/f", NEW)
    assert calls(client.fd_open, "/d/f", RW) == 1
    assert calls(client.fd_write, fd, b"x" * 1000) == 1
    assert calls(client.fd_seek, fd, 0, Whence.SET) == 0
    assert calls(client.fd_seek, fd, 10, Whence.CUR) == 0
    assert calls(client.fd_tell, fd) == 0
    assert calls(client.fd_fdstat_get, fd) == 0
    assert calls(client.fd_advise, fd, 0, 10, 2) == 0
    assert calls(client.fd_prestat_get, 3) == 0
    assert calls(client.fd_seek, fd, 0, Whence.END) == 1
    assert calls(client.fd_read, fd, 10) == 1
    assert calls(client.fd_pread, fd, 10, 0) == 1
    assert calls(client.fd_filestat_get, fd) == 1
    assert calls(client.fd_filestat_set_size, fd, 10) == 1
    assert calls(client.fd_filestat_set_times, fd, 0, 5, 4) == 1
    assert calls(client.fd_allocate, fd, 0, 100) == 1
    assert calls(client.fd_sync, fd) == 1
    assert calls(client.path_filestat_get, "/d/f") == 1
    assert calls(client.path_rename, "/d/f", "/d/g") == 1
    assert calls(client.path_symlink, "g", "/d/l") == 1
    assert calls(client.path_readlink, "/d/l") == 1
    assert calls(client.path_link, "/d/g", "/d/h") == 1
    assert calls(client.path_filestat_set_times, "/d/g", 1, 2, 5) == 1
    dfd = client.fd_open("/d", OpenFlags.DIRECTORY)
    assert calls(client.fd_readdir, dfd, 0, 100) == 1
    assert calls(client.fd_write, fd, b"") == 0, "an empty write needs no call"
    assert calls(client.fd_renumber, fd, dfd) == 0
    assert calls(client.fd_close, dfd) == 0
    assert calls(client.path_unlink_file, "/d/h") == 1


def test_descriptor_table(client):
    assert client.preopens() == [(3, "/")]
    st = client.fd_fdstat_get(3)
    assert st.filetype == FileType.DIRECTORY and st.rights_base == PREOPEN_RIGHTS_BASE
    a = client.fd_open("/a", NEW)
    b = client.fd_open("/b", NEW)
    assert (a, b) == (4, 5)
    assert client.fd_fdstat_get(a).rights_base == FILE_RW_RIGHTS
    ro = client.fd_open("/a")
    assert client.fd_fdstat_get(ro).rights_base == FILE_RO_RIGHTS
    client.fd_close(a)
    assert client.fd_open("/c", NEW) == 4, "the lowest free number is reused"
    assert fails(client.fd_close, 99).errno == errno.EBADF
    assert fails(client.fd_renumber, b, 77).errno == errno.EBADF, "renumber onto a closed fd"
    client.fd_write(b, b"bee")
    client.fd_renumber(b, ro)
    assert fails(client.fd_tell, b).errno == errno.EBADF
    assert client.fd_pread(ro, 10, 0) == b"bee", "ro now is what b was"
    assert fails(client.fd_prestat_get, ro).errno == errno.EBADF
    assert fails(client.fd_prestat_get, 50).errno == errno.EBADF


def test_access_modes_as_wasmtime_grants_them(client):
    fd = client.fd_open("/f", NEW)
    client.fd_write(fd, b"data")
    ro = client.fd_open("/f", OpenFlags.READ)
    wo = client.fd_open("/f", OpenFlags.WRITE)
    assert fails(client.fd_write, ro, b"x").wasi_errno == 8  # EBADF
    assert fails(client.fd_read, wo, 1).wasi_errno == 8
    assert fails(client.fd_filestat_set_size, ro, 0).wasi_errno == 28  # EINVAL, as wasmtime
    d = client.fd_open("/", OpenFlags.DIRECTORY)
    assert fails(client.fd_read, d, 1).errno == errno.EBADF
    assert fails(client.fd_seek, d, 0, Whence.SET).errno == errno.EBADF
    assert fails(client.fd_readdir, fd).errno == errno.EBADF
    assert fails(client.fd_open, "/", RW).errno == errno.EISDIR
    assert fails(client.fd_open, "/f", OpenFlags.DIRECTORY).errno == errno.ENOTDIR
    assert fails(client.fd_open, "/f", NEW | OpenFlags.EXCLUSIVE).wasi_errno == 20  # EEXIST
    assert fails(client.fd_fdstat_set_flags, fd, 16).errno == errno.EINVAL
    assert fails(client.fd_fdstat_set_rights, fd, 0, 0).wasi_errno == 58  # ENOTSUP
    client.fd_fdstat_set_flags(fd, 1)
    client.fd_write(fd, b"++")
    assert client.fd_pread(fd, 10, 0) == b"data++"
    tr = client.fd_open("/f", RW | OpenFlags.TRUNCATE)
    assert client.fd_filestat_get(tr).size == 0


def test_readdir_cookies_page_through_and_survive_changes(client, tenant):
    client.path_create_directory("/many")
    names = {f"file-{i:03d}".encode() for i in range(50)}
    for n in names:
        client.fd_close(client.fd_open(b"/many/" + n, NEW))
    d = client.fd_open("/many", OpenFlags.DIRECTORY)
    first = client.fd_readdir(d, 0, 2)
    assert [e.name for e in first] == [b".", b".."]
    assert first[0].filetype == FileType.DIRECTORY and first[0].ino == client.descriptor(d).ino
    seen, cookie = [], 0
    while True:
        page = client.fd_readdir(d, cookie, 7)
        if not page:
            break
        seen += [e.name for e in page]
        cookie = page[-1].next
        if len(seen) == 20:  # change the directory in the middle of the listing
            client.fd_close(client.fd_open("/many/added-late", NEW))
            client.path_unlink_file("/many/" + seen[-1].decode())
    listed = set(seen) - {b".", b".."}
    assert names <= listed | {seen[19]}, "every entry present throughout is listed once"
    assert len(seen) == len(set(seen)), "no entry twice"
    assert all(e.filetype == FileType.REGULAR_FILE for e in client.fd_readdir(d, 2, 1000))


def test_containment_under_a_preopen(tenant):
    tenant.conn.execute("SELECT tarbox.mkdir('/jail')")
    tenant.conn.execute("SELECT tarbox.write('/secret', 'top')")
    tenant.conn.execute("SELECT tarbox.ln('../secret', '/jail/esc', true)")
    with WasiClient(DirectBackend(db.tenant_connection(tenant.name, tenant.dsn))) as c:
        c.preopen("/jail", "/jail")
        for path in ["/jail/../secret", "/jail/esc", "/jail/esc/x"]:
            assert fails(c.fd_open, path).wasi_errno == 63, path  # EPERM
        assert fails(c.fd_open, "../secret", dirfd=3).wasi_errno == 63
        assert fails(c.path_symlink, "/etc/passwd", "/jail/abs").wasi_errno == 63
        assert fails(c.fd_open, "/secret").errno == errno.ENOENT, "no preopen holds /secret"
        assert c.path_filestat_get("/jail/esc", follow=False).filetype == FileType.SYMBOLIC_LINK
        assert c.path_readlink("/jail/esc") == b"../secret"
    assert tenant.conn.execute("SELECT tarbox.read_text('/secret')").fetchone()[0] == "top"


def test_longest_preopen_prefix_wins(tenant):
    tenant.conn.execute("SELECT tarbox.mkdir('/a/b', 493, true)")
    tenant.conn.execute("SELECT tarbox.write('/a/b/f', 'inner')")
    tenant.conn.execute("SELECT tarbox.write('/a/f', 'outer')")
    with WasiClient(DirectBackend(db.tenant_connection(tenant.name, tenant.dsn))) as c:
        c.preopen("/data", "/a")
        c.preopen("/data/b", "/a/b")
        assert c.fd_read(c.fd_open("/data/f"), 10) == b"outer"
        assert c.fd_read(c.fd_open("/data/b/f"), 10) == b"inner"
        # as wasi-libc does: /data/b is the longest prefix, and ".." may not leave it
        assert fails(c.fd_open, "/data/b/../f").wasi_errno == 63


def test_paths_and_attributes(client, tenant):
    client.path_create_directory("/d")
    assert fails(client.path_create_directory, "/d").errno == errno.EEXIST
    fd = client.fd_open("/d/f", NEW)
    client.fd_write(fd, b"12345")
    st = client.path_filestat_get("/d/f")
    row = tenant.conn.execute("SELECT ino, nlink, size, mtime_ns FROM tarbox.stat('/d/f')").fetchone()
    assert (st.ino, st.nlink, st.size, st.mtim) == tuple(row)
    assert st.filetype == FileType.REGULAR_FILE
    client.path_link("/d/f", "/d/g")
    assert client.fd_filestat_get(fd).nlink == 2
    client.path_symlink("f", "/d/l")
    assert client.path_filestat_get("/d/l").ino == st.ino
    assert client.path_filestat_get("/d/l", follow=False).filetype == FileType.SYMBOLIC_LINK
    client.path_filestat_set_times("/d/f", 1_000_000_000, 2_000_000_000, 5)
    st = client.path_filestat_get("/d/f")
    assert (st.atim, st.mtim) == (1_000_000_000, 2_000_000_000)
    client.fd_filestat_set_times(fd, 0, 0, 8)
    assert client.fd_filestat_get(fd).mtim > 2_000_000_000
    assert fails(client.path_filestat_set_times, "/d/f", 1, 1, 3).errno == errno.EINVAL
    client.fd_allocate(fd, 0, 1000)
    assert client.fd_filestat_get(fd).size == 1000
    client.fd_filestat_set_size(fd, 3)
    assert client.fd_pread(fd, 10, 0) == b"123"
    client.path_rename("/d/g", "/g2")
    assert fails(client.path_remove_directory, "/d").errno == errno.ENOTEMPTY
    for name in ["/d/f", "/d/l"]:
        client.path_unlink_file(name)
    client.path_remove_directory("/d")
    assert fails(client.path_filestat_get, "/d").errno == errno.ENOENT
    assert client.path_filestat_get("/g2").nlink == 1


def test_an_unlinked_open_file_stays_readable(client, tenant):
    fd = client.fd_open("/tmpfile", NEW)
    client.fd_write(fd, b"still here")
    client.path_unlink_file("/tmpfile")
    assert fails(client.path_filestat_get, "/tmpfile").errno == errno.ENOENT
    assert client.fd_pread(fd, 100, 0) == b"still here"
    # Other callers' purges keep it while this client (a registered session) runs.
    tenant.conn.execute("SELECT tarbox.purge_orphans()")
    assert client.fd_pread(fd, 100, 0) == b"still here"
    # client.close() (fixture) purges it; the tenant fixture's fsck then checks the tree.


def test_errors_carry_errno_message_and_wasi_number(client):
    e = fails(client.fd_open, "/missing/file")
    assert (e.errno, e.wasi_errno) == (errno.ENOENT, 44)
    assert "/missing/file" in e.message or "missing" in e.message
    e = fails(client.fd_open, b"/\xff")
    assert (e.errno, e.wasi_errno) == (errno.EILSEQ, 25)
    e = fails(client.path_filestat_get, "/" + "n" * 256)
    assert e.wasi_errno == 37  # ENAMETOOLONG


def test_lost_connection_is_database_unavailable(tenant, admin):
    conn = db.tenant_connection(tenant.name, tenant.dsn)
    pid = conn.info.backend_pid
    c = WasiClient(DirectBackend(conn))
    c.preopen("/", "/")
    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(DatabaseUnavailable) as exc:
        c.path_filestat_get("/")
    assert exc.value.wasi_errno == 29 and "connection" in exc.value.message
    c.close()
    assert conn.closed or conn.broken
