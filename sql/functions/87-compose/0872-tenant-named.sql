-- tarbox._tenant_named(name): the id of the tenant named p_name; ENOENT when there is none.
CREATE OR REPLACE FUNCTION tarbox._tenant_named(p_name text) RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v bigint;
BEGIN
    SELECT t.tenant_id INTO v FROM tarbox.tenant t WHERE t.name = p_name;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no tenant named %L', p_name));
    END IF;
    RETURN v;
END
$$;
ALTER FUNCTION tarbox._tenant_named(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._tenant_named(text) FROM PUBLIC;
