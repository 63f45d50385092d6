-- tarbox._line_stats(old, new): (lines added, lines deleted) between two versions of a text file
-- (bytes; NULL = absent); NULL when either side is not text (not UTF-8, or holds NUL), is over
-- 8 MiB or has more than 500,000 lines. Lines end at LF, CRLF or CR, as the text chunks count
-- them (tarbox._text_chunks).
--
-- Bounded in time and memory by its input, and cancellable: the common prefix and suffix are
-- cut off (linear), then Myers' O((N+M)D) algorithm counts the shortest edit script of what is
-- left, for at most 1,000,000 steps (about half a second); past that the counts are the
-- multiset difference of the lines (a lower bound of the edit script's, linear in time). Every
-- 100,000 steps it enters SQL, where PostgreSQL acts on statement_timeout and
-- pg_cancel_backend (pure Python never returns to it). difflib, used before, is quadratic or
-- worse on repeated lines: 6,000 identical lines took 2.7 s, 8 MiB files weeks, and could only
-- be stopped by SIGKILL.
CREATE OR REPLACE FUNCTION tarbox._line_stats(p_old bytea, p_new bytea)
RETURNS int[]
LANGUAGE plpython3u IMMUTABLE
AS $$
from collections import Counter

MAX_BYTES = 8 * 1024 * 1024
MAX_LINES = 500000
BUDGET = 1000000
CHECK_EVERY = 100000

def lines(b):
    if b is None:
        return []
    if len(b) > MAX_BYTES or b'\x00' in b:
        return None
    b = bytes(b)
    try:
        b.decode('utf-8')
    except UnicodeDecodeError:
        return None
    out = b.splitlines(keepends=True)  # LF, CRLF, CR (bytes.splitlines knows no others)
    return out if len(out) <= MAX_LINES else None

a, b = lines(p_old), lines(p_new)
if a is None or b is None:
    return None
# common prefix and suffix
lo = 0
top = min(len(a), len(b))
while lo < top and a[lo] == b[lo]:
    lo += 1
ha, hb = len(a), len(b)
while ha > lo and hb > lo and a[ha - 1] == b[hb - 1]:
    ha -= 1
    hb -= 1
ids = {}
x_ = [ids.setdefault(line, len(ids)) for line in a[lo:ha]]
y_ = [ids.setdefault(line, len(ids)) for line in b[lo:hb]]
n, m = len(x_), len(y_)
if n == 0 or m == 0:
    return [m, n]

check = plpy.prepare('SELECT 1')
steps = 0
next_check = CHECK_EVERY
v = [0] * (2 * (n + m) + 3)
off = n + m + 1
dist = None
for d in range(n + m + 1):
    for k in range(-d, d + 1, 2):
        if k == -d or (k != d and v[off + k - 1] < v[off + k + 1]):
            x = v[off + k + 1]
        else:
            x = v[off + k - 1] + 1
        y = x - k
        x0 = x
        while x < n and y < m and x_[x] == y_[y]:
            x += 1
            y += 1
        steps += x - x0 + 1
        v[off + k] = x
        if x >= n and y >= m:
            dist = d
            break
    if dist is not None:
        break
    if steps >= next_check:
        plpy.execute(check)
        next_check += CHECK_EVERY
    if steps > BUDGET:
        break
if dist is None:
    ca, cb = Counter(x_), Counter(y_)
    return [sum((cb - ca).values()), sum((ca - cb).values())]
# d = added + deleted, m - n = added - deleted
return [(dist + m - n) // 2, (dist - m + n) // 2]
$$;
ALTER FUNCTION tarbox._line_stats(bytea, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._line_stats(bytea, bytea) FROM PUBLIC;
