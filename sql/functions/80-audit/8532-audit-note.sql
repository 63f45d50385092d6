-- tarbox.audit_note(op, path, details): a Tarbox shell records an operation made of many calls
-- (an import or an export: its files are recorded one by one by the calls themselves) as one
-- summary record, or the start and the end of a program it runs on the tenant (wasi_run:
-- `tarbox wasi run`; the records of the run's calls carry the same details.run, see
-- tarbox._audit_put). Only shell sessions may (a tenant's own login cannot write records).
CREATE OR REPLACE FUNCTION tarbox.audit_note(p_op text, p_path text, p_details jsonb DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_begin(p_op, 1, NULL, NULL, NULL, NULL);
BEGIN
    PERFORM tarbox._ctx(NULL, false);
    IF p_op IS NULL OR p_op NOT IN ('import', 'export', 'wasi_run') THEN
        PERFORM tarbox._raise('EINVAL', format('operation %L cannot be noted (import, export or wasi_run)', p_op));
    ELSIF p_details IS NOT NULL AND (jsonb_typeof(p_details) <> 'object' OR octet_length(p_details::text) > 65536) THEN
        PERFORM tarbox._raise('EINVAL', 'details must be a JSON object of at most 64 KiB');
    ELSIF NOT coalesce(au.shell, session_user::text <> tarbox._caller()) THEN
        PERFORM tarbox._raise('EPERM', 'only a Tarbox shell (a session logged in as another role than the tenant) notes operations');
    END IF;
    au := tarbox._audit_named(au, p_path);
    IF au.op IS NULL THEN
        RETURN false;
    END IF;
    au.details := jsonb_build_object('reported', coalesce(p_details, '{}'::jsonb));
    PERFORM tarbox._audit_ok(au, CASE WHEN jsonb_typeof(p_details -> 'bytes') = 'number'
                                      THEN greatest((p_details ->> 'bytes')::numeric, 0)::bigint END);
    RETURN true;
END
$$;
ALTER FUNCTION tarbox.audit_note(text, text, jsonb) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.audit_note(text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.audit_note(text, text, jsonb) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.audit_note(text, text, jsonb) IS
'Tarbox shells: record one summary of an import or an export (p_op ''import'', ''export'') of path p_path, or the start or the end of a WebAssembly program run on the tenant (p_op ''wasi_run'', p_path the tenant directory it runs in or NULL; `tarbox wasi run` notes details.reported.event ''start'' with the module, its SHA-256, argv and preopens, and ''end'' with the exit status and the calls made; with the setting tarbox.audit_run the records of the run''s calls carry the same details.run), with the shell''s figures in details.reported (p_details: a JSON object of at most 64 KiB; a number in "bytes" becomes the record''s bytes), at level basic. The files themselves are recorded by the calls that move them. Returns whether a record was written. Errors: EINVAL (TX022) other operations or bad details, EPERM (TX001) from a tenant''s own login session, EACCES (TX013) caller is not a tenant.';
