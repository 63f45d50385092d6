"""The large-file routes of the remote-filesystem contract, driven as RunMat's Rust client
(``RemoteFsProvider``, runmat-org/runmat ``crates/runmat-filesystem/src/remote/native.rs``)
drives them for files of 64 MiB and more: download-url then ranged GETs of the URL without the
token, 4 in parallel; upload-session start / chunks / one raw PUT per chunk without the token,
4 in parallel / complete. Byte-for-byte checks, and the capabilities' security: another tenant,
expiry, revocation, tampering; bad input is a 4xx that changes nothing."""

from __future__ import annotations

import hashlib
import random
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from tests.conftest import unique_tenant_name
from tests.server.support import make_token

MIB = 1 << 20
RUST_CHUNK = 16 * MIB       # RemoteFsConfig::default().chunk_bytes
RUST_PARALLEL = 4           # RemoteFsConfig::default().parallel_requests


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rust_upload(ht, path: str, data: bytes, anon: httpx.Client) -> None:
    """upload_multipart_file, as native.rs does it: mkdir of the parent, start, chunks of the
    server's chunkSizeBytes, raw PUTs to the targets without Authorization (4 threads), complete."""
    api = ht.api + "/fs"
    parent = path.rsplit("/", 1)[0] or "/"
    assert ht.http.post(api + "/mkdir", json={"path": parent, "recursive": True}).is_success
    r = ht.http.post(api + "/upload-session/start", json={
        "path": path, "sizeBytes": len(data), "contentType": None, "contentSha256": sha(data)})
    assert r.status_code == 200, r.text
    session = r.json()
    chunk = max(session["chunkSizeBytes"], 1)
    tasks = [(i, off, min(chunk, len(data) - off)) for i, off in enumerate(range(0, len(data), chunk))]
    descriptors = [{"chunkIndex": i, "offsetBytes": off, "sizeBytes": n, "chunkSha256": sha(data[off:off + n])}
                   for i, off, n in tasks]
    r = ht.http.post(api + "/upload-session/chunks", json={
        "sessionId": session["sessionId"], "blobKey": session["blobKey"], "chunks": descriptors})
    assert r.status_code == 200, r.text
    targets = {t["chunkIndex"]: t for t in r.json()["targets"]}

    def put(task):
        i, off, n = task
        t = targets[i]
        resp = anon.request(t["method"], t["uploadUrl"], headers=t["headers"], content=data[off:off + n])
        assert resp.is_success, (i, resp.status_code, resp.text)

    with ThreadPoolExecutor(RUST_PARALLEL) as pool:
        list(pool.map(put, tasks))
    r = ht.http.post(api + "/upload-session/complete", json={
        "path": path, "sessionId": session["sessionId"], "blobKey": session["blobKey"], "sizeBytes": len(data),
        "contentSha256": sha(data), "chunkCount": len(descriptors), "hash": None})
    assert r.is_success, r.text


def rust_download(ht, path: str, anon: httpx.Client) -> bytes:
    """download_raw_file for len >= 64 MiB: metadata, download-url, then ranged GETs of the URL
    (16 MiB, bytes=a-b) without Authorization, 4 threads."""
    api = ht.api + "/fs"
    meta = ht.http.get(api + "/metadata", params={"path": path}).json()
    assert meta["fileType"] == "file"
    r = ht.http.get(api + "/download-url", params={"path": path})
    assert r.status_code == 200, r.text
    url = r.json()["downloadUrl"]
    size = meta["len"]
    tasks = [(off, min(RUST_CHUNK, size - off)) for off in range(0, size, RUST_CHUNK)]

    def get(task):
        off, n = task
        resp = anon.get(url, headers={"Range": f"bytes={off}-{off + n - 1}"})
        assert resp.is_success, (off, resp.status_code, resp.text)
        return resp.content

    with ThreadPoolExecutor(RUST_PARALLEL) as pool:
        return b"".join(pool.map(get, tasks))


