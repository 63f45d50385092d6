-- tarbox._publication_find(name): the publication named p_name (administrators' functions,
-- which run as tarbox_maint); ENOENT when there is none.
CREATE OR REPLACE FUNCTION tarbox._publication_find(p_name text) RETURNS tarbox.publication
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v tarbox.publication;
BEGIN
    SELECT * INTO v FROM tarbox.publication p WHERE p.name = p_name;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no publication named %L', p_name));
    END IF;
    RETURN v;
END
$$;
ALTER FUNCTION tarbox._publication_find(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._publication_find(text) FROM PUBLIC;
