"""Line diffs (tarbox.diff line counts, tarbox.diff_text) are bounded by their input and
cancellable (issue 16, item 6): difflib, used before, took 2.7 s on 6,000 identical lines and
weeks at the 8 MiB cap, in Python that statement_timeout could not interrupt. Myers' algorithm
with a work budget now: the diff is correct (it turns the old version into the new one) and
shortest when the budget allows; pathological inputs end within the budget; a statement
timeout cancels a long call."""

from __future__ import annotations

import difflib
import re

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _apply(old: list[str], patch: str) -> list[str]:
    """Apply a unified diff to the lines of ``old`` (each ending in '\\n' but maybe the last)."""
    out: list[str] = []
    pos = 0
    lines = patch.splitlines(keepends=True)
    i = 2 if lines else 0
    while i < len(lines):
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", lines[i])
        assert m, lines[i]
        start = int(m.group(1)) - (0 if m.group(2) == "0" else 1)
        out.extend(old[pos:start])
        pos = start
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            tag, text = lines[i][0], lines[i][1:]
            if i + 1 < len(lines) and lines[i + 1] == "\\ No newline at end of file\n":
                text = text[:-1]
                i += 1
            if tag == " ":
                assert old[pos] == text
                out.append(text)
                pos += 1
            elif tag == "-":
                assert old[pos] == text
                pos += 1
            else:
                out.append(text)
            i += 1
    out.extend(old[pos:])
    return out


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _versions(conn, old: str, new: str, name: str = "f.txt"):
    conn.execute("SELECT tarbox.write(%s, %s)", (f"/{name}", old))
    n = conn.execute("SELECT count(*) FROM tarbox.layer_list()").fetchone()[0]
    conn.execute("SELECT * FROM tarbox.layer_new(%s)", (f"v{n}",))
    conn.execute("SELECT tarbox.write(%s, %s)", (f"/{name}", new))
    return f"v{n - 1}" if n > 1 else "base"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["a\n", "b\n", "c\n", "a", "\n", "x y\n", "é\n"]), max_size=30),
       st.lists(st.sampled_from(["a\n", "b\n", "c\n", "b", "\n", "x y\n", "ü\n"]), max_size=30))
def test_diff_text_turns_the_old_version_into_the_new(tenant, old, new):
    old_text, new_text = "".join(old), "".join(new)
    conn = tenant.conn
    before = _versions(conn, old_text, new_text)
    patch = conn.execute("SELECT tarbox.diff_text('/f.txt', %s, 'current')", (before,)).fetchone()[0]
    assert _apply(_lines(old_text), patch) == _lines(new_text)
    stats = conn.execute("SELECT lines_added, lines_deleted FROM tarbox.diff(%s, 'current', '/f.txt')",
                         (before,)).fetchone()
    a, b = _lines(old_text), _lines(new_text)
    if a == b:
        assert patch == "" and (stats is None or stats == (0, 0))
        return
    added, deleted = stats
    assert added - deleted == len(b) - len(a)
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    reference = sum((i2 - i1) + (j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")
    assert added + deleted <= reference, "a shortest edit script: never longer than difflib's"
    assert sum(ln.startswith("+") and not ln.startswith("+++") for ln in patch.splitlines()) == added
    assert sum(ln.startswith("-") and not ln.startswith("---") for ln in patch.splitlines()) == deleted


def test_pathological_inputs_end_within_the_budget(tenant):
    """The inputs that made difflib quadratic or worse: many identical lines, and two 8 MiB-ish
    files with nothing in common. The calls finish (under a generous statement timeout) and
    the diffs are still correct."""
    conn = tenant.conn
    conn.execute("SET statement_timeout = '60s'")
    same = "same\n" * 6000
    before = _versions(conn, same, same[:3000 * 5] + "new\n" + same[3000 * 5:], "same.txt")
    patch = conn.execute("SELECT tarbox.diff_text('/same.txt', %s, 'current')", (before,)).fetchone()[0]
    assert patch.count("\n+new\n") == 1
    old = "".join(f"line {i}\n" for i in range(200_000))
    new = "".join(f"other {i}\n" for i in range(200_000))
    before = _versions(conn, old, new, "big.txt")
    row = conn.execute("SELECT lines_added, lines_deleted FROM tarbox.diff(%s, 'current', '/big.txt')",
                       (before,)).fetchone()
    assert row == (200_000, 200_000)
    patch = conn.execute("SELECT tarbox.diff_text('/big.txt', %s, 'current')", (before,)).fetchone()[0]
    assert _apply(_lines(old), patch) == _lines(new)
    conn.execute("RESET statement_timeout")


def test_a_statement_timeout_cancels_a_long_diff(tenant):
    conn = tenant.conn
    before = _versions(conn, "a\n" * 6000, "b\n" * 6000, "ab.txt")
    conn.execute("SET statement_timeout = '100ms'")
    with pytest.raises(psycopg.errors.QueryCanceled):
        conn.execute("SELECT tarbox.diff_text('/ab.txt', %s, 'current')", (before,))
    conn.execute("RESET statement_timeout")


def test_diff_refuses_relative_paths_and_big_files(tenant):
    conn = tenant.conn
    before = _versions(conn, "x\n", "y\n", "r.txt")
    for q, args in [("SELECT * FROM tarbox.diff(%s, 'current', 'r.txt')", (before,)),
                    ("SELECT tarbox.diff_text('r.txt', %s, 'current')", (before,))]:
        with pytest.raises(psycopg.Error) as info:
            conn.execute(q, args)
        assert info.value.sqlstate == "TX022", q
    # A NULL layer is the current one (as tarbox._layer_ref has it everywhere)
    assert conn.execute("SELECT count(*) FROM tarbox.diff(NULL, 'current')").fetchone()[0] == 0
    assert conn.execute("SELECT tarbox.diff_text('/r.txt', %s, NULL) = tarbox.diff_text('/r.txt', %s, 'current')",
                        (before, before)).fetchone()[0]
    conn.execute("SELECT tarbox.write('/huge.txt', '')")
    conn.execute("SELECT tarbox.truncate('/huge.txt', 8388609)")
    with pytest.raises(psycopg.Error) as info:
        conn.execute("SELECT tarbox.diff_text('/huge.txt', 'base', 'current')")
    assert info.value.sqlstate == "TX027"
