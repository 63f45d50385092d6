"""The inode routes (``/api/v1/inodes``) against a real ``tarbox serve``: descriptors by inode
number (read, write at offsets and append, truncate, allocate, times, readdir with cookies,
fsync), path operations beneath a directory inode with the containment of ``tarbox.wasi_*``
(EPERM/403 for escapes, told apart from EROFS/EACCES by the errno), open files surviving
renames and unlinks, and tenant isolation by inode number."""

from __future__ import annotations

import httpx

from tests.server.support import make_token


def root_ino(ht) -> int:
    return ht.http.get(ht.api + "/stat/").json()["ino"]


def open_at(ht, d: int, path: str, oflags: int = 0, write: bool = False, follow: bool = False) -> httpx.Response:
    return ht.http.post(f"{ht.api}/inodes/{d}/open", json={"path": path, "oflags": oflags, "write": write,
                                                           "follow": follow})


def test_whoami_names_the_tokens_tenant(ht):
    r = ht.http.get(ht.api + "/whoami")
    assert r.status_code == 200 and r.json()["tenant"] == ht.tenant.name
    assert r.json()["tenant_id"] == int(ht.tenant.role.rsplit("_", 1)[1])


def test_open_write_read_by_inode(ht):
    """path_open creates and answers the attributes; writes at offsets answer the new
    position, append answers the new end, a gap is a hole; reads carry the file's size."""
    root = root_ino(ht)
    ht.http.post(f"{ht.api}/inodes/{root}/mkdir", json={"path": "w"})
    r = open_at(ht, root, "w/a.txt", oflags=1, write=True)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["type"] == "file" and a["size"] == 0 and a["mode"] == 0o100644 and a["nlink"] == 1
    ino = a["ino"]
    data = f"{ht.api}/inodes/{ino}/data"
    assert ht.http.patch(data, params={"offset": 0}, content=b"hello").json() == {"position": 5}
    assert ht.http.patch(data, params={"offset": 10}, content=b"Z").json() == {"position": 11}
    assert ht.http.patch(data, params={"append": "true"}, content=b"++").json() == {"position": 13}
    r = ht.http.get(data, params={"offset": 0, "length": 100})
    assert r.content == b"hello" + bytes(5) + b"Z++" and r.headers["x-tarbox-size"] == "13"
    r = ht.http.get(data, params={"offset": 3, "length": 4})
    assert r.content == b"lo\0\0" and r.headers["x-tarbox-size"] == "13"
    assert ht.http.get(data, params={"offset": 50}).content == b""
    assert ht.http.get(f"{ht.api}/inodes/{ino}").json()["size"] == 13
    assert ht.tenant.conn.execute("SELECT tarbox.read('/w/a.txt')").fetchone()[0] == b"hello" + bytes(5) + b"Z++"
    # truncate, allocate, times
    assert ht.http.post(f"{ht.api}/inodes/{ino}/size", json={"size": 4}).json()["size"] == 4
    assert ht.http.post(f"{ht.api}/inodes/{ino}/allocate", json={"offset": 0, "length": 100}).json()["size"] == 100
    t = ht.http.post(f"{ht.api}/inodes/{ino}/times", json={"atim": 10**9, "mtim": 2 * 10**9, "fst_flags": 5}).json()
    assert (t["atime_ns"], t["mtime_ns"]) == (10**9, 2 * 10**9)
    t = ht.http.post(f"{ht.api}/inodes/{root}/times", json={"path": "w/a.txt", "atim": 7, "mtim": 8,
                                                            "fst_flags": 5}).json()
    assert (t["ino"], t["atime_ns"], t["mtime_ns"]) == (ino, 7, 8)
    assert ht.http.post(f"{ht.api}/sync").status_code == 204


