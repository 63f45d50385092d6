-- tarbox._layer_check_name(tenant, name): a new layer or tag name must match
-- [A-Za-z0-9][A-Za-z0-9._-]{0,127}, not be all digits (those are layer ids) nor 'current' or
-- 'head', and not be taken by a layer or tag of the tenant. Errors: EINVAL, EEXIST.
CREATE OR REPLACE FUNCTION tarbox._layer_check_name(p_tenant bigint, p_name text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_name IS NULL OR p_name !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' OR p_name ~ '^[0-9]+$'
       OR p_name IN ('current', 'head') THEN
        PERFORM tarbox._raise('EINVAL', format(
            'invalid layer or tag name %L: 1-128 characters A-Z a-z 0-9 . _ -, starting with a letter or digit, not all digits, not "current" or "head"',
            p_name));
    END IF;
    IF EXISTS (SELECT 1 FROM tarbox.layer l WHERE l.tenant_id = p_tenant AND l.name = p_name)
       OR EXISTS (SELECT 1 FROM tarbox.layer_tag g WHERE g.tenant_id = p_tenant AND g.tag = p_name) THEN
        PERFORM tarbox._raise('EEXIST', format('a layer or tag named %s already exists', p_name));
    END IF;
END
$$;
ALTER FUNCTION tarbox._layer_check_name(bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._layer_check_name(bigint, text) FROM PUBLIC;
