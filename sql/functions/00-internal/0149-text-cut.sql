-- tarbox._text_cut(data, bits, min_lines, max_bytes): content-defined chunking of text on whole
-- lines. Returns the end offset (bytes, exclusive) and the line count of each chunk, in order;
-- both NULL when data is not text (holds a NUL byte, or is not valid UTF-8). Empty data gives
-- empty arrays.
-- Lines end at LF, CRLF or a lone CR (bytes.splitlines); the last line may lack an ending. A
-- chunk ends after a line when the hash of that line and the two before it (never reaching
-- before the chunk's first line) has its low `bits` bits zero and the chunk has at least
-- min_lines lines (about 2^bits lines per chunk; the window keeps runs of identical short lines
-- such as blank lines or "}" from cutting everywhere or nowhere); before a line that would take
-- the chunk past max_bytes; and inside a line longer than max_bytes, at a UTF-8 character
-- boundary. The cut points depend only on the lines since the chunk's start, so chunking from
-- any chunk boundary reproduces the chunks that follow it: an edit changes the chunks it lands
-- in (and at most the next one), and chunks resynchronise after it.
CREATE OR REPLACE FUNCTION tarbox._text_cut(p_data bytea, p_bits int, p_min_lines int, p_max_bytes int,
                                            OUT ends int[], OUT lines int[])
LANGUAGE plpython3u IMMUTABLE STRICT
AS $$
from zlib import crc32
data = p_data
if b'\x00' in data:
    return None, None
try:
    data.decode('utf-8')
except UnicodeDecodeError:
    return None, None
mask = (1 << p_bits) - 1
maxb = p_max_bytes
ends, nlines = [], []
off = start = cnt = 0
h1 = h2 = 0
for line in data.splitlines(True):
    n = len(line)
    if cnt and off + n - start > maxb:
        ends.append(off); nlines.append(cnt)
        start, cnt, h1, h2 = off, 0, 0, 0
    if n > maxb:
        # a line longer than a chunk: cut it at character boundaries
        i = 0
        while n - i > maxb:
            cut = i + maxb
            while cut > i and (line[cut] & 0xC0) == 0x80:
                cut -= 1
            ends.append(off + cut); nlines.append(0)
            i = cut
        start = off + i
        off += n
        ends.append(off); nlines.append(1)
        start, cnt, h1, h2 = off, 0, 0, 0
        continue
    h = crc32(line)
    off += n
    cnt += 1
    w = (h ^ (h1 * 0x9E3779B1) ^ (h2 * 0x85EBCA77)) & 0xFFFFFFFF
    w ^= w >> 15
    w = (w * 0x2C1B3C6D) & 0xFFFFFFFF
    w ^= w >> 12
    h2, h1 = h1, h
    if cnt >= p_min_lines and (w & mask) == 0:
        ends.append(off); nlines.append(cnt)
        start, cnt, h1, h2 = off, 0, 0, 0
if cnt:
    ends.append(off); nlines.append(cnt)
return ends, nlines
$$;
ALTER FUNCTION tarbox._text_cut(bytea, int, int, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_cut(bytea, int, int, int) FROM PUBLIC;
