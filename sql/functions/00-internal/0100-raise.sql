-- tarbox._raise(errno, message): raise the SQLSTATE of a POSIX errno (tarbox.errno), so every
-- function signals errors the same way and the shell maps them back in one place.
-- Returns nothing; never returns normally. Used in expressions as well as PERFORM.
CREATE OR REPLACE FUNCTION tarbox._raise(p_errno text, p_message text) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_state text;
BEGIN
    SELECT e.sqlstate INTO v_state FROM tarbox.errno e WHERE e.name = p_errno;
    IF v_state IS NULL THEN
        RAISE EXCEPTION 'tarbox._raise: unknown errno name %', p_errno USING ERRCODE = 'XX000';
    END IF;
    RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = p_message,
        HINT = format('%s (errno %s)', p_errno, substr(v_state, 3)::int);
END
$$;
ALTER FUNCTION tarbox._raise(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._raise(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._raise(text, text) TO tarbox_maint;
