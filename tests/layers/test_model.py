"""Property test of layer visibility: random operation sequences with random checkpoints,
switches and new-layer-on-history, checked layer by layer against an in-memory model.

The model is a dict ``path -> node`` (the whole tree). A checkpoint freezes the current tree as
the view of the layer it closes; switching to a layer must show exactly that view; creating a
layer on a historical one (with confirmation) discards the later layers and their views.
"""

from __future__ import annotations

import copy
import itertools
import uuid

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NAMES = ["a", "b", "c"]
PATHS = ["/" + "/".join(p) for n in (1, 2, 3) for p in itertools.product(NAMES, repeat=n)]


def parent(path: str) -> str:
    """The parent directory of an absolute path (str)."""
    head = path.rsplit("/", 1)[0]
    return head or "/"


ops = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(PATHS), st.binary(max_size=70_000)),
    st.tuples(st.just("mkdir"), st.sampled_from(PATHS)),
    st.tuples(st.just("rm"), st.sampled_from(PATHS)),
    st.tuples(st.just("mv"), st.sampled_from(PATHS), st.sampled_from(PATHS)),
    st.tuples(st.just("chmod"), st.sampled_from(PATHS), st.sampled_from([0o600, 0o644, 0o755, 0o700])),
    st.tuples(st.just("symlink"), st.sampled_from(PATHS), st.sampled_from(["../x", "/a", "t"])),
    st.tuples(st.just("checkpoint")),
    st.tuples(st.just("peek"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("rebase"), st.integers(min_value=0, max_value=50)),
)


def sqlstate_of(conn: psycopg.Connection, sql: str, params: tuple = ()) -> str | None:
    """Run one statement; return the SQLSTATE it failed with, or None when it succeeded."""
    try:
        conn.execute(sql, params)
    except psycopg.Error as exc:
        return exc.sqlstate
    return None


def dump(conn: psycopg.Connection, layer: str | None) -> dict:
    """The whole tree at a layer as the model's dict, read through the path API."""
    tree: dict = {}

    def walk(path: str) -> None:
        rows = conn.execute("SELECT name, type, mode FROM tarbox.ls(%s, %s)", (path, layer)).fetchall()
        for name, kind, mode in rows:
            child = (path.rstrip("/") + "/" + name) if path != "/" else "/" + name
            if kind == "dir":
                tree[child] = ("dir", mode)
                walk(child)
            elif kind == "symlink":
                target = conn.execute("SELECT tarbox.readlink(%s, %s)", (child, layer)).fetchone()[0]
                tree[child] = ("link", target)
            else:
                data = conn.execute("SELECT tarbox.read(%s, 0, NULL, %s)", (child, layer)).fetchone()[0]
                tree[child] = ("file", bytes(data), mode)

    walk("/")
    return tree


def apply(conn: psycopg.Connection, model: dict, op: tuple) -> None:
    """Apply one valid operation to the database and the model; skip invalid ones."""
    kind = op[0]
    if kind == "write":
        _, path, data = op
        if model.get(parent(path), ("dir",))[0] != "dir" or (parent(path) != "/" and parent(path) not in model):
            return
        node = model.get(path)
        if node is not None and node[0] != "file":
            return
        conn.execute("SELECT tarbox.write(%s, %s::bytea, NULL::bigint)", (path, data))
        model[path] = ("file", data, node[2] if node else 0o644)
    elif kind == "mkdir":
        _, path = op
        if path in model or (parent(path) != "/" and model.get(parent(path), ("x",))[0] != "dir"):
            return
        conn.execute("SELECT tarbox.mkdir(%s, 493)", (path,))
        model[path] = ("dir", 0o755)
    elif kind == "rm":
        _, path = op
        if path not in model:
            return
        conn.execute("SELECT tarbox.rm(%s, true)", (path,))
        for p in [p for p in model if p == path or p.startswith(path + "/")]:
            del model[p]
    elif kind == "mv":
        _, src, dst = op
        if src not in model or dst in model or dst.startswith(src + "/") or src == dst:
            return
        if parent(dst) != "/" and model.get(parent(dst), ("x",))[0] != "dir":
            return
        conn.execute("SELECT tarbox.mv(%s, %s)", (src, dst))
        moved = {p: v for p, v in model.items() if p == src or p.startswith(src + "/")}
        for p in moved:
            del model[p]
        for p, v in moved.items():
            model[dst + p[len(src):]] = v
    elif kind == "chmod":
        _, path, mode = op
        node = model.get(path)
        if node is None or node[0] == "link":
            return
        conn.execute("SELECT tarbox.chmod(%s, %s)", (path, mode))
        model[path] = (node[0], node[1], mode) if node[0] == "file" else ("dir", mode)
    elif kind == "symlink":
        _, path, target = op
        if path in model or (parent(path) != "/" and model.get(parent(path), ("x",))[0] != "dir"):
            return
        conn.execute("SELECT tarbox.ln(%s, %s, true)", (target, path))
        model[path] = ("link", target)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ops, min_size=5, max_size=40))
def test_layers_match_model(tenant, sequence):
    conn = tenant.conn
    # Each example starts from an empty tree on a fresh layer: clear what an earlier example left.
    conn.execute("SELECT * FROM tarbox.layer_switch('head')")
    for name, *_ in conn.execute("SELECT name FROM tarbox.ls('/')").fetchall():
        conn.execute("SELECT tarbox.rm(%s, true)", ("/" + name,))
    start = conn.execute("SELECT layer_id FROM tarbox.layer_new(%s)", (f"s{uuid.uuid4().hex[:8]}",)).fetchone()[0]
    model: dict = {}
    frozen: dict[int, dict] = {}  # layer id -> its frozen view
    head = start
    for op in sequence:
        if op[0] == "checkpoint":
            frozen[head] = copy.deepcopy(model)
            head = conn.execute("SELECT layer_id FROM tarbox.layer_new(%s)", (f"L{uuid.uuid4().hex[:8]}",)).fetchone()[0]
        elif op[0] == "peek" and frozen:
            layer = sorted(frozen)[op[1] % len(frozen)]
            conn.execute("SELECT * FROM tarbox.layer_switch(%s)", (str(layer),))
            assert dump(conn, None) == frozen[layer], f"view of layer {layer} after switching to it"
            assert sqlstate_of(conn, "SELECT tarbox.write('/ro', 'x')") == "TX030", "EROFS on a historical layer"
            conn.execute("SELECT * FROM tarbox.layer_switch('head')")
        elif op[0] == "rebase" and frozen:
            layer = sorted(frozen)[op[1] % len(frozen)]
            conn.execute("SELECT * FROM tarbox.layer_switch(%s)", (str(layer),))
            tag = uuid.uuid4().hex[:8]
            assert sqlstate_of(conn, "SELECT * FROM tarbox.layer_new(%s)", (f"R{tag}",)) == "TX016", (
                "EBUSY for a new layer on a historical one without confirmation")
            head = conn.execute(
                "SELECT layer_id FROM tarbox.layer_new(%s, NULL, true)", (f"R{tag}",)
            ).fetchone()[0]
            assert head == layer + 1
            model = copy.deepcopy(frozen[layer])
            frozen = {k: v for k, v in frozen.items() if k <= layer}
        else:
            apply(conn, model, op)
    assert dump(conn, None) == model, "the current layer"
    for layer, view in frozen.items():
        assert dump(conn, str(layer)) == view, f"layer {layer} read as of it"
    assert conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == []
