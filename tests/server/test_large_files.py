"""The large-file routes of the remote-filesystem contract (download-url, upload sessions,
multipart upload): documented, token-checked, and answered 404 (ENOENT) on purpose with a
message naming the plain route to use; a client that then uses the plain routes (the Rust
client with raised thresholds) transfers the file."""

from __future__ import annotations

import random

import httpx

#: The requests RunMat's Rust client sends (routes and JSON bodies as in its native.rs).
CALLS = (
    ("GET", "/download-url", {"path": "/big.bin"}, None, "/fs/read"),
    ("POST", "/upload-session/start", None,
     {"path": "/big.bin", "sizeBytes": 70 << 20, "contentType": None, "contentSha256": "0" * 64}, "/fs/write"),
    ("POST", "/upload-session/chunks", None,
     {"sessionId": "s", "blobKey": "k", "chunks": [{"chunkIndex": 0, "offsetBytes": 0, "sizeBytes": 1,
                                                    "chunkSha256": "0" * 64}]}, "/fs/write"),
    ("POST", "/upload-session/complete", None,
     {"path": "/big.bin", "sessionId": "s", "blobKey": "k", "sizeBytes": 1, "contentSha256": "0" * 64,
      "chunkCount": 1}, "/fs/write"),
    ("POST", "/multipart-upload", None, {"path": "/big.bin", "sizeBytes": 70 << 20, "contentType": None},
     "/fs/write"),
)


def test_large_file_routes_are_404_with_the_fallback_named(ht):
    api = ht.api + "/fs"
    for method, route, params, body, fallback in CALLS:
        r = ht.http.request(method, api + route, params=params, json=body)
        assert r.status_code == 404, (route, r.status_code, r.text)
        err = r.json()
        assert err["error"] == "ENOENT" and err["errno"] == 2
        assert "not supported" in err["message"] and fallback in err["message"]
        assert "not found" in err["message"]  # what the TS client's multi-read matches
    # a body that is not JSON is not read either: still 404, never 422
    assert ht.http.post(api + "/multipart-upload", content=b"\xff not json").status_code == 404


def test_large_file_routes_check_the_token_first(ht):
    api = ht.api + "/fs"
    for method, route, params, body, _ in CALLS:
        r = httpx.request(method, api + route, params=params, json=body)
        assert r.status_code == 401 and "unauthorized" in r.json()["message"]
        r = httpx.request(method, api + route, params=params, json=body,
                          headers={"Authorization": "Bearer not-a-token"})
        assert r.status_code == 401 and "unauthorized" in r.json()["message"]


def test_large_file_routes_are_documented(ht, server):
    schema = httpx.get(server.url + "/openapi.json").json()
    for method, route, *_ in CALLS:
        op = schema["paths"]["/api/v1/fs" + route][method.lower()]
        assert "404" in op["responses"] and "401" in op["responses"] and op["description"]


def test_after_the_404_the_plain_routes_carry_a_large_file(ht):
    """What a client does after the 404: chunked PUT /fs/write (16 MiB, truncate first, final
    last) and ranged GET /fs/read of 16 MiB: the file arrives whole."""
    api = ht.api + "/fs"
    size, chunk = (64 << 20) + 12345, 16 << 20
    data = random.Random(7).randbytes(size)
    assert ht.http.post(api + "/upload-session/start", json=CALLS[1][3]).status_code == 404
    for off in range(0, size, chunk):
        part = data[off:off + chunk]
        params = {"path": "/big.bin", "offset": off}
        if off == 0:
            params["truncate"] = "true"
        if off + chunk >= size:
            params["final"] = "true"
        assert ht.http.put(api + "/write", params=params, content=part).status_code == 204
    assert ht.http.get(api + "/download-url", params={"path": "/big.bin"}).status_code == 404
    meta = ht.http.get(api + "/metadata", params={"path": "/big.bin"}).json()
    assert meta["len"] == size
    got = bytearray()
    for off in range(0, size, chunk):
        r = ht.http.get(api + "/read", params={"path": "/big.bin", "offset": off, "length": chunk})
        assert r.status_code == 200 and "json" not in r.headers["content-type"]
        got += r.content
    assert bytes(got) == data
