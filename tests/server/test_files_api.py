"""Tarbox's own routes: files with ETag / If-Match / Range, byte paths, directories with
paging, namespace operations, attributes, xattrs, layers, diffs, usage, metrics, health."""

from __future__ import annotations

import concurrent.futures as cf
from urllib.parse import quote_from_bytes

import httpx


def test_put_get_range_head_and_etags(ht):
    """PUT returns the new ETag; GET honours Range (206) and If-None-Match (304); HEAD gives the
    headers; every change gives a new ETag."""
    api = ht.api
    r = ht.http.put(api + "/files/doc.txt", content=b"0123456789")
    assert r.status_code == 200
    tag = r.headers["etag"]
    assert r.json()["size"] == 10 and f'"{r.json()["etag"]}"' == tag
    r = ht.http.get(api + "/files/doc.txt")
    assert r.content == b"0123456789" and r.headers["etag"] == tag
    assert r.headers["content-type"] == "application/octet-stream" and r.headers["accept-ranges"] == "bytes"
    r = ht.http.get(api + "/files/doc.txt", headers={"Range": "bytes=2-4"})
    assert r.status_code == 206 and r.content == b"234" and r.headers["content-range"] == "bytes 2-4/10"
    assert ht.http.get(api + "/files/doc.txt", headers={"Range": "bytes=-3"}).content == b"789"
    assert ht.http.get(api + "/files/doc.txt", headers={"Range": "bytes=7-"}).content == b"789"
    r = ht.http.get(api + "/files/doc.txt", headers={"Range": "bytes=10-20"})
    assert r.status_code == 416 and r.headers["content-range"] == "bytes */10"
    assert ht.http.get(api + "/files/doc.txt", headers={"If-None-Match": tag}).status_code == 304
    r = ht.http.head(api + "/files/doc.txt")
    assert r.status_code == 200 and r.headers["content-length"] == "10" and r.headers["etag"] == tag
    assert r.content == b""
    r = ht.http.patch(api + "/files/doc.txt", params={"offset": 10}, content=b"AB")
    assert r.json()["size"] == 12 and r.headers["etag"] != tag
    tags = {tag, r.headers["etag"]}
    r = ht.http.post(api + "/attrs/doc.txt", json={"mode": 0o600})
    assert r.headers["etag"] not in tags and r.json()["perm"] == "0600"


def test_if_match_detects_a_conflicting_writer(ht):
    """Two agents read the same version; the first write wins, the second gets 412 and the
    file keeps the first write."""
    api = ht.api
    tag = ht.http.put(api + "/files/shared.txt", content=b"v1").headers["etag"]
    a = ht.http.put(api + "/files/shared.txt", content=b"agent A", headers={"If-Match": tag})
    b = ht.http.put(api + "/files/shared.txt", content=b"agent B", headers={"If-Match": tag})
    assert a.status_code == 200 and b.status_code == 412 and b.json()["error"] == "ESTALE"
    assert ht.http.get(api + "/files/shared.txt").content == b"agent A"
    for method, route, kw in (("PATCH", "/files/shared.txt?offset=0", {"content": b"x"}),
                              ("DELETE", "/files/shared.txt", {}), ("POST", "/move/shared.txt?to=/z", {}),
                              ("POST", "/attrs/shared.txt", {"json": {"mode": 0o600}})):
        r = ht.http.request(method, api + route, headers={"If-Match": tag}, **kw)
        assert r.status_code == 412, (method, route, r.text)
    r = ht.http.put(api + "/files/new.txt", content=b"x", headers={"If-None-Match": "*"})
    assert r.status_code == 200
    assert ht.http.put(api + "/files/new.txt", content=b"y", headers={"If-None-Match": "*"}).status_code == 412
    assert ht.http.put(api + "/files/missing", content=b"y", headers={"If-Match": '"1-1-1"'}).status_code == 412
    assert ht.http.get(api + "/files/missing").status_code == 404
    cur = ht.http.get(api + "/files/shared.txt").headers["etag"]
    assert ht.http.delete(api + "/files/shared.txt", headers={"If-Match": f'"nope", {cur}'}).status_code == 204


def test_concurrent_if_match_writers_exactly_one_wins(ht):
    """8 writers with the same If-Match at once: exactly one 200, the others 412."""
    tag = ht.http.put(ht.api + "/files/race", content=b"start").headers["etag"]

    def write(i: int) -> int:
        return httpx.put(ht.api + "/files/race", content=f"writer {i}".encode(),
                         headers={"Authorization": f"Bearer {ht.token}", "If-Match": tag}).status_code

    with cf.ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(write, range(8)))
    assert codes == [200] + [412] * 7
    assert ht.http.get(ht.api + "/files/race").content.startswith(b"writer ")