def test_large_reads_stream_and_large_writes_are_one_transaction(ht):
    """A 3 MiB + 5 body is written in pieces of one transaction; a read of 2.5 MiB streams in
    pieces; a read over the length limit is refused."""
    root = root_ino(ht)
    ino = open_at(ht, root, "big", oflags=1, write=True).json()["ino"]
    blob = bytes(range(256)) * (3 * 4096) + b"tail!"
    r = ht.http.patch(f"{ht.api}/inodes/{ino}/data", params={"offset": 0}, content=iter([blob[:100_000], blob[100_000:]]))
    assert r.status_code == 200 and r.json() == {"position": len(blob)}, r.text
    r = ht.http.patch(f"{ht.api}/inodes/{ino}/data", params={"append": "true"}, content=iter([b"x" * 1_500_000]))
    assert r.json() == {"position": len(blob) + 1_500_000}
    got = ht.http.get(f"{ht.api}/inodes/{ino}/data", params={"offset": 1, "length": 2_621_440})
    assert got.status_code == 200 and got.content == blob[1:1 + 2_621_440]
    everything = ht.http.get(f"{ht.api}/inodes/{ino}/data", params={"offset": 0, "length": 16 << 20}).content
    assert everything == blob + b"x" * 1_500_000
    r = ht.http.get(f"{ht.api}/inodes/{ino}/data", params={"length": (16 << 20) + 1})
    assert r.status_code == 422 and r.json()["error"] == "EINVAL"


def test_path_operations_beneath_a_directory(ht):
    root = root_ino(ht)
    api = f"{ht.api}/inodes/{root}"
    d = ht.http.post(api + "/mkdir", json={"path": "d"})
    assert d.status_code == 201 and d.json()["type"] == "dir"
    assert ht.http.post(api + "/mkdir", json={"path": "d"}).json()["error"] == "EEXIST"
    f = open_at(ht, d.json()["ino"], "f", oflags=1, write=True).json()
    assert ht.http.get(api + "/stat", params={"path": "d/f"}).json()["ino"] == f["ino"]
    assert ht.http.get(api + "/stat", params={"path": "d/missing"}).status_code == 404
    assert ht.http.post(api + "/symlink", json={"target": "d/f", "path": "l"}).status_code == 201
    assert ht.http.get(api + "/readlink", params={"path": "l"}).json() == {"target": "d/f", "target_encoded": "d/f"}
    assert ht.http.get(api + "/stat", params={"path": "l", "follow": "true"}).json()["ino"] == f["ino"]
    assert ht.http.get(api + "/stat", params={"path": "l"}).json()["type"] == "symlink"
    h = ht.http.post(api + "/link", json={"path": "d/f", "new_dir": root, "new_path": "hard"})
    assert h.status_code == 201 and h.json()["nlink"] == 2
    assert ht.http.post(api + "/rename", json={"path": "hard", "new_dir": d.json()["ino"], "new_path": "g"}).status_code == 204
    assert ht.http.post(api + "/unlink", json={"path": "d/g"}).status_code == 204
    assert ht.http.post(api + "/rmdir", json={"path": "d"}).json()["error"] == "ENOTEMPTY"
    assert ht.http.post(api + "/unlink", json={"path": "d"}).json()["error"] == "EISDIR"
    assert open_at(ht, root, "d/f", oflags=5, write=True).json()["error"] == "EEXIST"
    assert open_at(ht, root, "d", write=True).json()["error"] == "EISDIR"
    assert ht.tenant.conn.execute("SELECT count(*) FROM tarbox.ls('/d')").fetchone()[0] == 1


