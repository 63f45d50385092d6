-- tarbox._audit_errno(sqlstate): the errno a failed call's SQLSTATE stands for, for the audit
-- record: TXnnn -> nnn (tarbox.errno), 22021 (invalid UTF-8) -> EILSEQ, anything else -> EIO.
-- The shells map SQLSTATEs the same way (tarbox_shell/errors.py: errno_of); tests/audit checks
-- that both agree.
CREATE OR REPLACE FUNCTION tarbox._audit_errno(p_state text) RETURNS smallint
LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN p_state ~ '^TX[0-9]{3}$' AND substr(p_state, 3)::int > 0 THEN substr(p_state, 3)::smallint
                WHEN p_state = '22021' THEN 84::smallint
                ELSE 5::smallint END
$$;
ALTER FUNCTION tarbox._audit_errno(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_errno(text) FROM PUBLIC;
