-- tarbox._text_chunks(data): tarbox._text_cut with Tarbox's chunking parameters: a chunk ends
-- where the 3-line window hash has its low 6 bits zero (about 64 lines, 2-3 KB of source code),
-- after at least 8 lines, and is at most 16 KiB. (ends, lines) as tarbox._text_cut; NULL when
-- not text.
-- Why 6 bits: the 100-version figure of the benchmark (S1 in tarbox_shell/bench/storage.py: a
-- 10,000-line source file, 99 layers each changing one line; bytes of every row needed to read
-- all versions / one copy) measured 1.75x with 3 bits, 1.51x with 4, 1.18x with 5, 1.10x with 6
-- and 1.27x with 7. Below about 2 KB a row is not compressed by PostgreSQL (TOAST starts at
-- TOAST_TUPLE_THRESHOLD, 2032 bytes), so smaller chunks cost their full size and more map rows;
-- larger ones copy more unchanged lines per edit. 8 minimum lines instead of 4 changed nothing
-- measurable and keeps runs of blank lines from making tiny chunks.
CREATE OR REPLACE FUNCTION tarbox._text_chunks(p_data bytea, OUT ends int[], OUT lines int[])
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    SELECT x.ends, x.lines INTO ends, lines FROM tarbox._text_cut(p_data, 6, 8, 16384) x;
END
$$;
ALTER FUNCTION tarbox._text_chunks(bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_chunks(bytea) FROM PUBLIC;
