-- tarbox._audit_level_num(name) / tarbox._audit_level_name(level): the audit levels by name.
--   0 none      nothing is recorded
--   1 basic     namespace changes (create, mkdir, link, unlink, rename, ...), layer operations
--   2 standard  basic + data writes and attribute changes (write, setattr, xattrs, truncation)
--   3 full      standard + reads (one record per open file, at release), lookups, listings
-- Errors: EINVAL (TX022) for an unknown name.
CREATE OR REPLACE FUNCTION tarbox._audit_level_num(p_name text) RETURNS smallint
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    v smallint := CASE lower(p_name) WHEN 'none' THEN 0 WHEN 'basic' THEN 1 WHEN 'standard' THEN 2
                                     WHEN 'full' THEN 3 END;
BEGIN
    IF v IS NULL THEN
        PERFORM tarbox._raise('EINVAL', format('unknown audit level %L (none, basic, standard or full)', p_name));
    END IF;
    RETURN v;
END
$$;
ALTER FUNCTION tarbox._audit_level_num(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_level_num(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION tarbox._audit_level_name(p_level smallint) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT (ARRAY['none', 'basic', 'standard', 'full'])[p_level + 1] $$;
ALTER FUNCTION tarbox._audit_level_name(smallint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_level_name(smallint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._audit_level_name(smallint) TO tarbox_maint;
