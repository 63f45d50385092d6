CREATE OR REPLACE FUNCTION tarbox.tenant_token_create(p_tenant text, p_name text DEFAULT NULL,
                                                      p_read_only boolean DEFAULT false,
                                                      p_expires interval DEFAULT NULL)
RETURNS TABLE (token_id bigint, name text, token text, read_only boolean, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_tenant bigint;
    v_name text;
    v_token text;
    v_id bigint;
    v_expires timestamptz;
BEGIN
    PERFORM tarbox._require_admin();
    SELECT t.tenant_id INTO v_tenant FROM tarbox.tenant t WHERE t.name = p_tenant;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_tenant));
    END IF;
    IF p_expires IS NOT NULL AND p_expires <= interval '0' THEN
        PERFORM tarbox._raise('EINVAL', format('expiry %s is not in the future', p_expires));
    END IF;
    v_expires := now() + p_expires;
    -- 2 x 122 random bits from the server's strong random source (gen_random_uuid), hex; the
    -- tenant id in front lets the gateway find the hash by (tenant_id, hash).
    v_token := 'tbx_' || v_tenant || '_'
               || encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'hex');
    v_name := coalesce(p_name, 'token-' || to_char(clock_timestamp(), 'YYYYMMDD"t"HH24MISSUS'));
    IF v_name !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' THEN
        PERFORM tarbox._raise('EINVAL', format(
            'invalid token name %L: use 1-64 characters A-Z a-z 0-9 . _ -, starting with a letter or digit', v_name));
    END IF;
    IF EXISTS (SELECT 1 FROM tarbox.token k WHERE k.tenant_id = v_tenant AND k.name = v_name) THEN
        PERFORM tarbox._raise('EEXIST', format('tenant %s already has a token named %s', p_tenant, v_name));
    END IF;
    INSERT INTO tarbox.token (tenant_id, name, hash, read_only, expires_at)
    VALUES (v_tenant, v_name, sha256(convert_to(v_token, 'UTF8')), coalesce(p_read_only, false), v_expires)
    RETURNING tarbox.token.token_id INTO v_id;
    PERFORM tarbox._audit_admin(v_tenant, 'token_create', jsonb_build_object('token_id', v_id, 'name', v_name,
                                'read_only', coalesce(p_read_only, false), 'expires_at', v_expires));
    RETURN QUERY SELECT v_id, v_name, v_token, coalesce(p_read_only, false), v_expires;
END
$$;
ALTER FUNCTION tarbox.tenant_token_create(text, text, boolean, interval) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_token_create(text, text, boolean, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_token_create(text, text, boolean, interval) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.tenant_token_create(text, text, boolean, interval) IS
'Administrators: a new bearer token for the HTTP API of tenant p_tenant, named p_name (1-64 of A-Z a-z 0-9 . _ -; default token-<timestamp>), read-only (every change refused with EROFS) when p_read_only, expiring after p_expires (NULL = never). Returns (token_id, name, token, read_only, expires_at): the token text (tbx_<tenant id>_<64 hex digits>) is shown only here; only its SHA-256 is stored. Errors: ENOENT (TX002) no such tenant, EEXIST (TX017) name taken, EINVAL (TX022) bad name or expiry, 42501 not an administrator.';
