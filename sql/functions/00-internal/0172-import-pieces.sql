-- tarbox._import_pieces(data[], link[], max_bytes, max_lines, params): the content of a batch of new
-- regular files (tarbox._do_fs_import) cut into the pieces it is stored as, in one call: entry i
-- with link[i] NULL and data[i] non-empty is text when it is at most max_bytes long, has no NUL
-- byte and is valid UTF-8, and has at most max_lines lines (a NULL threshold: never text); a
-- text file becomes the chunks of tarbox._text_cut with params (tarbox._text_params(): {bits,
-- min_lines, max_bytes}; keys 1, 2, ...),
-- anything else 64 KiB blocks without their trailing zeros (keys 0, 1, ...), an all-zero block
-- being a hole (no piece). Piece k: of[k] = i, chunk[k] (text chunk or block), key[k], hash[k] =
-- SHA-256 of piece[k], nbytes[k], nlines[k] (0 for a block). The layout is that of fs_write +
-- fs_release of each file (tarbox._text_first_write, tarbox._write, tarbox._text_rechunk).
-- Why PL/Python: done in SQL (a lateral call of tarbox._text_chunks per file, substring per
-- piece, sha256, array_agg), this was the import's most expensive statement (the Django sdist,
-- 6,809 files: 1.9 s of the import's 5.9 s in the database, of which the chunker itself 0.95 s).
-- It cuts with the chunker of tarbox._text_cut (GD['tarbox._text_cut'], which a call of that
-- function first puts there: the chunker defined now).
CREATE OR REPLACE FUNCTION tarbox._import_pieces(p_data bytea[], p_link bigint[], p_max_bytes bigint, p_max_lines bigint,
                                                 p_params int[],
                                                 OUT of int[], OUT chunk boolean[], OUT key bigint[], OUT hash bytea[],
                                                 OUT piece bytea[], OUT nbytes int[], OUT nlines int[])
LANGUAGE plpython3u IMMUTABLE
AS $$
from hashlib import sha256
plpy.execute("SELECT tarbox._text_cut(''::bytea, 6, 8, 16384)")  # leaves its chunker in GD
cut = GD['tarbox._text_cut']
bits, min_lines, max_chunk = p_params
r_of, r_chunk, r_key, r_hash, r_piece, r_nbytes, r_nlines = [], [], [], [], [], [], []
links = p_link or []
for i, d in enumerate(p_data or [], 1):
    if not d or (i <= len(links) and links[i - 1] is not None):
        continue
    ends = None
    if p_max_bytes is not None and p_max_lines is not None and len(d) <= p_max_bytes \
       and b'\x00' not in d[:65536]:
        ends, lines = cut(d, bits, min_lines, max_chunk)
        if ends is not None and sum(lines) > p_max_lines:
            ends = None
    if ends is not None:
        prev = 0
        for k, (e, nl) in enumerate(zip(ends, lines), 1):
            p = d[prev:e]
            prev = e
            r_of.append(i); r_chunk.append(True); r_key.append(k); r_hash.append(sha256(p).digest())
            r_piece.append(p); r_nbytes.append(len(p)); r_nlines.append(nl)
    else:
        for b in range(0, (len(d) + 65535) // 65536):
            p = d[b * 65536:(b + 1) * 65536].rstrip(b'\x00')
            if p:
                r_of.append(i); r_chunk.append(False); r_key.append(b); r_hash.append(sha256(p).digest())
                r_piece.append(p); r_nbytes.append(len(p)); r_nlines.append(0)
return r_of, r_chunk, r_key, r_hash, r_piece, r_nbytes, r_nlines
$$;
ALTER FUNCTION tarbox._import_pieces(bytea[], bigint[], bigint, bigint, int[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._import_pieces(bytea[], bigint[], bigint, bigint, int[]) FROM PUBLIC;
