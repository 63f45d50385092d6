"""Security of the HTTP API: tokens never cross tenants, read-only tokens change nothing,
expired/revoked/unknown tokens are 401, path spellings ('..', encoded slashes, NUL) never leave
the tenant, huge headers and bodies are refused without harm, and the gateway role is a member
of the tenant roles and nothing more."""

from __future__ import annotations

import time

import httpx
import psycopg
import pytest

from tests.conftest import unique_tenant_name
from tests.server.support import Server, make_token


@pytest.fixture
def other(admin, dsn):
    """A second tenant with a file /secret and a token."""
    name = unique_tenant_name("o")
    admin.execute("SELECT tarbox.tenant_create(%s)", (name,))
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            role = conn.execute("SELECT role_name FROM tarbox.tenant_info(%s)", (name,)).fetchone()[0]
            conn.execute(f'SET ROLE "{role}"')
            conn.execute("SELECT tarbox.write('/secret', 'of the other tenant')")
        yield name, make_token(admin, name)
    finally:
        admin.execute("SELECT tarbox.tenant_delete(%s)", (name,))


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_never_reach_another_tenants_files(ht, other):
    """Each token sees its own tenant's tree: the other tenant's /secret is not found, and a
    write to the same path lands in the caller's tenant only."""
    name, token = other
    assert httpx.get(ht.api + "/files/secret", headers=auth(token)).content == b"of the other tenant"
    assert ht.http.get(ht.api + "/files/secret").status_code == 404
    assert ht.http.get(ht.api + "/fs/dir", params={"path": "/"}).json() == []
    assert ht.http.put(ht.api + "/files/secret", content=b"mine").status_code == 200
    assert httpx.get(ht.api + "/files/secret", headers=auth(token)).content == b"of the other tenant"
    assert ht.http.get(ht.api + "/files/secret").content == b"mine"
    # a token whose tenant id was edited to the other tenant's is unknown there
    mine = ht.token.split("_")
    other_id = token.split("_")[1]
    forged = f"tbx_{other_id}_{mine[2]}"
    r = httpx.get(ht.api + "/files/secret", headers=auth(forged))
    assert r.status_code == 401 and "unauthorized" in r.json()["message"]


def test_read_only_token_reads_and_changes_nothing(ht, admin):
    """A read-only token reads, and every change is 403 with nothing changed."""
    assert ht.http.put(ht.api + "/files/f", content=b"original").status_code == 200
    ro = make_token(admin, ht.tenant.name, "ro", read_only=True)
    h = auth(ro)
    assert httpx.get(ht.api + "/files/f", headers=h).content == b"original"
    attempts = [
        ("PUT", "/files/f", {"content": b"changed"}), ("PATCH", "/files/f?offset=0", {"content": b"X"}),
        ("DELETE", "/files/f", {}), ("POST", "/dir/d", {}), ("POST", "/move/f?to=/g", {}),
        ("POST", "/attrs/f", {"json": {"mode": 0o600}}), ("PUT", "/xattrs/f?name=user.x", {"content": b"v"}),
        ("POST", "/layers", {"json": {"name": "x"}}), ("POST", "/link/l?target=/f&symbolic=true", {}),
        ("PUT", "/fs/write?path=/f&offset=0&truncate=true&final=true", {"content": b"changed"}),
        ("POST", "/fs/mkdir", {"json": {"path": "/d", "recursive": True}}),
        ("POST", "/fs/set-readonly", {"json": {"path": "/f", "readonly": True}}),
        ("DELETE", "/fs/file?path=/f", {}),
    ]
    for method, route, kw in attempts:
        r = httpx.request(method, ht.api + route, headers=h, **kw)
        assert r.status_code == 403, (method, route, r.text)
        assert r.json()["error"] == "EROFS"
    assert ht.tenant.conn.execute("SELECT tarbox.read_text('/f')").fetchone()[0] == "original"
    assert [r[0] for r in ht.tenant.conn.execute("SELECT name FROM tarbox.ls('/')")] == ["f"]
    assert ht.tenant.conn.execute("SELECT count(*) FROM tarbox.layer_list()").fetchone()[0] == 1


