"""A bounded load test: 32 concurrent clients mixing metadata, listing, ranged reads, whole-file
writes and renames against localhost for TARBOX_LOAD_SECONDS (60 by default), on one tenant
and then on two; zero errors, and afterwards every file holds exactly what its client last
wrote (checked over HTTP and through SQL), and fsck is clean (the tenant fixtures)."""

from __future__ import annotations

import asyncio
import os
import random
import time

import httpx
import psycopg
import pytest

from tests.conftest import fsck_problems, unique_tenant_name
from tests.server.support import make_token

SECONDS = float(os.environ.get("TARBOX_LOAD_SECONDS", "60"))
CLIENTS = 32
FILES = 4


def content(client: int, version: int) -> bytes:
    """What client ``client`` writes at ``version``: a few KiB, different every time."""
    size = 1024 + (client * 997 + version * 131) % 8192
    unit = f"c{client}v{version};".encode()
    return (unit * (size // len(unit) + 1))[:size]


async def one_client(url: str, token: str, client: int, deadline: float, errors: list, counts: dict) -> dict:
    """Run one client until the deadline; returns {name: expected bytes} of its files."""
    h = {"Authorization": f"Bearer {token}"}
    d = f"/c{client}"
    rng = random.Random(client)
    files = {f"f{k}": content(client, 0) for k in range(FILES)}
    version = 0
    async with httpx.AsyncClient(base_url=url + "/api/v1", headers=h, timeout=60) as http:
        async def check(r: httpx.Response, what: str, ok=(200, 201, 204, 206)) -> httpx.Response:
            if r.status_code not in ok:
                errors.append(f"client {client} {what}: {r.status_code} {r.text[:200]}")
            return r

        await check(await http.post("/fs/mkdir", json={"path": d, "recursive": True}), "mkdir")
        for name, data in files.items():
            await check(await http.put(f"/files{d}/{name}", content=data), "create")
        while time.monotonic() < deadline:
            op = rng.choice(("meta", "list", "read", "read", "write", "rename", "shared"))
            name = rng.choice(sorted(files))
            try:
                if op == "meta":
                    r = await check(await http.get("/fs/metadata", params={"path": f"{d}/{name}"}), "metadata")
                    if r.status_code == 200 and r.json()["len"] != len(files[name]):
                        errors.append(f"client {client} metadata of {name}: len {r.json()['len']} != {len(files[name])}")
                elif op == "list":
                    r = await check(await http.get("/fs/dir", params={"path": d}), "list")
                    if r.status_code == 200 and sorted(e["fileName"] for e in r.json()) != sorted(files):
                        errors.append(f"client {client} list: {r.json()} != {sorted(files)}")
                elif op == "read":
                    data = files[name]
                    a = rng.randrange(len(data))
                    b = min(len(data) - 1, a + rng.randrange(1, 4096))
                    r = await check(await http.get(f"/files{d}/{name}", headers={"Range": f"bytes={a}-{b}"}), "read")
                    if r.status_code == 206 and r.content != data[a:b + 1]:
                        errors.append(f"client {client} read {name}[{a}:{b + 1}] differs")
                elif op == "write":
                    version += 1
                    data = content(client, version)
                    r = await check(await http.put(f"/files{d}/{name}", content=data), "write")
                    if r.status_code == 200:
                        files[name] = data
                elif op == "rename":
                    new = f"g{version}-{rng.randrange(10**6)}"
                    r = await check(await http.post("/fs/rename", json={"from": f"{d}/{name}", "to": f"{d}/{new}"}), "rename")
                    if r.status_code == 204:
                        files[new] = files.pop(name)
                else:
                    r = await check(await http.get("/fs/read", params={"path": "/shared", "offset": 0}), "shared")
                    if r.status_code == 200 and r.content != SHARED:
                        errors.append(f"client {client} read /shared differs")
                counts[op] = counts.get(op, 0) + 1
            except httpx.HTTPError as exc:
                errors.append(f"client {client} {op}: {type(exc).__name__}: {exc}")
    return files


SHARED = bytes(range(256)) * 512


def run_load(url: str, tokens: list[str]) -> tuple[list[dict], list[str], dict]:
    """CLIENTS clients spread over the tokens; returns (expected files per client, errors, counts)."""
    errors: list[str] = []
    counts: dict = {}

    async def main():
        deadline = time.monotonic() + SECONDS
        return await asyncio.gather(*(one_client(url, tokens[i % len(tokens)], i, deadline, errors, counts)
                                      for i in range(CLIENTS)))

    return asyncio.run(main()), errors, counts


def verify(url: str, tokens: list[str], conns: list[psycopg.Connection], expected: list[dict]) -> None:
    """Every file of every client holds what it last wrote, over HTTP and through SQL, and no
    other file exists in the clients' directories."""
    for i, files in enumerate(expected):
        token, conn = tokens[i % len(tokens)], conns[i % len(tokens)]
        listed = sorted(r[0] for r in conn.execute("SELECT name FROM tarbox.ls(%s)", (f"/c{i}",)))
        assert listed == sorted(files), f"client {i}"
        for name, data in files.items():
            assert bytes(conn.execute("SELECT tarbox.read(%s)", (f"/c{i}/{name}",)).fetchone()[0]) == data
            r = httpx.get(f"{url}/api/v1/files/c{i}/{name}", headers={"Authorization": f"Bearer {token}"})
            assert r.content == data


def test_32_clients_on_one_tenant(server, tenant, admin):
    tenant.conn.execute("SELECT tarbox.write('/shared', %s::bytea)", (SHARED,))
    token = make_token(admin, tenant.name)
    expected, errors, counts = run_load(server.url, [token])
    print(f"\none tenant, {CLIENTS} clients, {SECONDS:.0f} s: {sum(counts.values())} operations {counts}")
    assert errors == [], "\n".join(errors[:20])
    assert sum(counts.values()) > CLIENTS
    verify(server.url, [token], [tenant.conn], expected)


@pytest.fixture
def second_tenant(dsn, admin):
    """Another tenant (connection acting as it); fsck checked and deleted afterwards."""
    from tarbox_shell import db
    name = unique_tenant_name("l")
    admin.execute("SELECT tarbox.tenant_create(%s)", (name,))
    conn = db.tenant_connection(name, dsn)
    try:
        yield name, conn
        assert fsck_problems(conn) == []
    finally:
        conn.close()
        admin.execute("SELECT tarbox.tenant_delete(%s)", (name,))


def test_32_clients_on_two_tenants(server, tenant, admin, second_tenant):
    name2, conn2 = second_tenant
    for conn in (tenant.conn, conn2):
        conn.execute("SELECT tarbox.write('/shared', %s::bytea)", (SHARED,))
    tokens = [make_token(admin, tenant.name), make_token(admin, name2)]
    expected, errors, counts = run_load(server.url, tokens)
    print(f"\ntwo tenants, {CLIENTS} clients, {SECONDS:.0f} s: {sum(counts.values())} operations {counts}")
    assert errors == [], "\n".join(errors[:20])
    verify(server.url, tokens, [tenant.conn, conn2], expected)
    for conn, other in ((tenant.conn, 1), (conn2, 0)):  # no client directory leaked across
        names = {r[0] for r in conn.execute("SELECT name FROM tarbox.ls('/')")}
        assert not any(f"c{i}" in names for i in range(other, CLIENTS, 2))
