-- tarbox._text_params(): Tarbox's chunking parameters for text, as {bits, min_lines, max_bytes}
-- for tarbox._text_cut: a chunk ends where the 3-line window hash has its low 6 bits zero
-- (about 64 lines, 2-3 KB of source code), after at least 8 lines, and is at most 16 KiB. One
-- place for them: tarbox._text_chunks (one file) and tarbox._import_pieces (a batch of files)
-- must cut alike, or the same text imported and written would share no chunk. An immutable SQL
-- function: inlined and folded to a constant when a statement using it is planned.
-- Why 6 bits: the 100-version figure of the benchmark (S1 in tarbox_shell/bench/storage.py: a
-- 10,000-line source file, 99 layers each changing one line; bytes of every row needed to read
-- all versions / one copy) measured 1.75x with 3 bits, 1.51x with 4, 1.18x with 5, 1.10x with 6
-- and 1.27x with 7. Below about 2 KB a row is not compressed by PostgreSQL (TOAST starts at
-- TOAST_TUPLE_THRESHOLD, 2032 bytes), so smaller chunks cost their full size and more map rows;
-- larger ones copy more unchanged lines per edit. 8 minimum lines instead of 4 changed nothing
-- measurable and keeps runs of blank lines from making tiny chunks.
CREATE OR REPLACE FUNCTION tarbox._text_params()
RETURNS int[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{6,8,16384}'::int[] $$;
ALTER FUNCTION tarbox._text_params() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_params() FROM PUBLIC;
