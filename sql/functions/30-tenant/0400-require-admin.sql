-- tarbox._require_admin(): raise insufficient_privilege (42501) unless the caller is an
-- administrator (superuser or member of tarbox_admin, not acting as a tenant).
CREATE OR REPLACE FUNCTION tarbox._require_admin() RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT tarbox._is_admin() THEN
        RAISE EXCEPTION 'permission denied: % is not a Tarbox administrator (superuser or member of tarbox_admin)',
            tarbox._caller() USING ERRCODE = '42501';
    END IF;
END
$$;
ALTER FUNCTION tarbox._require_admin() OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._require_admin() FROM PUBLIC;
