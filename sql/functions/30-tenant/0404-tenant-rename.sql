CREATE OR REPLACE FUNCTION tarbox._do_tenant_rename(p_old text, p_new text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM tarbox._require_admin();
    IF p_new IS NULL OR p_new !~ '^[a-z][a-z0-9_-]{0,62}$' THEN
        PERFORM tarbox._raise('EINVAL', format(
            'invalid tenant name %L: use 1-63 characters a-z, 0-9, _ and -, starting with a letter', p_new));
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('tarbox.tenant'));
    IF EXISTS (SELECT 1 FROM tarbox.tenant t WHERE t.name = p_new) THEN
        PERFORM tarbox._raise('EEXIST', format('tenant %s already exists', p_new));
    END IF;
    UPDATE tarbox.tenant t SET name = p_new WHERE t.name = p_old;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_old));
    END IF;
END
$$;
ALTER FUNCTION tarbox._do_tenant_rename(text, text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._do_tenant_rename(text, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_tenant_rename(text, text) IS
'Administrators: rename tenant p_old to p_new (its role, named by id, is unchanged). Errors: ENOENT (TX002), EEXIST (TX017), EINVAL (TX022), 42501 not an administrator.';
