"""tarbox_shell.fuse.trio_pg: psycopg connections driven by trio, on the real test database."""

from __future__ import annotations

import psycopg
import pytest
import trio
from psycopg import sql

from tarbox_shell.fuse.trio_pg import PoolTimeout, TrioConnection, TrioPool


def _role_configure(role: str, pids: list[int]):
    """A TrioPool configure callback: SET ROLE, then record the backend pid."""
    async def configure(conn: TrioConnection) -> None:
        await conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        pids.append(conn.info.backend_pid)
    return configure


@pytest.mark.trio
async def test_queries_run_concurrently_on_trio(dsn, tenant):
    """Four sleeping queries on a pool of four overlap (about 0.3 s, not 1.2 s) and each
    runs as the tenant (configure ran SET ROLE)."""
    pids: list[int] = []
    pool = TrioPool(dsn, 4, _role_configure(tenant.role, pids), autocommit=True)
    await pool.fill()
    assert len(set(pids)) == 4
    users: list[str] = []

    async def one() -> None:
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT current_user, pg_sleep(0.3)")
            users.append((await cur.fetchone())[0])

    start = trio.current_time()
    async with trio.open_nursery() as nursery:
        for _ in range(4):
            nursery.start_soon(one)
    assert trio.current_time() - start < 0.9
    assert users == [tenant.role] * 4
    await pool.close()


@pytest.mark.trio
async def test_sql_error_keeps_connection_and_large_query_round_trips(dsn, tenant):
    """A SQLSTATE error (ENOENT from the inode API) leaves the connection in the pool; a
    4 MiB parameter is sent and returned intact (the read/write wait path)."""
    pids: list[int] = []
    pool = TrioPool(dsn, 1, _role_configure(tenant.role, pids), autocommit=True)
    with pytest.raises(psycopg.Error) as info:
        async with pool.connection() as conn:
            await conn.execute("SELECT * FROM tarbox.fs_getattr(%s::bigint)", (987654321,))
    assert info.value.sqlstate == "TX002"
    big = bytes(range(256)) * 16384
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT %s::bytea", (big,), binary=True)
        assert (await cur.fetchone())[0] == big
    assert len(pids) == 1  # the same connection served both
    await pool.close()


@pytest.mark.trio
async def test_cancelled_query_closes_connection(dsn, tenant):
    """A query cancelled mid-flight (trio.Cancelled) leaves the protocol state unknown:
    the pool closes that connection and the next borrower gets a new one."""
    pids: list[int] = []
    pool = TrioPool(dsn, 1, _role_configure(tenant.role, pids), autocommit=True)
    with trio.move_on_after(0.2):
        async with pool.connection() as conn:
            await conn.execute("SELECT pg_sleep(5)")
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT pg_backend_pid()")
        assert (await cur.fetchone())[0] == pids[-1]
    assert len(pids) == 2 and pids[0] != pids[1]
    await pool.close()


@pytest.mark.trio
async def test_killed_backend_is_replaced(dsn, tenant, admin):
    """A connection whose server process was terminated fails once (SQLSTATE class 08 or
    57P01) and is dropped; the next borrower connects again."""
    pids: list[int] = []
    pool = TrioPool(dsn, 1, _role_configure(tenant.role, pids), autocommit=True)
    await pool.fill()
    admin.execute("SELECT pg_terminate_backend(%s)", (pids[0],))
    await trio.sleep(0.2)
    with pytest.raises(psycopg.OperationalError):
        async with pool.connection() as conn:
            await conn.execute("SELECT 1")
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT 1")
        assert (await cur.fetchone())[0] == 1
    assert len(pids) == 2
    await pool.close()


@pytest.mark.trio
async def test_timeout_when_every_connection_is_busy(dsn, tenant):
    """With the only connection lent out, another borrower gets PoolTimeout after the
    pool's timeout instead of waiting forever."""
    pool = TrioPool(dsn, 1, _role_configure(tenant.role, []), timeout=0.3,
                    autocommit=True)
    async with pool.connection():
        start = trio.current_time()
        with pytest.raises(PoolTimeout):
            async with pool.connection():
                pass
        assert 0.25 <= trio.current_time() - start < 2
    await pool.close()


@pytest.mark.trio
async def test_unreachable_server_fails_fast(tmp_path):
    """No server on the socket: a clear psycopg.OperationalError, not a hang."""
    pool = TrioPool(f"host={tmp_path} dbname=x user=x", 1, timeout=3.0, connect_timeout=2)
    with trio.fail_after(5):
        with pytest.raises(psycopg.OperationalError):
            async with pool.connection():
                pass