def test_escapes_are_eperm_and_told_apart_from_erofs_and_eacces(ht, admin):
    """'..' above the base, absolute paths and links out are EPERM (403, errno 1), as wasmtime
    refuses them; a read-only token is EROFS (403, errno 30); a missing token 401."""
    c = ht.tenant.conn
    c.execute("SELECT tarbox.mkdir('/jail/sub', 493, true)")
    c.execute("SELECT tarbox.write('/secret', 'secret')")
    c.execute("SELECT tarbox.ln('../..', '/jail/sub/up', true)")
    c.execute("SELECT tarbox.ln('/secret', '/jail/abs', true)")
    jail = ht.http.get(ht.api + "/stat/jail").json()["ino"]
    api = f"{ht.api}/inodes/{jail}"
    attempts = [
        open_at(ht, jail, "../secret"), open_at(ht, jail, "/secret"), open_at(ht, jail, "sub/../../secret"),
        open_at(ht, jail, "sub/up/secret", follow=True), open_at(ht, jail, "abs", follow=True),
        open_at(ht, jail, "../x", oflags=1, write=True),
        ht.http.get(api + "/stat", params={"path": ".."}),
        ht.http.post(api + "/mkdir", json={"path": "sub/up/newdir"}),
        ht.http.post(api + "/rename", json={"path": "sub", "new_dir": jail, "new_path": "../stolen"}),
        ht.http.post(api + "/link", json={"path": "../secret", "new_dir": jail, "new_path": "got"}),
        ht.http.post(api + "/symlink", json={"target": "/etc", "path": "abs2"}),
        ht.http.post(api + "/unlink", json={"path": "sub/up/secret"}),
        ht.http.get(api + "/readlink", params={"path": "sub/up/jail/abs"}),
        ht.http.post(api + "/times", json={"path": "../secret", "atim": 1, "mtim": 1, "fst_flags": 5}),
    ]
    for r in attempts:
        assert (r.status_code, r.json()["error"], r.json()["errno"]) == (403, "EPERM", 1), r.text
    assert c.execute("SELECT tarbox.read_text('/secret')").fetchone()[0] == "secret"
    assert sorted(n for (n,) in c.execute("SELECT name FROM tarbox.ls('/')")) == ["jail", "secret"]
    ro = make_token(admin, ht.tenant.name, "ro", read_only=True)
    with httpx.Client(headers={"Authorization": f"Bearer {ro}"}) as h:
        r = h.post(f"{api}/open", json={"path": "new", "oflags": 1, "write": True})
        assert (r.status_code, r.json()["error"], r.json()["errno"]) == (403, "EROFS", 30)
        assert h.post(f"{api}/open", json={"path": "sub"}).status_code == 200, "a read-only token reads"
    assert httpx.get(f"{api}/stat", params={"path": "sub"}).status_code == 401


def test_an_open_inode_survives_rename_and_unlink(ht):
    """What descriptors need: the inode number keeps reading and writing the file after its
    name moved or went away."""
    root = root_ino(ht)
    ino = open_at(ht, root, "f", oflags=1, write=True).json()["ino"]
    ht.http.patch(f"{ht.api}/inodes/{ino}/data", content=b"before")
    assert ht.http.post(f"{ht.api}/inodes/{root}/rename", json={"path": "f", "new_dir": root, "new_path": "g"}).status_code == 204
    assert ht.http.patch(f"{ht.api}/inodes/{ino}/data", params={"append": "true"}, content=b" moved").status_code == 200
    assert ht.http.post(f"{ht.api}/inodes/{root}/unlink", json={"path": "g"}).status_code == 204
    assert ht.http.get(f"{ht.api}/inodes/{ino}").json()["nlink"] == 0
    assert ht.http.get(f"{ht.api}/inodes/{ino}/data").content == b"before moved"
    ht.tenant.conn.execute("SELECT tarbox.purge_orphans()")
    assert ht.http.get(f"{ht.api}/inodes/{ino}/data").json()["error"] == "ENOENT"


def test_readdir_pages_with_cookies(ht):
    root = root_ino(ht)
    d = ht.http.post(f"{ht.api}/inodes/{root}/mkdir", json={"path": "r"}).json()["ino"]
    names = {f"n{i:02d}" for i in range(25)} | {"caf\xe9"}
    for n in names:
        open_at(ht, d, n, oflags=1, write=True)
    seen, cookie = [], 0
    while True:
        page = ht.http.get(f"{ht.api}/inodes/{d}/entries", params={"cookie": cookie, "limit": 4}).json()["entries"]
        if not page:
            break
        seen += page
        cookie = page[-1]["next"]
    assert [e["name"] for e in seen[:2]] == [".", ".."] and seen[1]["ino"] == root
    assert sorted(e["name"] for e in seen[2:]) == sorted(names)
    assert all(e["mode"] == 0o100644 for e in seen[2:])
    assert ht.http.get(f"{ht.api}/inodes/{seen[2]['ino']}/entries").json()["error"] == "ENOTDIR"