def test_byte_paths_round_trip_percent_encoded(ht):
    """A name that is not UTF-8 is written, listed (text with U+FFFD and exact *_encoded),
    read, renamed and removed through its percent-encoding."""
    name = b"caf\xe9-\xff\xfe.bin"
    enc = quote_from_bytes(name, safe="")
    assert ht.http.put(ht.api + "/files/" + enc, content=b"latin-1 name").status_code == 200
    assert ht.tenant.conn.execute("SELECT count(*) FROM tarbox.fs_readdir(1, 2, 100) WHERE name = %s",
                                  (name,)).fetchone()[0] == 1
    page = ht.http.get(ht.api + "/dir/").json()
    (entry,) = page["entries"]
    assert entry["name_encoded"] == enc and "\ufffd" in entry["name"] and entry["path_encoded"] == "/" + enc
    assert ht.http.get(ht.api + "/files/" + entry["name_encoded"]).content == b"latin-1 name"
    listing = ht.http.get(ht.api + "/fs/dir", params={"path": "/"}).json()
    assert listing[0]["fileName"] == name.decode("utf-8", "replace")
    r = ht.http.post(ht.api + "/move/" + enc, params={"to": "/\xe9t\xe9"})  # UTF-8 é in the query
    assert r.status_code == 200 and r.json()["name"] == "\xe9t\xe9"
    assert ht.http.get(ht.api + "/files/%C3%A9t%C3%A9").content == b"latin-1 name"
    r = ht.http.post(ht.api + "/link/l?symbolic=true&target=%FF%2Fx")
    assert r.status_code == 201 and r.json()["target_encoded"] == "%FF/x"
    assert ht.http.get(ht.api + "/readlink/l").json()["target_encoded"] == "%FF/x"


def test_directories_paging_mkdir_rm(ht):
    """mkdir (-p), a listing in pages of 3 in name-byte order, rm of a non-empty directory needs
    recursive."""
    api = ht.api
    assert ht.http.post(api + "/dir/a/b/c", params={"parents": "true"}).status_code == 201
    assert ht.http.post(api + "/dir/a/b/c").status_code == 409
    assert ht.http.post(api + "/dir/x/y").status_code == 404
    names = [f"f{i:02d}" for i in range(8)]
    for n in names:
        ht.http.put(api + f"/files/a/{n}", content=n.encode())
    seen, after = [], None
    while True:
        params = {"limit": 3} | ({"after": after} if after else {})
        page = ht.http.get(api + "/dir/a", params=params).json()
        seen += [e["name"] for e in page["entries"]]
        after = page["next"]
        if after is None:
            break
    assert seen == ["b"] + names
    assert ht.http.get(api + "/dir/a/f00").json()["error"] == "ENOTDIR"
    r = ht.http.delete(api + "/files/a")
    assert r.status_code == 409 and r.json()["error"] == "ENOTEMPTY"
    assert ht.http.delete(api + "/files/a", params={"recursive": "true"}).status_code == 204
    assert ht.http.get(api + "/stat/a").status_code == 404


def test_move_links_attrs_xattrs_append(ht):
    """rename (and noreplace), hard and symbolic links, readlink, chmod/chown/utimes/truncate,
    xattrs, O_APPEND."""
    api = ht.api
    ht.http.put(api + "/files/a", content=b"A")
    ht.http.put(api + "/files/b", content=b"B")
    assert ht.http.post(api + "/move/a", params={"to": "/b", "noreplace": "true"}).status_code == 409
    assert ht.http.post(api + "/move/a", params={"to": "/b"}).json()["name"] == "b"
    assert ht.http.get(api + "/files/b").content == b"A"
    r = ht.http.post(api + "/link/hard", params={"target": "/b"})
    assert r.status_code == 201 and r.json()["nlink"] == 2
    assert ht.http.post(api + "/link/soft", params={"target": "b", "symbolic": "true"}).json()["type"] == "symlink"
    assert ht.http.get(api + "/readlink/soft").json()["target"] == "b"
    assert ht.http.get(api + "/files/soft").content == b"A"
    assert ht.http.get(api + "/stat/soft", params={"follow": "false"}).json()["type"] == "symlink"
    assert ht.http.get(api + "/canonical/soft").json()["path"] == "/b"
    e = ht.http.post(api + "/attrs/b", json={"mode": 0o640, "uid": 1000, "gid": 1000,
                                            "atime_ns": 1_000_000_000, "mtime_ns": 2_000_000_000}).json()
    assert (e["perm"], e["uid"], e["gid"], e["atime_ns"], e["mtime_ns"]) == ("0640", 1000, 1000, 10**9, 2 * 10**9)
    assert ht.http.post(api + "/attrs/b", json={"touch": True}).json()["mtime_ns"] > 2 * 10**9
    assert ht.http.post(api + "/attrs/b", json={"size": 5}).json()["size"] == 5
    assert ht.http.get(api + "/files/b").content == b"A\0\0\0\0"
    assert ht.http.put(api + "/xattrs/b", params={"name": "user.k"}, content=b"\x00v").status_code == 200
    assert ht.http.get(api + "/xattrs/b").json()["xattrs"] == [{"name": "user.k", "name_encoded": "user.k",
                                                               "value_base64": "AHY="}]
    assert ht.http.put(api + "/xattrs/b", params={"name": "user.k", "flags": 1}, content=b"x").status_code == 409
    assert ht.http.delete(api + "/xattrs/b", params={"name": "user.k"}).status_code == 200
    assert ht.http.delete(api + "/xattrs/b", params={"name": "user.k"}).status_code == 404
    for piece in (b"1", b"2", b"3"):
        ht.http.patch(api + "/files/log", params={"append": "true"}, content=piece)
    assert ht.http.get(api + "/files/log").content == b"123"


