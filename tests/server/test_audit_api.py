"""The audit routes (issue 14 item 4, issue 11 item 7): the token's tenant reads its own records
with the filters of ``tarbox audit``, and the summaries of the audit views; never another
tenant's records; bad filters are 400/422 with an errno; the OpenAPI schema describes them."""

from __future__ import annotations

from tarbox_shell import db
from tests.conftest import unique_tenant_name


def _ops(records: list[dict]) -> list[tuple]:
    return [(r["op"], r["path"]) for r in records]


def test_records_with_the_filters_of_tarbox_audit(ht):
    api = ht.api
    assert ht.http.put(api + "/files/a.txt", content=b"one\n").status_code == 200
    assert ht.http.post(api + "/dir/d").status_code == 201
    assert ht.http.put(api + "/files/d/b.txt", content=b"two\n").status_code == 200
    conn = ht.tenant.conn
    conn.execute("SET tarbox.error_mode = 'warning'")
    conn.execute("SELECT tarbox.rmdir('/no-such-dir')")  # a failure, recorded with its errno
    conn.execute("RESET tarbox.error_mode")

    r = ht.http.get(api + "/audit")
    assert r.status_code == 200, r.text
    records = r.json()
    assert [x["seq"] for x in records] == sorted(x["seq"] for x in records), "oldest first"
    ops = _ops(records)
    assert ("write", "/a.txt") in ops and ("mkdir", "/d") in ops and ("write", "/d/b.txt") in ops
    write = next(x for x in records if x["op"] == "write" and x["path"] == "/a.txt")
    assert write["ok"] is True and write["bytes"] == 4 and write["at"].endswith("Z") and write["at_ns"] > 0
    assert write["lines_added"] == 1 and write["native"] is False

    below = ht.http.get(api + "/audit", params={"path": "/d"}).json()
    assert below and all(x["path"] == "/d" or x["path"].startswith("/d/") for x in below)
    assert {x["op"] for x in ht.http.get(api + "/audit", params={"op": "mkdir"}).json()} == {"mkdir"}
    both = ht.http.get(api + "/audit", params=[("op", "mkdir"), ("op", "rmdir")]).json()
    assert {x["op"] for x in both} == {"mkdir", "rmdir"}
    assert {x["op"] for x in ht.http.get(api + "/audit", params={"op": "mkdir,rmdir"}).json()} == {"mkdir", "rmdir"}
    failed = ht.http.get(api + "/audit", params={"failed": "true"}).json()
    assert [(x["op"], x["path"], x["errno"], x["ok"]) for x in failed] == [("rmdir", "/no-such-dir", "ENOENT", False)]
    assert ht.http.get(api + "/audit", params={"since": "2999-01-01"}).json() == []
    assert ht.http.get(api + "/audit", params={"until": "2000-01-01"}).json() == []
    assert len(ht.http.get(api + "/audit", params={"since": "1h"}).json()) == len(records)
    newest = ht.http.get(api + "/audit", params={"limit": 2}).json()
    oldest = ht.http.get(api + "/audit", params={"limit": 2, "newest": "false"}).json()
    assert [x["seq"] for x in newest] == [x["seq"] for x in records[-2:]]
    assert [x["seq"] for x in oldest] == [x["seq"] for x in records[:2]]


def test_bad_filters_are_refused_with_an_errno(ht):
    api = ht.api
    for params in ({"since": "yesterday"}, {"path": "relative"}, {"op": "DROP TABLE"}):
        r = ht.http.get(api + "/audit", params=params)
        assert r.status_code == 400 and r.json()["error"] == "EINVAL", (params, r.text)
    for params in ({"limit": 0}, {"limit": 100001}, {"failed": "perhaps"}):
        r = ht.http.get(api + "/audit", params=params)
        assert r.status_code == 422 and r.json()["error"] == "EINVAL", (params, r.text)
    r = ht.http.get(api + "/audit/summary/bogus")
    assert r.status_code == 422 and r.json()["error"] == "EINVAL"
    assert ht.http.get(api + "/audit", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_summaries(ht):
    api = ht.api
    ht.http.put(api + "/files/s.txt", content=b"a\nb\n")
    ht.http.put(api + "/files/s.txt", content=b"a\nc\nd\n")
    by_path = {x["path"]: x for x in ht.http.get(api + "/audit/summary/path").json()}
    assert by_path["/s.txt"]["writes"] == 2 and by_path["/s.txt"]["bytes_written"] == 10
    assert by_path["/s.txt"]["lines_added"] >= 4 and by_path["/s.txt"]["last_at"].endswith("Z")
    days = ht.http.get(api + "/audit/summary/day").json()
    assert any(x["op"] == "write" and x["done"] >= 2 for x in days)
    assert ht.http.get(api + "/audit/summary/layer").json()[0]["changes"] >= 2
    last = {x["path"]: x for x in ht.http.get(api + "/audit/summary/last").json()}
    assert last["/s.txt"]["op"] == "write"
    assert len(ht.http.get(api + "/audit/summary/path", params={"limit": 1}).json()) == 1


def test_another_tenants_records_never_show(ht, admin, dsn):
    """A second tenant's writes are in the log, and not in the first tenant's answers."""
    name = unique_tenant_name("other")
    admin.execute("SELECT tarbox.tenant_create(%s)", (name,))
    try:
        other = db.tenant_connection(name, dsn)
        try:
            other.execute("SELECT tarbox.write('/secret-of-other.txt', 'x'::bytea)")
            assert other.execute("SELECT count(*) FROM tarbox.audit_log WHERE path = '/secret-of-other.txt'").fetchone()[0] == 1
        finally:
            other.close()
        ht.http.put(ht.api + "/files/mine.txt", content=b"y")
        paths = {x["path"] for x in ht.http.get(ht.api + "/audit", params={"limit": 100000}).json()}
        assert "/mine.txt" in paths and "/secret-of-other.txt" not in paths
        for by in ("path", "last"):
            assert "/secret-of-other.txt" not in {x["path"] for x in ht.http.get(ht.api + f"/audit/summary/{by}").json()}
        assert ht.http.get(ht.api + "/audit", params={"path": "/secret-of-other.txt"}).json() == []
    finally:
        admin.execute("SELECT tarbox.tenant_delete(%s)", (name,))


def test_openapi_describes_the_audit_routes(server):
    import httpx
    spec = httpx.get(server.url + "/openapi.json").json()
    for route in ("/api/v1/audit", "/api/v1/audit/summary/{by}"):
        op = spec["paths"][route]["get"]
        assert op["description"] and op["summary"], route
        assert "401" in op["responses"] and "400" in op["responses"]
    params = {p["name"]: p for p in spec["paths"]["/api/v1/audit"]["get"]["parameters"]}
    assert set(params) == {"since", "until", "path", "op", "failed", "limit", "newest"}
    assert all(p.get("description") for p in params.values())