def test_another_tenants_inodes_are_not_there(ht, admin):
    """Inode numbers are per tenant: another tenant's token, given this tenant's inode
    numbers, finds nothing (404), reads nothing, writes nothing."""
    from tests.conftest import unique_tenant_name
    root = root_ino(ht)
    ino = open_at(ht, root, "mine", oflags=1, write=True).json()["ino"]
    ht.http.patch(f"{ht.api}/inodes/{ino}/data", content=b"private")
    other = unique_tenant_name()
    admin.execute("SELECT tarbox.tenant_create(%s)", (other,))
    try:
        token = make_token(admin, other)
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, base_url=ht.api) as h:
            assert h.get(f"/inodes/{ino}").status_code == 404
            assert h.get(f"/inodes/{ino}/data").status_code == 404
            assert h.patch(f"/inodes/{ino}/data", content=b"x").status_code == 404
            assert h.post(f"/inodes/{ino}/size", json={"size": 0}).status_code == 404
            assert h.get(f"/inodes/{root}/stat", params={"path": "mine"}).status_code == 404
            assert h.get("/whoami").json()["tenant"] == other
    finally:
        admin.execute("SELECT tarbox.tenant_delete(%s)", (other,))
    assert ht.http.get(f"{ht.api}/inodes/{ino}/data").content == b"private"


def test_invalid_arguments_are_clear_errors(ht):
    root = root_ino(ht)
    bad = [
        ht.http.post(f"{ht.api}/inodes/{root}/open", json={"path": "a\u0000b"}),
        ht.http.post(f"{ht.api}/inodes/{root}/open", content=b'{"path": "\\ud800"}',
                     headers={"content-type": "application/json"}),
        ht.http.post(f"{ht.api}/inodes/{root}/open", json={"path": "x", "oflags": 16}),
        ht.http.post(f"{ht.api}/inodes/{root}/open", json={"path": "x", "oflags": 3}),
        ht.http.get(f"{ht.api}/inodes/{root}/stat", params={"path": b"\xff".decode("latin-1")}),
        ht.http.get(f"{ht.api}/inodes/{root}/stat?path=%FF"),
        ht.http.get(f"{ht.api}/inodes/0"),
        ht.http.post(f"{ht.api}/inodes/{root}/times", json={"atim": 1, "mtim": 1, "fst_flags": 3}),
        ht.http.get(f"{ht.api}/inodes/{root}/data"),
    ]
    for r in bad:
        assert 400 <= r.status_code < 500, r.text
        body = r.json()
        assert set(body) == {"error", "errno", "message"} and body["message"], body
    assert bad[5].json()["error"] == "EILSEQ"
    assert bad[8].json()["error"] == "EISDIR"


def test_lease_sessions_keep_unlinked_open_inodes_until_they_end(ht):
    """POST /sessions registers a lease session: while it lives an unlinked inode is kept
    even through another caller's purge_orphans; DELETE ends it and purges the inode."""
    root = root_ino(ht)
    r = ht.http.post(ht.api + "/sessions", json={"lease_seconds": 30})
    assert r.status_code == 201 and r.json()["lease_seconds"] == 30
    session = r.json()["session"]
    assert ht.http.post(f"{ht.api}/sessions/{session}", json={"lease_seconds": 60}).json()["session"] == session
    ino = open_at(ht, root, "f", oflags=1, write=True).json()["ino"]
    ht.http.post(f"{ht.api}/inodes/{root}/unlink", json={"path": "f"})
    assert ht.tenant.conn.execute("SELECT tarbox.purge_orphans()").fetchone()[0] == 0
    assert ht.http.get(f"{ht.api}/inodes/{ino}").json()["nlink"] == 0
    assert ht.http.delete(f"{ht.api}/sessions/{session}").json() == {"purged": 1}
    assert ht.http.get(f"{ht.api}/inodes/{ino}").status_code == 404
    r = ht.http.post(f"{ht.api}/sessions/{session}", json={})
    assert (r.status_code, r.json()["error"]) == (404, "ENOENT")
    assert ht.http.post(ht.api + "/sessions", json={"lease_seconds": 0}).status_code == 422
    assert ht.http.post(ht.api + "/sessions", json={"lease_seconds": 3601}).status_code == 422


