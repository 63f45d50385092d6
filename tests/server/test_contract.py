"""The remote-filesystem contract of RunMat's clients, driven exactly as they drive it: the
recorded TypeScript session replayed request by request (real bodies of the recorded lengths),
and the Rust client's habits (metadata before read, 4 parallel 16 MiB ranged reads,
createNew, mkdir of the parent before every write, retries of GET on 503)."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import time
from pathlib import Path

import httpx

from tests.server.support import Server, make_token

#: The session recorded from RunMat's TypeScript client (a copy of shared/fixtures/).
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "runmat-ts-client-requests.jsonl"


def recorded() -> list[dict]:
    """The recorded requests, in order."""
    return [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]


def pattern(n: int, start: int = 0) -> bytes:
    """The bytes the TypeScript session uploaded: byte i of the file is (31 i) mod 256."""
    return bytes((31 * i) % 256 for i in range(start, start + n))


def body_of(rec: dict) -> bytes | None:
    """The real body of a recorded request: JSON as recorded; file chunks regenerated at their
    offset, at the recorded length, and checked against the recorded first bytes."""
    if rec["blen"] == 0:
        return b"" if rec["m"] == "PUT" else None
    text = rec["body"]
    if rec["m"] != "PUT":
        assert len(text.encode()) == rec["blen"]
        return text.encode()
    data = pattern(rec["blen"], int(rec["q"].get("offset", "0")))
    cut = text.encode("latin-1")
    if rec["blen"] == 1:
        data = cut  # the one-byte PUT to the read-only file ("x")
    assert data.startswith(cut), "the regenerated chunk must start with the recorded bytes"
    return data


def test_replay_of_the_recorded_typescript_session(ht):
    """Every recorded request gets the status and JSON shape the TypeScript client expects."""
    whole = pattern(150_000)
    answers = []
    for rec in recorded():
        headers = {k: v for k, v in rec["hdr"].items() if k.lower() != "authorization"}
        if "Authorization" in rec["hdr"]:
            headers["Authorization"] = f"Bearer {ht.token}"
        r = httpx.request(rec["m"], ht.url + rec["route"], params=rec["q"], headers=headers,
                          content=body_of(rec), timeout=60)
        answers.append((rec, r))
    by_step = iter(answers)

    def nxt(route: str) -> httpx.Response:
        rec, r = next(by_step)
        assert rec["route"].endswith(route)
        return r

    assert nxt("/fs/mkdir").status_code // 100 == 2
    for _ in range(3):
        assert nxt("/fs/write").status_code // 100 == 2
    r = nxt("/fs/read")
    assert r.status_code == 200 and r.content == whole
    assert "application/json" not in r.headers["content-type"]
    r = nxt("/fs/metadata")
    meta = r.json()
    assert meta["fileType"] == "file" and meta["len"] == 150_000 and meta["readonly"] is False
    modified = dt.datetime.fromisoformat(meta["modifiedAt"].replace("Z", "+00:00"))
    assert abs((dt.datetime.now(dt.timezone.utc) - modified).total_seconds()) < 300
    assert nxt("/fs/write").status_code // 100 == 2          # the empty file
    listing = nxt("/fs/dir").json()
    assert sorted((e["path"], e["fileName"], e["fileType"]) for e in listing) == [
        ("/reports/empty.txt", "empty.txt", "file"), ("/reports/q1", "q1", "dir")]
    assert nxt("/fs/read").content == whole
    r = nxt("/fs/read")                                      # a missing file
    assert r.status_code == 404 and "no such file" in r.text
    assert nxt("/fs/rename").status_code // 100 == 2
    assert nxt("/fs/set-readonly").status_code // 100 == 2
    r = nxt("/fs/write")                                     # one byte to the read-only file
    assert r.status_code == 403 and r.json()["error"] == "EACCES"
    assert nxt("/fs/canonicalize").json() == {"path": "/reports/q1"}
    assert nxt("/fs/dir").status_code // 100 == 2            # recursive rmdir of /reports
    assert nxt("/fs/metadata").status_code == 404
    r = nxt("/fs/dir")                                       # no Authorization header
    assert r.status_code == 401 and "unauthorized" in r.text
    assert set(r.json()) == {"error", "errno", "message"}
    assert ht.tenant.conn.execute("SELECT count(*) FROM tarbox.ls('/')").fetchone()[0] == 0


def test_read_only_file_refuses_writes_until_cleared(ht):
    """set-readonly maps to the write bits: the file shows readonly and refuses writes (403)
    until readonly is set false again."""
    api = ht.api + "/fs"
    assert ht.http.put(api + "/write", params={"path": "f", "offset": 0, "truncate": "true", "final": "true"},
                       content=b"abc").status_code == 204
    assert ht.http.post(api + "/set-readonly", json={"path": "/f", "readonly": True}).status_code == 204
    assert ht.http.get(api + "/metadata", params={"path": "/f"}).json()["readonly"] is True
    assert ht.tenant.conn.execute("SELECT mode & 511 FROM tarbox.stat('/f')").fetchone()[0] == 0o444
    assert ht.http.put(api + "/write", params={"path": "/f", "offset": 1}, content=b"z").status_code == 403
    assert ht.http.post(api + "/set-readonly", json={"path": "/f", "readonly": False}).status_code == 204
    assert ht.http.put(api + "/write", params={"path": "/f", "offset": 1}, content=b"z").status_code == 204
    assert ht.http.get(api + "/read", params={"path": "/f", "offset": 0}).content == b"azc"


def test_paths_without_slash_and_dotdot_stay_in_the_tenant(ht):
    """A relative path is taken from the root; '..' never climbs above it."""
    api = ht.api + "/fs"
    assert ht.http.put(api + "/write", params={"path": "a/b.txt", "offset": 0, "truncate": "true",
                                               "final": "true"}, content=b"x").status_code == 404  # no /a yet
    assert ht.http.post(api + "/mkdir", json={"path": "a", "recursive": True}).status_code == 204
    assert ht.http.put(api + "/write", params={"path": "a/b.txt", "offset": 0, "truncate": "true",
                                               "final": "true"}, content=b"x").status_code == 204
    for spelling in ("/../../a/b.txt", "../a/./b.txt", "/a/../../../a//b.txt"):
        r = ht.http.get(api + "/read", params={"path": spelling})
        assert r.status_code == 200 and r.content == b"x", spelling
    assert ht.http.get(api + "/canonicalize", params={"path": "/../a/../a/b.txt"}).json() == {"path": "/a/b.txt"}
    assert ht.http.post(api + "/mkdir", json={"path": "/", "recursive": True}).status_code == 204


def rust_write(http: httpx.Client, api: str, path: str, data: bytes, create_new: bool = False,
               chunk: int = 16 << 20) -> httpx.Response:
    """Write a file as the Rust RemoteFsProvider does: mkdir -p of the parent, then 16 MiB
    chunks (truncate on the first, final on the last, createNew on the first if asked)."""
    parent = path.rsplit("/", 1)[0] or "/"
    r = http.post(api + "/mkdir", json={"path": parent, "recursive": True})
    assert r.status_code // 100 == 2, r.text
    offset = 0
    while True:
        piece = data[offset:offset + chunk]
        q = {"path": path, "offset": offset}
        if offset == 0:
            q["truncate"] = "true"
            if create_new:
                q["createNew"] = "true"
        if offset + len(piece) >= len(data):
            q["final"] = "true"
        r = http.put(api + "/write", params=q, content=piece)
        if r.status_code // 100 != 2:
            return r
        offset += len(piece)
        if offset >= len(data):
            return r


def rust_read(http: httpx.Client, api: str, path: str, chunk: int = 16 << 20, parallel: int = 4) -> bytes:
    """Read a file as the Rust client does: metadata first, then ranges of 16 MiB, 4 in parallel."""
    meta = http.get(api + "/metadata", params={"path": path}).json()
    size = meta["len"]

    def one(offset: int) -> bytes:
        r = http.get(api + "/read", params={"path": path, "offset": offset, "length": min(chunk, size - offset)})
        assert r.status_code == 200, r.text
        assert "application/json" not in r.headers["content-type"]
        return r.content

    with cf.ThreadPoolExecutor(parallel) as pool:
        return b"".join(pool.map(one, range(0, size, chunk)))


def test_rust_client_habits(ht):
    """mkdir of the parent (also '/') before each write, createNew (409 when the file exists),
    metadata before a read, 4 parallel ranged reads of a 40 MiB file."""
    api = ht.api + "/fs"
    data = pattern(40 << 20, 7)
    assert rust_write(ht.http, api, "/deep/er/big.bin", data, create_new=True).status_code // 100 == 2
    r = rust_write(ht.http, api, "/deep/er/big.bin", b"other", create_new=True)
    assert r.status_code == 409 and r.json()["error"] == "EEXIST"
    assert rust_read(ht.http, api, "/deep/er/big.bin") == data
    assert rust_write(ht.http, api, "/top.txt", b"at the root").status_code // 100 == 2  # mkdir "/"
    assert rust_read(ht.http, api, "/top.txt") == b"at the root"
    assert rust_write(ht.http, api, "/top.txt", b"").status_code // 100 == 2
    assert ht.http.get(api + "/metadata", params={"path": "/top.txt"}).json()["len"] == 0


def rust_get(url: str, token: str, attempts: int = 5) -> httpx.Response:
    """GET with the Rust client's retry policy: 429/5xx retried, 100 ms doubling, capped at 2 s."""
    delay = 0.1
    for i in range(attempts):
        try:
            r = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        except httpx.TransportError:
            r = None
        if r is not None and r.status_code not in (429, 500, 502, 503, 504):
            return r
        if i + 1 < attempts:
            time.sleep(delay)
            delay = min(2.0, delay * 2)
    return r


