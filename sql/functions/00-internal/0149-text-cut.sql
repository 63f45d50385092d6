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
-- Every call also leaves the chunker in the session's PL/Python dictionary GD as
-- GD['tarbox._text_cut'], so that tarbox._import_pieces (which calls this function first) cuts
-- with the very same code: the one defined now, also after an upgrade replaced this function
-- in a running session. Only superusers create PL/Python (untrusted) functions, so no tenant
-- can put anything else there.
CREATE OR REPLACE FUNCTION tarbox._text_cut(p_data bytea, p_bits int, p_min_lines int, p_max_bytes int,
                                            OUT ends int[], OUT lines int[])
LANGUAGE plpython3u IMMUTABLE STRICT
AS $$
from zlib import crc32
from array import array
from bisect import bisect_left, bisect_right
from itertools import accumulate
from sys import byteorder
def cut(data, bits, min_lines, max_bytes):
    if b'\x00' in data:
        return None, None
    try:
        data.decode('utf-8')
    except UnicodeDecodeError:
        return None, None
    lines = data.splitlines(True)
    if not lines:
        return [], []
    lens = list(map(len, lines))
    maxb = max_bytes
    n = len(lines)
    if min_lines >= 3 and bits <= 20 and max(lens) <= maxb:
        # Fast path (no line longer than a chunk, so only the two cut rules apply). A line that
        # can end a chunk by its hash is at least the third of its chunk (min_lines >= 3), so its
        # window never reaches before the chunk: the window hash of every line can be computed
        # up front, without knowing the cuts. It is computed for all lines at once, by integer
        # arithmetic on one 64-bit field per line packed into one Python integer (no field
        # overflows into the next), which is about 2.2x faster than the loop below (one Python
        # multiplication per line is the cost of that loop), with the same result.
        mask = (1 << bits) - 1
        r = (1 << (12 + bits)) - 1      # the low bits of w that decide its low bits bits
        ones = int.from_bytes(b'\x01\x00\x00\x00\x00\x00\x00\x00' * n, 'little')
        m32 = ones * 0xFFFFFFFF
        mr = ones * r
        hs = array('Q', map(crc32, lines))
        if byteorder != 'little':
            hs.byteswap()
        H = int.from_bytes(hs.tobytes(), 'little')
        X = (H ^ (((H * 0x9E3779B1) & m32) << 64) ^ (((H * 0x85EBCA77) & m32) << 128)) & m32
        W = ((X ^ (X >> 15)) & mr) * (0x2C1B3C6D & r) & mr
        zs = ((W ^ (W >> 12)) & (ones * mask)).to_bytes(8 * n, 'little')
        if bits > 8:
            cand = [i for i in range(2, n) if zs[8 * i] == 0 and zs[8 * i + 1] == 0 and zs[8 * i + 2] == 0]
        else:
            zb = zs[::8]                   # one byte per line: its masked window hash
            cand = []
            i = zb.find(0, 2)
            while i >= 0:
                cand.append(i)
                i = zb.find(0, i + 1)
        offs = list(accumulate(lens))
        ends, nlines = [], []
        first = start = 0
        while first < n:
            k = bisect_left(cand, first + min_lines - 1)
            last = bisect_right(offs, start + maxb, first) - 1   # the size rule
            if k < len(cand) and cand[k] <= last:
                last = cand[k]                                    # the hash rule
            ends.append(offs[last]); nlines.append(last - first + 1)
            first = last + 1
            start = offs[last]
        return ends, nlines
    mask = (1 << bits) - 1
    ends, nlines = [], []
    off = start = cnt = 0
    h1 = h2 = 0
    for line in lines:
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
        if cnt >= min_lines and (w & mask) == 0:
            ends.append(off); nlines.append(cnt)
            start, cnt, h1, h2 = off, 0, 0, 0
    if cnt:
        ends.append(off); nlines.append(cnt)
    return ends, nlines
GD['tarbox._text_cut'] = cut
return cut(p_data, p_bits, p_min_lines, p_max_bytes)
$$;
ALTER FUNCTION tarbox._text_cut(bytea, int, int, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_cut(bytea, int, int, int) FROM PUBLIC;
