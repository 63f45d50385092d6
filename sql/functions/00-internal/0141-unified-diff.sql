-- tarbox._unified_diff(old, new, old_name, new_name): a unified diff (diff -u format, 3 lines of
-- context) between two versions of a text file (bytes; NULL = absent); NULL when either side is
-- not text (not UTF-8, or holds NUL). Lines end at '\n' only, as for diff(1); a last line
-- without one is marked as diff(1) does. The caller caps the sizes (tarbox.diff_text: 8 MiB).
--
-- Bounded in time and memory by its input, and cancellable: the common prefix and suffix are
-- cut off, then Myers' algorithm finds a shortest edit script of what is left if one of at most
-- 2,000 edits is found within 1,000,000 steps (its trace, kept to walk back, holds about
-- edits^2 integers); otherwise the region is shown replaced whole, a correct diff that is not
-- the shortest (as GNU diff's heuristics do for large files). Every 100,000 steps it enters
-- SQL, where PostgreSQL acts on statement_timeout and pg_cancel_backend.
CREATE OR REPLACE FUNCTION tarbox._unified_diff(p_old bytea, p_new bytea, p_old_name text, p_new_name text)
RETURNS text
LANGUAGE plpython3u IMMUTABLE
AS $$
from array import array

MAX_EDITS = 2000
BUDGET = 1000000
CHECK_EVERY = 100000
CONTEXT = 3

def lines(b):
    if b is None:
        return []
    if b'\x00' in b:
        return None
    try:
        text = bytes(b).decode('utf-8')
    except UnicodeDecodeError:
        return None
    parts = text.split('\n')
    out = [p + '\n' for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out

a, b = lines(p_old), lines(p_new)
if a is None or b is None:
    return None

check = plpy.prepare('SELECT 1')
state = {'steps': 0, 'next': CHECK_EVERY}

def tick(n):
    state['steps'] += n
    if state['steps'] >= state['next']:
        plpy.execute(check)
        state['next'] += CHECK_EVERY

def matching_blocks(a, b):
    """(i, j, size) runs of equal lines, in order, ending with (len(a), len(b), 0)."""
    lo, top = 0, min(len(a), len(b))
    while lo < top and a[lo] == b[lo]:
        lo += 1
    ha, hb = len(a), len(b)
    while ha > lo and hb > lo and a[ha - 1] == b[hb - 1]:
        ha -= 1
        hb -= 1
    blocks = []
    if lo:
        blocks.append((0, 0, lo))
    ids = {}
    xs = [ids.setdefault(line, len(ids)) for line in a[lo:ha]]
    ys = [ids.setdefault(line, len(ids)) for line in b[lo:hb]]
    n, m = len(xs), len(ys)
    if n and m:
        blocks.extend((lo + i, lo + j, size) for i, j, size in myers(xs, ys))
    if ha < len(a):
        blocks.append((ha, hb, len(a) - ha))
    blocks.append((len(a), len(b), 0))
    return blocks

def myers(xs, ys):
    """Equal runs of a shortest edit script of xs into ys, or [] (the whole region differs)
    when none of at most MAX_EDITS edits is found within BUDGET steps."""
    n, m = len(xs), len(ys)
    dmax = min(n + m, MAX_EDITS)
    off = dmax + 1
    v = array('l', [0]) * (2 * dmax + 3)
    trace = []
    found = None
    for d in range(dmax + 1):
        trace.append(v[off - d - 1: off + d + 2])  # the band k = -d-1 .. d+1 before step d
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[off + k - 1] < v[off + k + 1]):
                x = v[off + k + 1]
            else:
                x = v[off + k - 1] + 1
            y = x - k
            x0 = x
            while x < n and y < m and xs[x] == ys[y]:
                x += 1
                y += 1
            tick(x - x0 + 1)
            v[off + k] = x
            if x >= n and y >= m:
                found = d
                break
        if found is not None or state['steps'] > BUDGET:
            break
    if found is None:
        return []
    runs = []
    x, y = n, m
    for d in range(found, -1, -1):
        band = trace[d]  # band[k + d + 1] = v[k]
        k = x - y
        if d == 0:
            prev_x, prev_y = 0, 0
        else:
            if k == -d or (k != d and band[k - 1 + d + 1] < band[k + 1 + d + 1]):
                prev_k = k + 1
            else:
                prev_k = k - 1
            prev_x = band[prev_k + d + 1]
            prev_y = prev_x - prev_k
        # the snake of this step: from the end of the edit back to (x, y)
        sx = prev_x if d == 0 else (prev_x if prev_k == k + 1 else prev_x + 1)
        sy = sx - k
        if x > sx:
            runs.append((sx, sy, x - sx))
        x, y = prev_x, prev_y
    runs.reverse()
    return runs

def opcodes(blocks):
    """difflib-style (tag, i1, i2, j1, j2) from matching blocks."""
    i = j = 0
    ops = []
    for ai, bj, size in blocks:
        tag = ''
        if i < ai and j < bj:
            tag = 'replace'
        elif i < ai:
            tag = 'delete'
        elif j < bj:
            tag = 'insert'
        if tag:
            ops.append((tag, i, ai, j, bj))
        i, j = ai + size, bj + size
        if size:
            ops.append(('equal', ai, i, bj, j))
    return ops

def grouped(ops, n=CONTEXT):
    """difflib.SequenceMatcher.get_grouped_opcodes: hunks with n lines of context."""
    if not ops:
        ops = [('equal', 0, 1, 0, 1)]
    if ops[0][0] == 'equal':
        tag, i1, i2, j1, j2 = ops[0]
        ops[0] = tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2
    if ops[-1][0] == 'equal':
        tag, i1, i2, j1, j2 = ops[-1]
        ops[-1] = tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)
    nn = n + n
    group = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == 'equal' and i2 - i1 > nn:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == 'equal'):
        yield group

def span(start, stop):
    beginning, length = start + 1, stop - start
    if length == 1:
        return '%d' % beginning
    if not length:
        beginning -= 1
    return '%d,%d' % (beginning, length)

out = []
def emit(line):
    out.append(line)
    if not line.endswith('\n'):
        out.append('\n\\ No newline at end of file\n')

started = False
for group in grouped(opcodes(matching_blocks(a, b))):
    if not started:
        started = True
        out.append('--- %s\n' % p_old_name)
        out.append('+++ %s\n' % p_new_name)
    first, last = group[0], group[-1]
    out.append('@@ -%s +%s @@\n' % (span(first[1], last[2]), span(first[3], last[4])))
    for tag, i1, i2, j1, j2 in group:
        if tag == 'equal':
            for line in a[i1:i2]:
                emit(' ' + line)
            continue
        if tag in ('replace', 'delete'):
            for line in a[i1:i2]:
                emit('-' + line)
        if tag in ('replace', 'insert'):
            for line in b[j1:j2]:
                emit('+' + line)
return ''.join(out)
$$;
ALTER FUNCTION tarbox._unified_diff(bytea, bytea, text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._unified_diff(bytea, bytea, text, text) FROM PUBLIC;