@pytest.fixture
def other(admin, dsn):
    """A second tenant with a file /secret: (name, token, connection as its role)."""
    name = unique_tenant_name("o")
    admin.execute("SELECT tarbox.tenant_create(%s)", (name,))
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            role = conn.execute("SELECT role_name FROM tarbox.tenant_info(%s)", (name,)).fetchone()[0]
            conn.execute(f'SET ROLE "{role}"')
            conn.execute("SELECT tarbox.write('/secret', 'of the other tenant')")
            yield name, make_token(admin, name), conn
    finally:
        admin.execute("SELECT tarbox.tenant_delete(%s)", (name,))


@pytest.fixture
def anon():
    with httpx.Client(timeout=120) as c:  # no Authorization header, as the Rust client's raw requests
        yield c


def test_rust_client_70_mib_upload_and_download_byte_for_byte(ht, anon):
    data = random.Random(70).randbytes(70 * MIB + 12345)
    rust_upload(ht, "/data/big.bin", data, anon)
    meta = ht.http.get(ht.api + "/fs/metadata", params={"path": "/data/big.bin"}).json()
    assert meta["len"] == len(data)
    assert rust_download(ht, "/data/big.bin", anon) == data
    # the plain routes see the same bytes
    r = ht.http.get(ht.api + "/fs/read", params={"path": "/data/big.bin", "offset": 40 * MIB, "length": MIB})
    assert r.content == data[40 * MIB:41 * MIB]
    names = [e["fileName"] for e in ht.http.get(ht.api + "/fs/dir", params={"path": "/data"}).json()]
    assert names == ["big.bin"]
    # the upload is recorded once, where it became visible (audit level standard)
    rows = ht.tenant.conn.execute(
        "SELECT op, bytes, (details ->> 'chunks')::int FROM tarbox.audit_log "
        "WHERE path = '/data/big.bin' AND errno IS NULL").fetchall()
    assert rows == [("write", len(data), 5)]


def test_upload_replaces_an_existing_file_whole_and_staging_is_invisible(ht, anon):
    api = ht.api + "/fs"
    assert ht.http.put(api + "/write", params={"path": "/f.bin", "offset": 0, "truncate": "true", "final": "true"},
                       content=b"old contents").status_code == 204
    data = random.Random(3).randbytes(3 * MIB + 7)
    r = ht.http.post(api + "/upload-session/start", json={"path": "/f.bin", "sizeBytes": len(data),
                                                           "contentSha256": sha(data)})
    s = r.json()
    chunk = s["chunkSizeBytes"]
    r = ht.http.post(api + "/upload-session/chunks", json={"sessionId": s["sessionId"], "blobKey": s["blobKey"], "chunks": [
        {"chunkIndex": 0, "offsetBytes": 0, "sizeBytes": len(data), "chunkSha256": sha(data)}]})
    assert chunk >= len(data)
    url = r.json()["targets"][0]["uploadUrl"]
    assert anon.put(url, content=data).status_code == 204
    # staged but not completed: the old file is what every route sees, the listing unchanged
    assert ht.http.get(api + "/read", params={"path": "/f.bin"}).content == b"old contents"
    assert [e["fileName"] for e in ht.http.get(api + "/dir", params={"path": "/"}).json()] == ["f.bin"]
    r = ht.http.post(api + "/upload-session/complete", json={
        "path": "/f.bin", "sessionId": s["sessionId"], "blobKey": s["blobKey"], "sizeBytes": len(data),
        "contentSha256": sha(data), "chunkCount": 1})
    assert r.status_code == 204 and r.headers["etag"]
    assert ht.http.get(api + "/read", params={"path": "/f.bin"}).content == data
    # the session is gone: completing again is 404
    r = ht.http.post(api + "/upload-session/complete", json={
        "path": "/f.bin", "sessionId": s["sessionId"], "blobKey": s["blobKey"], "sizeBytes": len(data),
        "contentSha256": sha(data), "chunkCount": 1})
    assert r.status_code == 404 and r.json()["error"] == "ENOENT"
    assert anon.put(url, content=data).status_code == 401


