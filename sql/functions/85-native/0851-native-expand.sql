-- tarbox._native_expand(source, tenant_id, tenant, mount_id, user): a source path template with
-- its variables replaced: {tenant_id} and {tenant} by the tenant's id and name, {mount_id} by
-- the definition's id, {user} by p_user. A variable whose value is NULL (no user given, a
-- definition from a configuration file has no id) is left as written, so the result shows what
-- is missing. Tenant names and ids cannot hold '/' (tarbox.tenant's CHECK); p_user is checked.
-- Errors: EINVAL (TX022) when p_user is not a plain user name.
CREATE OR REPLACE FUNCTION tarbox._native_expand(p_source text, p_tenant_id bigint, p_tenant text,
                                                 p_mount_id bigint, p_user text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v text := p_source;
BEGIN
    IF p_user IS NOT NULL AND (p_user !~ '^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$' OR p_user ~ '^\.\.?$') THEN
        PERFORM tarbox._raise('EINVAL', format('user %L is not a plain user name (letters, digits, . _ -; at most 64)', p_user));
    END IF;
    IF p_tenant_id IS NOT NULL THEN
        v := replace(v, '{tenant_id}', p_tenant_id::text);
    END IF;
    IF p_tenant IS NOT NULL THEN
        v := replace(v, '{tenant}', p_tenant);
    END IF;
    IF p_mount_id IS NOT NULL THEN
        v := replace(v, '{mount_id}', p_mount_id::text);
    END IF;
    IF p_user IS NOT NULL THEN
        v := replace(v, '{user}', p_user);
    END IF;
    RETURN v;
END
$$;
ALTER FUNCTION tarbox._native_expand(text, bigint, text, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._native_expand(text, bigint, text, bigint, text) FROM PUBLIC;
