-- tarbox._line_stats(old, new): (lines added, lines deleted) between two versions of a text file
-- (bytes; NULL = absent), by difflib's longest-matching-block algorithm on lines (ending at LF,
-- CRLF or CR, as the text chunks count them); NULL when
-- either side is not text (not UTF-8, or holds NUL) or is over 8 MiB.
CREATE OR REPLACE FUNCTION tarbox._line_stats(p_old bytea, p_new bytea)
RETURNS int[]
LANGUAGE plpython3u IMMUTABLE
AS $$
import difflib

def lines(b):
    if b is None:
        return []
    if len(b) > 8 * 1024 * 1024 or b'\x00' in b:
        return None
    b = bytes(b)
    try:
        b.decode('utf-8')
    except UnicodeDecodeError:
        return None
    return b.splitlines(keepends=True)

a, b = lines(p_old), lines(p_new)
if a is None or b is None:
    return None
added = deleted = 0
for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
    if tag in ('replace', 'delete'):
        deleted += i2 - i1
    if tag in ('replace', 'insert'):
        added += j2 - j1
return [added, deleted]
$$;
ALTER FUNCTION tarbox._line_stats(bytea, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._line_stats(bytea, bytea) FROM PUBLIC;