def test_read_requests_run_in_read_only_transactions(ht):
    """The database itself refuses writes in a request the gateway sent as a read (the
    defence behind the route's own classification)."""
    import asyncio
    from tarbox_shell.server.gateway import Gateway
    from tarbox_shell import db

    async def attempt():
        gw = Gateway(db.gateway_dsn(None, ht.tenant.dsn), 1, 1)
        await gw.pool.open(wait=True)
        try:
            await gw.call(ht.token, False, "SELECT tarbox.write('/sneaky', 'x')")
        finally:
            await gw.close()

    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        asyncio.run(attempt())


def test_expired_revoked_unknown_and_malformed_tokens_are_401(ht, admin):
    """Every refused token is 401 with "unauthorized" in a JSON message, and a valid one keeps
    working."""
    short = make_token(admin, ht.tenant.name, "short", expires="1 second")
    assert httpx.get(ht.api + "/fs/dir?path=/", headers=auth(short)).status_code == 200
    deadline = time.monotonic() + 10
    while httpx.get(ht.api + "/fs/dir?path=/", headers=auth(short)).status_code == 200:
        assert time.monotonic() < deadline, "the token did not expire"
        time.sleep(0.1)
    r = httpx.get(ht.api + "/fs/dir?path=/", headers=auth(short))
    assert r.status_code == 401 and "expired" in r.json()["message"]
    admin.execute("SELECT * FROM tarbox.tenant_token_revoke(%s, 'test')", (ht.tenant.name,))
    r = ht.http.get(ht.api + "/fs/dir?path=/")
    assert r.status_code == 401 and "revoked" in r.json()["message"]
    for bad in ("tbx_1_" + "0" * 64, "nonsense", "tbx_" + "9" * 30 + "_" + "a" * 64, "'; DROP TABLE x; --"):
        r = httpx.get(ht.api + "/fs/dir?path=/", headers=auth(bad))
        assert r.status_code == 401 and "unauthorized" in r.json()["message"], bad
    for header in ("Basic dXNlcjpwYXNz", "Bearer", ""):
        r = httpx.get(ht.api + "/fs/dir?path=/", headers={"Authorization": header})
        assert r.status_code == 401 and "unauthorized" in r.json()["message"]
        assert r.headers["www-authenticate"].startswith("Bearer")


def test_only_hashes_are_stored(ht, admin):
    """The token table holds the SHA-256 of each token, never its text."""
    rows = admin.execute("SELECT hash FROM tarbox.token t JOIN tarbox.tenant n USING (tenant_id) "
                         "WHERE n.name = %s", (ht.tenant.name,)).fetchall()
    import hashlib
    assert [bytes(r[0]) for r in rows] == [hashlib.sha256(ht.token.encode()).digest()]
    dump = admin.execute("SELECT t::text FROM tarbox.token t").fetchall()
    assert not any(ht.token in d[0] for d in dump)


@pytest.mark.parametrize("spelling", [
    "/api/v1/files/..%2F..%2Fsecret", "/api/v1/files/%2e%2e/%2e%2e/secret", "/api/v1/files/a/../../secret",
    "/api/v1/files//secret", "/api/v1/files/%2Fsecret", "/api/v1/files/.%2f.%2fsecret",
])
def test_dot_dot_and_encoded_slashes_stay_in_the_tenant(ht, other, spelling):
    """However '..' and '/' are spelled, the path resolves inside the caller's tenant: its own
    /secret, never the other tenant's."""
    assert ht.http.put(ht.api + "/files/secret", content=b"mine").status_code == 200
    ht.http.post(ht.api + "/dir/a")
    r = httpx.get(ht.url + spelling, headers=auth(ht.token))
    assert r.status_code in (200, 404), r.text
    if r.status_code == 200:
        assert r.content == b"mine"


