-- tarbox._text_positions(after, before, n): n increasing chunk positions strictly between
-- `after` (0 = before the first chunk) and `before` (NULL = after the last). Positions are
-- numeric so that one can always be found between two others: new chunks get positions
-- between their neighbours' and no other row's position changes. After the last chunk the next
-- integers are used; between two chunks, the interval is divided evenly with as many decimal
-- digits as the count needs (repeated insertions at one place add about one digit each).
CREATE OR REPLACE FUNCTION tarbox._text_positions(p_after numeric, p_before numeric, p_n int)
RETURNS numeric[]
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    v_scale int;
    v_step numeric;
BEGIN
    IF p_n <= 0 THEN
        RETURN '{}'::numeric[];
    END IF;
    IF p_before IS NULL THEN
        RETURN ARRAY(SELECT floor(p_after) + g FROM generate_series(1, p_n) g);
    END IF;
    v_scale := greatest(scale(p_after), scale(p_before)) + ceil(log(p_n + 2))::int + 1;
    v_step := (p_before - p_after) / (p_n + 1);
    RETURN ARRAY(SELECT trim_scale(p_after + trunc(v_step * g, v_scale)) FROM generate_series(1, p_n) g);
END
$$;
ALTER FUNCTION tarbox._text_positions(numeric, numeric, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_positions(numeric, numeric, int) FROM PUBLIC;
