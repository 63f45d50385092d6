-- tarbox._audit_run_label(shell): the run label of the records written now, as details to merge
-- ({"run": id}), or NULL. A Tarbox shell running one program (``tarbox wasi run``) sets
-- tarbox.audit_run to a run id (1-64 letters, digits, . _ : -, starting with a letter or
-- digit); it is kept only from a shell session (p_shell, as the caller's uid/gid/pid: a label the
-- shell reports, never an identity), and anything else is ignored. The one rule of
-- tarbox._audit_put and tarbox._audit_put_many. A SQL function, inlined where it is called.
CREATE OR REPLACE FUNCTION tarbox._audit_run_label(p_shell boolean) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN p_shell AND current_setting('tarbox.audit_run', true) ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'
                THEN jsonb_build_object('run', current_setting('tarbox.audit_run', true)) END
$$;
ALTER FUNCTION tarbox._audit_run_label(boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_run_label(boolean) FROM PUBLIC;