def test_nul_and_invalid_paths_are_400(ht):
    """A NUL byte, an over-long name or path is a 400 with the errno."""
    assert ht.http.get(ht.api + "/files/a%00b").json()["error"] == "EINVAL"
    r = ht.http.get(ht.api + "/fs/metadata", params={"path": "/" + "x" * 300})
    assert r.status_code == 400 and r.json()["error"] == "ENAMETOOLONG"
    r = ht.http.get(ht.api + "/fs/metadata", params={"path": "/x" * 2100})
    assert r.status_code == 400 and r.json()["error"] == "ENAMETOOLONG"


def test_huge_headers_are_refused_and_the_server_survives(ht):
    """A 1 MiB header is refused (4xx or the connection closed), never a crash."""
    try:
        r = httpx.get(ht.api + "/fs/dir?path=/", headers={**auth(ht.token), "X-Big": "a" * (1 << 20)}, timeout=30)
        assert 400 <= r.status_code < 500 or r.status_code == 200, r.text
    except httpx.HTTPError:
        pass
    assert ht.http.get(ht.api + "/fs/dir?path=/").status_code == 200


def test_bodies_over_the_limit_are_413_without_being_read(dsn, tenant, admin):
    """With --max-body 1MiB: a declared larger body is 413 at once; a chunked one is cut at the
    limit and rolls back; a JSON body over 1 MiB is 413; the file is unchanged."""
    token = make_token(admin, tenant.name)
    s = Server(dsn, ["--max-body", "1MiB"]).start()
    try:
        h = auth(token)
        api = s.url + "/api/v1"
        assert httpx.put(api + "/files/f", content=b"ok", headers=h).status_code == 200
        r = httpx.put(api + "/files/f", content=b"x" * ((1 << 20) + 1), headers=h)
        assert r.status_code == 413 and r.json()["error"] == "EFBIG"

        def chunks():
            for _ in range(40):
                yield b"y" * 65536

        r = httpx.put(api + "/files/f", content=chunks(), headers=h)
        assert r.status_code == 413
        r = httpx.post(api + "/fs/mkdir", content=b'{"path": "' + b"a" * (2 << 20) + b'"}',
                       headers={**h, "Content-Type": "application/json"})
        assert r.status_code == 413
        assert httpx.get(api + "/files/f", headers=h).content == b"ok"
        assert tenant.conn.execute("SELECT count(*) FROM tarbox.ls('/')").fetchone()[0] == 1
    finally:
        s.stop()


def test_malformed_requests_are_400_or_422_with_a_message(ht):
    """Bad JSON, bad query parameters and unknown routes get the JSON error body."""
    r = ht.http.post(ht.api + "/fs/mkdir", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "EINVAL" and r.json()["message"]
    r = ht.http.get(ht.api + "/fs/read", params={"path": "/x", "offset": "minus one"})
    assert r.status_code == 422 and "offset" in r.json()["message"]
    r = ht.http.get(ht.api + "/nowhere")
    assert r.status_code == 404 and r.json()["error"] == "ENOENT"
    r = ht.http.post(ht.api + "/attrs/x", json={"mode": "rwx"})
    assert r.status_code == 422


def test_gateway_role_is_a_member_of_tenant_roles_and_nothing_more(admin, tenant):
    """tarbox_gateway: LOGIN, NOINHERIT, no superuser/BYPASSRLS/CREATEROLE/CREATEDB; member of
    every tenant role; without a token it reads no tenant row and executes no API function."""
    attrs = admin.execute("SELECT rolcanlogin, rolinherit, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb "
                          "FROM pg_roles WHERE rolname = 'tarbox_gateway'").fetchone()
    assert attrs == (True, False, False, False, False, False)
    member_of = {r[0] for r in admin.execute(
        "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
        "WHERE m.member = 'tarbox_gateway'::regrole")}
    assert tenant.role in member_of
    assert all(name.startswith("tarbox_tenant_") for name in member_of)
    admin.execute("SET ROLE tarbox_gateway")
    try:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            admin.execute("SELECT * FROM tarbox.inode")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            admin.execute("SELECT * FROM tarbox.stat('/')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            admin.execute("SELECT * FROM tarbox.token")
    finally:
        admin.execute("RESET ROLE")
