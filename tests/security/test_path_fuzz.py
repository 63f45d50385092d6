"""The path API with random byte names and paths (issue 16, Tests): every call either succeeds
or fails with an errno (SQLSTATE TXnnn), never with a raw PostgreSQL error, and fsck stays
clean whatever sequence of calls ran. Paths are bytes (the bytea forms), sometimes sent as
text when they are UTF-8."""

from __future__ import annotations

import psycopg
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

NAMES = st.one_of(
    st.binary(min_size=0, max_size=10),
    st.sampled_from([b".", b"..", b"a", b"b", b"c", b"\xff", b"\xc3\xa9", b"a/b", b"x" * 255, b"y" * 256,
                     b"sp ace", b"nul\x00", b"\n"]))
PATHS = st.tuples(st.lists(NAMES, max_size=4), st.booleans(), st.booleans()).map(
    lambda t: (b"/" if t[2] else b"") + b"/".join(t[0]) + (b"/" if t[1] else b""))
OPS = ["write", "append", "write_at", "mkdir", "mkdir_p", "rm", "rm_r", "rmdir", "mv", "ln", "symlink",
       "truncate", "stat", "lstat", "ls", "read", "read_text", "chmod", "chown", "touch", "mknod",
       "readlink", "setxattr", "getxattr", "listxattr"]
CALLS = st.lists(st.tuples(st.sampled_from(OPS), PATHS, PATHS, st.binary(max_size=64),
                           st.integers(min_value=-2, max_value=1 << 20), st.booleans()),
                 min_size=1, max_size=30)


def _path(x: bytes, as_text: bool):
    """The path as text when asked and it is UTF-8 without NUL (the text forms), else bytes."""
    if as_text and b"\x00" not in x:
        try:
            return x.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return x


def _call(conn, op: str, p: bytes, q: bytes, data: bytes, n: int, as_text: bool) -> None:
    P, Q = _path(p, as_text), _path(q, as_text)
    if type(P) is not type(Q):
        P, Q = p, q
    c = "text" if isinstance(P, str) else "bytea"
    xname = "user." + data.decode("utf-8", "replace").replace("\x00", "")[:20]
    sql = {
        "write": (f"SELECT tarbox.write(%s::{c}, %s::bytea)", (P, data)),
        "append": (f"SELECT tarbox.append(%s::{c}, %s::bytea)", (P, data)),
        "write_at": (f"SELECT tarbox.write(%s::{c}, %s::bytea, %s::bigint)", (P, data, n)),
        "mkdir": (f"SELECT tarbox.mkdir(%s::{c})", (P,)),
        "mkdir_p": (f"SELECT tarbox.mkdir(%s::{c}, 493, true)", (P,)),
        "rm": (f"SELECT tarbox.rm(%s::{c})", (P,)),
        "rm_r": (f"SELECT tarbox.rm(%s::{c}, true)", (P,)),
        "rmdir": (f"SELECT tarbox.rmdir(%s::{c})", (P,)),
        "mv": (f"SELECT tarbox.mv(%s::{c}, %s::{c})", (P, Q)),
        "ln": (f"SELECT tarbox.ln(%s::{c}, %s::{c})", (P, Q)),
        "symlink": ("SELECT tarbox.ln(%s::bytea, %s::bytea, true)", (data or b"t", p)),
        "truncate": (f"SELECT tarbox.truncate(%s::{c}, %s::bigint)", (P, n)),
        "stat": (f"SELECT * FROM tarbox.stat(%s::{c})", (P,)),
        "lstat": (f"SELECT * FROM tarbox.stat(%s::{c}, false)", (P,)),
        "ls": (f"SELECT * FROM tarbox.ls(%s::{c})", (P,)),
        "read": (f"SELECT tarbox.read(%s::{c}, %s::bigint, 100)", (P, n)),
        "read_text": (f"SELECT tarbox.read_text(%s::{c})", (P,)),
        "chmod": (f"SELECT tarbox.chmod(%s::{c}, %s::int)", (P, n)),
        "chown": (f"SELECT tarbox.chown(%s::{c}, %s::bigint, %s::bigint)", (P, n, n)),
        "touch": (f"SELECT tarbox.touch(%s::{c})", (P,)),
        "mknod": (f"SELECT tarbox.mknod(%s::{c}, %s::int, 0)", (P, 4516 if n % 2 else n)),
        "readlink": (f"SELECT tarbox.readlink(%s::{c})", (P,)),
        "setxattr": (f"SELECT tarbox.setxattr(%s::{c}, %s, %s::bytea)", (P, xname, data)),
        "getxattr": (f"SELECT tarbox.getxattr(%s::{c}, %s)", (P, xname)),
        "listxattr": (f"SELECT * FROM tarbox.listxattr(%s::{c})", (P,)),
    }[op]
    conn.execute(*sql).fetchall()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(CALLS)
def test_random_path_calls_succeed_or_fail_with_an_errno(tenant, calls):
    conn = tenant.conn
    for op, p, q, data, n, as_text in calls:
        try:
            _call(conn, op, p, q, data, n, as_text)
            event(f"{op} succeeded")
        except psycopg.Error as exc:
            assert (exc.sqlstate or "").startswith("TX"), (op, p, q, n, exc.sqlstate, str(exc))
            event(f"{op} failed with {exc.sqlstate}")
    assert conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == []
