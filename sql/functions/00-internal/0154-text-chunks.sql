-- tarbox._text_chunks(data): tarbox._text_cut with Tarbox's chunking parameters: a chunk ends
-- where the 3-line window hash has its low 4 bits zero (about 16 lines, the best of 3..6 bits
-- for the 100-version figure measured in tarbox_shell/bench/storage.py), after at least 4
-- lines, and is at most 16 KiB. (ends, lines) as tarbox._text_cut; NULL when not text.
CREATE OR REPLACE FUNCTION tarbox._text_chunks(p_data bytea, OUT ends int[], OUT lines int[])
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    SELECT x.ends, x.lines INTO ends, lines FROM tarbox._text_cut(p_data, 4, 4, 16384) x;
END
$$;
ALTER FUNCTION tarbox._text_chunks(bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_chunks(bytea) FROM PUBLIC;