def test_open_reads_ahead_in_the_same_call(ht):
    """read_ahead: the open answers the first bytes of a regular file too (all of a shorter
    one), nothing for a directory, the emptied content of a truncating open."""
    import base64
    root = root_ino(ht)
    ht.tenant.conn.execute("SELECT tarbox.write('/f', %s::bytea)", (b"0123456789",))
    r = ht.http.post(f"{ht.api}/inodes/{root}/open", json={"path": "f", "read_ahead": 4}).json()
    assert base64.b64decode(r["data_base64"]) == b"0123" and r["size"] == 10
    r = ht.http.post(f"{ht.api}/inodes/{root}/open", json={"path": "f", "read_ahead": 65536}).json()
    assert base64.b64decode(r["data_base64"]) == b"0123456789"
    assert ht.http.post(f"{ht.api}/inodes/{root}/open", json={"path": "f"}).json()["data_base64"] is None
    assert ht.http.post(f"{ht.api}/inodes/{root}/open", json={"path": ".", "read_ahead": 10}).json()["data_base64"] is None
    r = ht.http.post(f"{ht.api}/inodes/{root}/open", json={"path": "f", "oflags": 8, "write": True, "read_ahead": 10})
    assert r.json()["data_base64"] == "" and r.json()["size"] == 0
    assert ht.http.post(f"{ht.api}/inodes/{root}/open", json={"path": "f", "read_ahead": (1 << 20) + 1}).status_code == 422


def test_close_writes_the_held_bytes_and_stores_text_as_a_release(ht, admin):
    """POST /inodes/{ino}/close: the body at the offset (or appended) and the re-chunking of a
    FUSE release in one call; a body over 1 MiB in pieces of the same transaction; an empty body
    only releases; a read-only token is EROFS and changes nothing."""
    root = root_ino(ht)
    ino = open_at(ht, root, "c.txt", oflags=1, write=True).json()["ino"]
    close = f"{ht.api}/inodes/{ino}/close"
    assert ht.http.patch(f"{ht.api}/inodes/{ino}/data", params={"offset": 0}, content=b"a\nb\n").status_code == 200

    def layout():
        return ht.tenant.conn.execute(
            "SELECT i.size, i.text_bytes, i.text_lines FROM tarbox.stat('/c.txt') s JOIN tarbox.inode i "
            "ON i.ino = s.ino AND i.died = 2147483647").fetchone()

    assert layout() == (4, 4, 2), "the first write of text to an empty file is stored as text at once"
    assert ht.http.patch(f"{ht.api}/inodes/{ino}/data", params={"offset": 1}, content=b"\n").status_code == 200
    assert layout() == (4, 0, 0), "a write inside the text moves it into the block part"
    r = ht.http.post(close, params={"offset": 4}, content=b"c\n")
    assert (r.status_code, r.json()) == (200, {"position": 6}), r.text
    assert layout() == (6, 6, 3)
    r = ht.http.post(close, params={"append": "true", "sync": "true"}, content=b"d\n")
    assert r.json() == {"position": 8}
    assert ht.http.patch(f"{ht.api}/inodes/{ino}/data", params={"append": "true"}, content=b"e\n").status_code == 200
    assert ht.http.post(close).json() == {"position": None}
    assert layout() == (10, 10, 5)
    big = b"".join(b"row %07d " % i + b"." * 90 + b"\n" for i in range(15_000))  # 1.5 MB of text
    r = ht.http.post(close, params={"offset": 10}, content=iter([big[:700_000], big[700_000:]]))
    assert r.json() == {"position": 10 + len(big)}, r.text
    assert layout() == (10 + len(big), 10 + len(big), 15_005)
    ro = make_token(admin, ht.tenant.name, "ro-close", read_only=True)
    with httpx.Client(headers={"Authorization": f"Bearer {ro}"}) as h:
        r = h.post(close, params={"offset": 0}, content=b"X")
        assert (r.status_code, r.json()["error"]) == (403, "EROFS")
    assert ht.tenant.conn.execute("SELECT substr(tarbox.read('/c.txt', 0, 4), 1, 4)").fetchone()[0] == b"a\nb\n"
    r = ht.http.post(f"{ht.api}/inodes/{root}/close", content=b"x")
    assert (r.status_code, r.json()["error"]) == (400, "EISDIR"), r.text
