-- tarbox._audit_doc(function, implementation): put the comment of an audited entry point's
-- implementation (the reference of the operation, kept next to its code) before the entry
-- point's own comment (what the audit adds, set just before by its file). Run by `tarbox
-- init` (as the installing superuser) for each entry point.
CREATE OR REPLACE FUNCTION tarbox._audit_doc(p_function text, p_impl text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE format('COMMENT ON FUNCTION %s IS %L', p_function::regprocedure,
                   concat_ws(' ', obj_description(p_impl::regprocedure, 'pg_proc'),
                             obj_description(p_function::regprocedure, 'pg_proc')));
END
$$;
ALTER FUNCTION tarbox._audit_doc(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_doc(text, text) FROM PUBLIC;
