"""Property test (hypothesis): random edits of text files through the path API and the
FUSE-style calls (fs_write + fs_release). After each step the content is what a plain bytes
model says; the line statistics match difflib on the whole files (tarbox.diff between layers,
fs_release after appends); a one-line edit in a new layer maps at most a few new chunks; and
the deep fsck is clean at the end, with every layer's version still readable."""

from __future__ import annotations

import difflib
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

WORDS = ["def", "return", "self", "value", "import", "class", "for", "in", "if", "else", "print",
         "x", "y", "None", "True", "=", "+", "(", ")", ":", "# note", "élan", "naïve", "data[0]"]
ENDINGS = [b"\n", b"\n", b"\n", b"\r\n", b"\r"]


def line_strategy():
    return st.builds(lambda ws, n, e: (" ".join(ws) + f" {n}").encode() + e,
                     st.lists(st.sampled_from(WORDS), min_size=0, max_size=8),
                     st.integers(0, 10**6), st.sampled_from(ENDINGS))


def is_text(b: bytes) -> bool:
    """Valid UTF-8 without NUL (what Tarbox stores as text chunks under its thresholds)."""
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in b


def stats(old: bytes, new: bytes) -> tuple[int, int]:
    """(added, deleted) by difflib over lines ending at LF, CRLF or CR."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    added = deleted = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            deleted += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    return added, deleted


step = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, 10**6), line_strategy()),
    st.tuples(st.just("insert"), st.integers(0, 10**6), line_strategy()),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.none()),
    st.tuples(st.just("append"), st.lists(line_strategy(), min_size=1, max_size=5), st.none()),
    st.tuples(st.just("overwrite"), st.integers(0, 10**6), st.binary(min_size=1, max_size=40)
              .filter(lambda b: b"\x00" not in b).map(lambda b: b.decode("latin-1").encode())),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.none()),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(lines=st.lists(line_strategy(), min_size=50, max_size=600), steps=st.lists(step, min_size=1, max_size=12),
       no_final_newline=st.booleans())
def test_random_text_edits(tenant, lines, steps, no_final_newline):
    conn = tenant.conn
    path = f"/p{uuid.uuid4().hex[:12]}"
    content = b"".join(lines)
    if no_final_newline:
        content = content.rstrip(b"\r\n")
    conn.execute("SELECT tarbox.write(%s, %s::bytea)", (path, content))
    ino = conn.execute("SELECT ino FROM tarbox.stat(%s)", (path,)).fetchone()[0]
    versions = {conn.execute("SELECT current_layer FROM tarbox.tenant").fetchone()[0]: content}
    for i, (op, a, b) in enumerate(steps):
        layer = conn.execute("SELECT layer_id FROM tarbox.layer_new(%s)", (f"{path[1:]}-{i}",)).fetchone()[0]
        old = content
        ls = content.splitlines(keepends=True)
        if op in ("replace", "insert", "delete"):
            k = a % max(len(ls), 1)
            if op == "replace" and ls:
                ls[k] = b
            elif op == "insert":
                ls.insert(k, b)
            elif ls:
                del ls[k]
            content = b"".join(ls)
            conn.execute("SELECT tarbox.write(%s, %s::bytea)", (path, content))
            new_rows = conn.execute("SELECT count(*) FROM tarbox.chunkmap WHERE ino = %s AND born = %s",
                                    (ino, layer)).fetchone()[0]
            assert new_rows <= 4, f"a one-line {op} mapped {new_rows} new chunks"
        elif op == "append":
            more = b"".join(a)
            conn.execute("SELECT tarbox.fs_write(%s, 0, %s, true)", (ino, more))
            content = content + more
            got = conn.execute("SELECT tarbox.fs_release(%s)", (ino,)).fetchone()[0]
            if is_text(old) and is_text(content):
                # an append: the lines after the old ones (a last line it completes is not
                # counted as changed); into an empty file the write itself stores text
                want = (len(content.splitlines()) - len(old.splitlines()), 0)
                if old:
                    assert tuple(got) == want, "fs_release counts the lines the append added"
                else:
                    assert got is None, "the first write to an empty file leaves nothing to re-chunk"
                    rec = conn.execute("SELECT lines_added, lines_deleted FROM tarbox.audit_log WHERE op = 'write' "
                                       "AND ino = %s ORDER BY at_ns DESC, seq DESC LIMIT 1", (ino,)).fetchone()
                    assert tuple(rec) == want, "the write's record counts the lines it added"
            else:
                assert got is None, "no line statistics for a file that is not text"
        elif op == "overwrite":
            off = a % (len(content) + 1)
            conn.execute("SELECT tarbox.fs_write(%s, %s, %s)", (ino, off, b))
            content = content[:off] + b + content[off + len(b):]
            conn.execute("SELECT tarbox.fs_release(%s)", (ino,))
        else:
            size = a % (len(content) + 1)
            conn.execute("SELECT tarbox.truncate(%s, %s)", (path, size))
            content = content[:size]
        assert bytes(conn.execute("SELECT tarbox.read(%s)", (path,)).fetchone()[0]) == content
        text_bytes, size = conn.execute("SELECT text_bytes, size FROM tarbox.inode WHERE ino = %s "
                                        "AND died = 2147483647", (ino,)).fetchone()
        assert size == len(content)
        # (an overwrite can cut a multibyte character: the file is binary then, and text again
        # once a later change mends it)
        assert (text_bytes == size) == is_text(content), "text is stored as chunks, the rest as blocks"
        d = conn.execute("SELECT lines_added, lines_deleted FROM tarbox.diff(%s, %s, %s)",
                         (str(layer - 1), str(layer), path)).fetchall()
        if old != content and is_text(old) and is_text(content):
            assert [tuple(r) for r in d] == [stats(old, content)], "tarbox.diff counts what difflib counts"
        versions[layer] = content
    for layer, want in versions.items():
        got = conn.execute("SELECT tarbox.read(%s, 0, NULL, %s)", (path, str(layer))).fetchone()[0]
        assert bytes(got) == want, f"layer {layer} reads back differently"
    assert conn.execute("SELECT * FROM tarbox.fsck(true)").fetchall() == []