def _session(ht, path="/x.bin", data=b"x" * 1000):
    api = ht.api + "/fs"
    s = ht.http.post(api + "/upload-session/start", json={"path": path, "sizeBytes": len(data),
                                                         "contentSha256": sha(data)}).json()
    return s


def _chunks(ht, s, data, n=1):
    step = -(-len(data) // n)
    desc = [{"chunkIndex": i, "offsetBytes": off, "sizeBytes": min(step, len(data) - off),
             "chunkSha256": sha(data[off:off + step])} for i, off in enumerate(range(0, len(data), step))]
    r = ht.http.post(ht.api + "/fs/upload-session/chunks",
                     json={"sessionId": s["sessionId"], "blobKey": s["blobKey"], "chunks": desc})
    assert r.status_code == 200, r.text
    return [t["uploadUrl"] for t in r.json()["targets"]]


def _complete(ht, s, path, data, count):
    return ht.http.post(ht.api + "/fs/upload-session/complete", json={
        "path": path, "sessionId": s["sessionId"], "blobKey": s["blobKey"], "sizeBytes": len(data),
        "contentSha256": sha(data), "chunkCount": count})


def test_bad_input_is_a_clear_4xx_and_changes_nothing(ht, anon):
    api = ht.api + "/fs"
    data = random.Random(5).randbytes(300_000)
    start = {"path": "/x.bin", "sizeBytes": len(data), "contentSha256": sha(data)}
    # start: bad hash, missing directory, a directory as target, read-only target
    for body, status, err in (({**start, "contentSha256": "zz"}, 400, "EINVAL"),
                              ({**start, "path": "/no/such/dir/x.bin"}, 404, "ENOENT"),
                              ({**start, "path": "/"}, 400, "EISDIR"),
                              ({**start, "sizeBytes": -1}, 422, None)):
        r = ht.http.post(api + "/upload-session/start", json=body)
        assert r.status_code == status, (body, r.text)
        if err:
            assert r.json()["error"] == err
    s = _session(ht, data=data)
    chunks = ht.api + "/fs/upload-session/chunks"
    base = {"sessionId": s["sessionId"], "blobKey": s["blobKey"]}
    good = {"chunkIndex": 0, "offsetBytes": 0, "sizeBytes": len(data), "chunkSha256": sha(data)}
    for desc in ([{**good, "offsetBytes": 1}],                       # wrong offset
                 [{**good, "sizeBytes": len(data) - 1}],             # does not cover the file
                 [good, {**good, "chunkIndex": 1, "offsetBytes": len(data)}],  # past the end
                 [{**good, "chunkIndex": 1}],                        # indexes not from 0
                 [{**good, "chunkSha256": "A" * 64}]):               # not lowercase hex
        r = ht.http.post(chunks, json={**base, "chunks": desc})
        assert r.status_code == 400 and r.json()["error"] == "EINVAL", (desc, r.text)
    r = ht.http.post(chunks, json={**base, "blobKey": "other", "chunks": [good]})
    assert r.status_code == 400
    r = ht.http.post(chunks, json={"sessionId": "999999999", "blobKey": "tarbox-upload-999999999", "chunks": [good]})
    assert r.status_code == 404 and r.json()["error"] == "ENOENT"
    url = _chunks(ht, s, data)[0]
    assert ht.http.post(chunks, json={**base, "chunks": [good]}).status_code == 409  # once only
    # complete before the chunk arrived
    r = _complete(ht, s, "/x.bin", data, 1)
    assert r.status_code == 400 and "has not arrived" in r.json()["message"]
    # chunk: wrong bytes (same size), short body, oversize body, unknown index
    assert anon.put(url, content=bytes(len(data))).status_code == 400
    assert anon.put(url, content=data[:-1]).status_code == 400
    r = anon.put(url, content=data + b"!")
    assert r.status_code == 413 and r.json()["error"] == "EFBIG"
    assert anon.put(url[:-1] + "7", content=data).status_code == 404
    assert _complete(ht, s, "/x.bin", data, 1).status_code == 400
    # complete with arguments that differ from the session's
    assert anon.put(url, content=data).status_code == 204
    assert _complete(ht, s, "/y.bin", data, 1).status_code == 400
    assert _complete(ht, s, "/x.bin", data, 2).status_code == 400
    assert ht.http.get(api + "/metadata", params={"path": "/x.bin"}).status_code == 404  # nothing yet
    assert _complete(ht, s, "/x.bin", data, 1).status_code == 204
    assert ht.http.get(api + "/read", params={"path": "/x.bin"}).content == data


def test_capabilities_never_reach_another_tenant_and_die_with_their_token(ht, admin, other, anon):
    api = ht.api + "/fs"
    data = random.Random(9).randbytes(200_000)
    assert ht.http.put(api + "/write", params={"path": "/secret.bin", "offset": 0, "truncate": "true",
                                               "final": "true"}, content=data).status_code == 204
    url = ht.http.get(api + "/download-url", params={"path": "/secret.bin"}).json()["downloadUrl"]
    assert anon.get(url).content == data
    r = anon.get(url, headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == data[10:20] and r.headers["content-range"] == f"bytes 10-19/{len(data)}"
    assert anon.get(url, headers={"Range": "bytes=-5"}).content == data[-5:]
    # tampered: one hex digit changed, and the tenant id in front changed
    secret = url.rsplit("/", 1)[1]
    prefix, tid, hexpart = secret.split("_")
    flipped = hexpart[:-1] + ("0" if hexpart[-1] != "0" else "1")
    for bad in (f"{prefix}_{tid}_{flipped}", f"{prefix}_{int(tid) + 1}_{hexpart}", "tbd_1_x", "nonsense"):
        r = anon.get(url.rsplit("/", 1)[0] + "/" + bad)
        assert r.status_code == 401 and "unauthorized" in r.json()["message"], bad
    # another tenant's token does not make it theirs, and their own URL does not read this file
    other_name, other_token, other_conn = other
    with httpx.Client(headers={"Authorization": f"Bearer {other_token}"}, timeout=60) as oc:
        # the URL is the credential (a header is not looked at), so only its holder may have it
        assert oc.get(url).content == data
        r = oc.get(api + "/download-url", params={"path": "/secret.bin"})
        assert r.status_code == 404  # their tenant has no such file
        # their own download URL reads their file only
        theirs = oc.get(api + "/download-url", params={"path": "/secret"}).json()["downloadUrl"]
        assert anon.get(theirs).content == b"of the other tenant"
    # this tenant's capability handed to the other tenant's SQL functions is refused
    with pytest.raises(psycopg.Error) as e:
        other_conn.execute("SELECT * FROM tarbox.remote_download_read(%s, 0, 10)", (secret,))
    assert e.value.sqlstate == "TX013"
    with pytest.raises(psycopg.Error) as e:
        other_conn.execute("SELECT tarbox.remote_upload_write(%s, 0, 0, '\\x00'::bytea, true)",
                           ("tbu_" + secret[4:],))
    assert e.value.sqlstate == "TX013"
    # a file change makes the URL stale (412), a new one works
    assert ht.http.put(api + "/write", params={"path": "/secret.bin", "offset": 0}, content=b"Z").status_code == 204
    r = anon.get(url)
    assert r.status_code == 412 and r.json()["error"] == "ESTALE"
    # revoking the token ends its capabilities (download and upload)
    token2 = make_token(admin, ht.tenant.name, "second")
    with httpx.Client(headers={"Authorization": f"Bearer {token2}"}, timeout=60) as c2:
        url2 = c2.get(api + "/download-url", params={"path": "/secret.bin"}).json()["downloadUrl"]
        s = c2.post(api + "/upload-session/start", json={"path": "/up.bin", "sizeBytes": 3,
                                                          "contentSha256": sha(b"abc")}).json()
        put_url = c2.post(api + "/upload-session/chunks", json={
            "sessionId": s["sessionId"], "blobKey": s["blobKey"],
            "chunks": [{"chunkIndex": 0, "offsetBytes": 0, "sizeBytes": 3, "chunkSha256": sha(b"abc")}]}
        ).json()["targets"][0]["uploadUrl"]
        # the session belongs to token2: the first token cannot complete it
        assert _complete(ht, s, "/up.bin", b"abc", 1).status_code == 404
        assert anon.get(url2).status_code == 200
        admin.execute("SELECT * FROM tarbox.tenant_token_revoke(%s, 'second')", (ht.tenant.name,))
        for r in (anon.get(url2), anon.put(put_url, content=b"abc")):
            assert r.status_code == 401 and "revoked or expired" in r.json()["message"], r.text
    # expiry: a URL past its time is refused (moved into the past directly in the database)
    url3 = ht.http.get(api + "/download-url", params={"path": "/secret.bin"}).json()["downloadUrl"]
    admin.execute("UPDATE tarbox.download_url SET created_at = now() - interval '2 hours', "
                  "expires_at = now() - interval '1 second'")
    r = anon.get(url3)
    assert r.status_code == 401 and "expired" in r.json()["message"]
    # gc drops the expired URL and the revoked token's session with its staged inode
    ht.tenant.conn.execute("SELECT * FROM tarbox.gc()")
    assert admin.execute("SELECT count(*) FROM tarbox.upload_session s JOIN tarbox.tenant t USING (tenant_id) "
                         "WHERE t.name = %s", (ht.tenant.name,)).fetchone()[0] == 0
    assert admin.execute("SELECT count(*) FROM tarbox.download_url d JOIN tarbox.tenant t USING (tenant_id) "
                         "WHERE t.name = %s", (ht.tenant.name,)).fetchone()[0] == 0
    assert admin.execute("SELECT count(*) FROM tarbox.inode i JOIN tarbox.tenant t USING (tenant_id) "
                         "WHERE t.name = %s AND i.nlink = 0 AND i.died = 2147483647",
                         (ht.tenant.name,)).fetchone()[0] == 0


def test_open_sessions_are_bounded_and_abandoned_ones_leave_nothing(ht, admin):
    api = ht.api + "/fs"
    sessions = []
    for i in range(8):
        r = ht.http.post(api + "/upload-session/start", json={"path": f"/s{i}", "sizeBytes": 10,
                                                               "contentSha256": "0" * 64})
        assert r.status_code == 200, r.text
        sessions.append(r.json())
    r = ht.http.post(api + "/upload-session/start", json={"path": "/s9", "sizeBytes": 10, "contentSha256": "0" * 64})
    assert r.status_code == 429 and r.json()["error"] == "EMFILE"
    # the staging inodes are hidden: nothing in the listing
    assert ht.http.get(api + "/dir", params={"path": "/"}).json() == []
    for s in sessions[:4]:
        assert ht.http.delete(api + f"/upload-session/{s['sessionId']}").status_code == 204
    assert ht.http.delete(api + f"/upload-session/{sessions[0]['sessionId']}").status_code == 404
    admin.execute("UPDATE tarbox.upload_session SET created_at = now() - interval '2 hours', "
                  "expires_at = now() - interval '1 second'")
    ht.tenant.conn.execute("SELECT * FROM tarbox.gc()")
    n = admin.execute("SELECT count(*) FROM tarbox.inode i JOIN tarbox.tenant t USING (tenant_id) "
                      "WHERE t.name = %s AND i.nlink = 0 AND i.died = 2147483647", (ht.tenant.name,)).fetchone()[0]
    assert n == 0


def test_complete_checks_the_whole_file_sha256(ht, admin, anon):
    """Chunks that match their own hashes but not the whole-file SHA-256 the session was started
    with are refused at complete (EINVAL, 400): no file appears and the session stays open."""
    api = ht.api + "/fs"
    wrong = b"abd"
    s = ht.http.post(api + "/upload-session/start", json={"path": "/h.bin", "sizeBytes": 3,
                                                          "contentSha256": sha(wrong)}).json()
    put_url = ht.http.post(api + "/upload-session/chunks", json={
        "sessionId": s["sessionId"], "blobKey": s["blobKey"],
        "chunks": [{"chunkIndex": 0, "offsetBytes": 0, "sizeBytes": 3, "chunkSha256": sha(b"abc")}]}
    ).json()["targets"][0]["uploadUrl"]
    assert anon.put(put_url, content=b"abc").status_code in (200, 204)
    r = _complete(ht, s, "/h.bin", wrong, 1)
    assert r.status_code == 400 and r.json()["error"] == "EINVAL" and "SHA-256" in r.json()["message"], r.text
    assert ht.http.get(api + "/metadata", params={"path": "/h.bin"}).status_code == 404
    assert admin.execute("SELECT count(*) FROM tarbox.upload_session s JOIN tarbox.tenant t USING (tenant_id) "
                         "WHERE t.name = %s", (ht.tenant.name,)).fetchone()[0] == 1


def test_admin_gc_expires_stale_sessions_and_urls(ht, admin):
    """tarbox.tenant_gc (an administrator's gc, as tarbox_maint) drops a tenant's expired upload
    sessions and download URLs with their staged data, not only the tenant's own gc."""
    api = ht.api + "/fs"
    assert ht.http.put(api + "/write", params={"path": "/f.bin", "offset": 0}, content=b"x").status_code == 204
    assert ht.http.get(api + "/download-url", params={"path": "/f.bin"}).status_code == 200
    s = ht.http.post(api + "/upload-session/start", json={"path": "/g.bin", "sizeBytes": 3,
                                                          "contentSha256": sha(b"abc")}).json()
    ht.http.post(api + "/upload-session/chunks", json={
        "sessionId": s["sessionId"], "blobKey": s["blobKey"],
        "chunks": [{"chunkIndex": 0, "offsetBytes": 0, "sizeBytes": 3, "chunkSha256": sha(b"abc")}]})
    for table in ("upload_session", "download_url"):
        admin.execute(f"UPDATE tarbox.{table} SET created_at = now() - interval '2 hours', "
                      "expires_at = now() - interval '1 second'")
    admin.execute("SELECT * FROM tarbox.tenant_gc(%s)", (ht.tenant.name,))
    for q in ("SELECT count(*) FROM tarbox.upload_session s JOIN tarbox.tenant t USING (tenant_id) WHERE t.name = %s",
              "SELECT count(*) FROM tarbox.upload_chunk s JOIN tarbox.tenant t USING (tenant_id) WHERE t.name = %s",
              "SELECT count(*) FROM tarbox.download_url d JOIN tarbox.tenant t USING (tenant_id) WHERE t.name = %s",
              "SELECT count(*) FROM tarbox.inode i JOIN tarbox.tenant t USING (tenant_id) "
              "WHERE t.name = %s AND i.nlink = 0 AND i.died = 2147483647"):
        assert admin.execute(q, (ht.tenant.name,)).fetchone()[0] == 0, q


def test_routes_are_documented_and_check_the_token(ht, server):
    schema = httpx.get(server.url + "/openapi.json").json()
    for route, method in (("/download-url", "get"), ("/download/{secret}", "get"),
                          ("/upload-session/start", "post"), ("/upload-session/chunks", "post"),
                          ("/upload-session/chunk/{secret}/{index}", "put"),
                          ("/upload-session/complete", "post"), ("/upload-session/{session_id}", "delete"),
                          ("/multipart-upload", "post")):
        op = schema["paths"]["/api/v1/fs" + route][method]
        assert op["description"] and "401" in op["responses"], route
    for method, route in (("GET", "/download-url?path=/x"), ("POST", "/upload-session/start"),
                          ("POST", "/upload-session/chunks"), ("POST", "/upload-session/complete")):
        r = httpx.request(method, ht.api + "/fs" + route, json={})
        assert r.status_code in (401, 422), (route, r.status_code)
        r = httpx.request(method, ht.api + "/fs" + route, json={
            "path": "/x", "sizeBytes": 1, "contentSha256": "0" * 64, "sessionId": "1", "blobKey": "k",
            "chunks": [], "chunkCount": 0})
        assert r.status_code == 401 and "unauthorized" in r.json()["message"]