def test_layers_diff_history_and_reads_as_of_a_layer(ht):
    """Checkpoint, change, diff, unified diff, history, read as of a layer, switch (the
    historical layer is read-only), tag, drop, tree, usage."""
    api = ht.api
    ht.http.put(api + "/files/notes.txt", content=b"one\ntwo\n")
    r = ht.http.post(api + "/layers", json={"name": "v1"})
    assert r.status_code == 201 and r.json()["name"] == "v1"
    ht.http.put(api + "/files/notes.txt", content=b"one\nthree\n")
    ht.http.put(api + "/files/added", content=b"x")
    assert [l["name"] for l in ht.http.get(api + "/layers").json()] == ["base", "v1"]
    assert ht.http.get(api + "/layers/current").json()["name"] == "v1"
    changes = {c["path"]: c["change"] for c in ht.http.get(api + "/diff", params={"from": "base"}).json()}
    assert changes == {"/notes.txt": "M", "/added": "A"}
    text = ht.http.get(api + "/difftext/notes.txt", params={"from": "base"}).text
    assert "-two" in text and "+three" in text
    hist = ht.http.get(api + "/history/notes.txt").json()
    assert [h["change"] for h in hist] == ["A", "M"]
    assert ht.http.get(api + "/files/notes.txt", params={"layer": "base"}).content == b"one\ntwo\n"
    assert ht.http.put(api + "/layers/base/tags/first").status_code == 204
    assert ht.http.get(api + "/layers/first").json()["layer_id"] == 1
    assert ht.http.post(api + "/layers/first/switch").json() == {"layer_id": 1, "name": "base", "read_only": True}
    r = ht.http.put(api + "/files/notes.txt", content=b"no")
    assert r.status_code == 403 and r.json()["error"] == "EROFS"
    assert ht.http.post(api + "/layers", json={"name": "fork"}).status_code == 409
    assert ht.http.post(api + "/layers/head/switch").status_code == 200
    tree = ht.http.get(api + "/layers/tree").json()
    assert [(t["name"], t["added"], t["modified"]) for t in tree] == [("base", None, None), ("v1", 1, 1)]
    assert ht.http.delete(api + "/tags/first").status_code == 204
    assert ht.http.get(api + "/layers/first").status_code == 404
    u = ht.http.get(api + "/usage").json()
    # exactly the row of tarbox.usage() (the storage issue's figures), nothing computed in Python
    cur = ht.tenant.conn.execute("SELECT * FROM tarbox.usage()")
    row = dict(zip([d.name for d in cur.description], cur.fetchone()))
    row["dedup_ratio"] = float(row["dedup_ratio"]) if row["dedup_ratio"] is not None else None
    assert u == row
    assert u["tenant"] == ht.tenant.name and u["layers"] == 2 and u["inodes"] >= 3
    assert u["logical_bytes"] == len(b"one\nthree\n") + 1


def test_health_metrics_openapi_docs(ht, server):
    """/health, /metrics (Prometheus text with request counts and errors by errno), the
    OpenAPI schema (every route documented) and the docs page."""
    assert httpx.get(server.url + "/health").json() == {"status": "ok"}
    ht.http.get(ht.api + "/files/nothing-here")
    text = httpx.get(server.url + "/metrics").text
    assert "tarbox_http_requests_total" in text and 'tarbox_http_errors_total{errno="ENOENT"}' in text
    assert "tarbox_http_request_seconds_bucket" in text
    schema = httpx.get(server.url + "/openapi.json").json()
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert op.get("description"), f"{method} {path} has no description"
    assert "/api/v1/fs/metadata" in schema["paths"] and "/api/v1/files/{path}" in schema["paths"]
    assert httpx.get(server.url + "/docs").status_code == 200
