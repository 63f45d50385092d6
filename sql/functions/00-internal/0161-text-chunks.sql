-- tarbox._text_chunks(data): tarbox._text_cut with Tarbox's chunking parameters
-- (tarbox._text_params: about 64 lines, at least 8, at most 16 KiB a chunk). (ends, lines) as
-- tarbox._text_cut; NULL when not text.
CREATE OR REPLACE FUNCTION tarbox._text_chunks(p_data bytea, OUT ends int[], OUT lines int[])
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    SELECT x.ends, x.lines INTO ends, lines
      FROM tarbox._text_cut(p_data, (tarbox._text_params())[1], (tarbox._text_params())[2],
                             (tarbox._text_params())[3]) x;
END
$$;
ALTER FUNCTION tarbox._text_chunks(bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_chunks(bytea) FROM PUBLIC;