def test_database_down_is_503_and_gets_retried(own_cluster):
    """With the database stopped a GET is 503 quickly (not a hang); the Rust client's retries
    succeed once it is back."""
    from tarbox_shell.db import cluster
    import psycopg
    home, admin_dsn = own_cluster
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute("SELECT tarbox.tenant_create('down')")
        token = make_token(conn, "down")
        conn.execute("SET ROLE tarbox_tenant_" + str(conn.execute(
            "SELECT tenant_id FROM tarbox.tenant WHERE name = 'down'").fetchone()[0]))
        conn.execute("SELECT tarbox.write('/f', 'still here')")
    s = Server(admin_dsn, ["--db-timeout", "1"], env={"TARBOX_HOME": home}).start()
    try:
        url = s.url + "/api/v1/fs/read?path=/f"
        assert rust_get(url, token).content == b"still here"
        cluster.stop(home)
        t0 = time.monotonic()
        r = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert r.status_code == 503 and time.monotonic() - t0 < 10
        assert r.json()["errno"] in (5, 110)
        assert httpx.get(s.url + "/health", timeout=30).status_code == 503
        with cf.ThreadPoolExecutor(1) as pool:
            retried = pool.submit(rust_get, url, token, 12)
            cluster.start(home)
            assert retried.result(timeout=60).content == b"still here"
    finally:
        s.stop()
