-- tarbox._audit_doc(function, implementation, audit): give an audited entry point the comment
-- of its implementation (the reference of the operation, kept next to its code) followed by
-- what the audit adds. Run by `tarbox init` (as the installing superuser) for each wrapper.
CREATE OR REPLACE FUNCTION tarbox._audit_doc(p_function text, p_impl text, p_audit text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE format('COMMENT ON FUNCTION %s IS %L', p_function::regprocedure,
                   coalesce(obj_description(p_impl::regprocedure, 'pg_proc') || ' ', '') || p_audit);
END
$$;
ALTER FUNCTION tarbox._audit_doc(text, text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_doc(text, text, text) FROM PUBLIC;
