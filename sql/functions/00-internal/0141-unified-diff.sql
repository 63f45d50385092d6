-- tarbox._unified_diff(old, new, old_name, new_name): a unified diff (diff -u format, 3 lines of
-- context) between two versions of a text file (bytes; NULL = absent); NULL when either side is
-- not text. Lines without a final newline are marked as diff(1) does.
CREATE OR REPLACE FUNCTION tarbox._unified_diff(p_old bytea, p_new bytea, p_old_name text, p_new_name text)
RETURNS text
LANGUAGE plpython3u IMMUTABLE
AS $$
import difflib

def lines(b):
    if b is None:
        return []
    if b'\x00' in b:
        return None
    try:
        return bytes(b).decode('utf-8').splitlines(keepends=True)
    except UnicodeDecodeError:
        return None

a, b = lines(p_old), lines(p_new)
if a is None or b is None:
    return None
out = []
for line in difflib.unified_diff(a, b, p_old_name, p_new_name):
    out.append(line)
    if not line.endswith('\n'):
        out.append('\n\\ No newline at end of file\n')
return ''.join(out)
$$;
ALTER FUNCTION tarbox._unified_diff(bytea, bytea, text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._unified_diff(bytea, bytea, text, text) FROM PUBLIC;
