-- tarbox.purge_orphans: audited (op purge, level basic, recorded when it removed anything).
CREATE OR REPLACE FUNCTION tarbox.purge_orphans()
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n bigint := tarbox._do_purge_orphans();
BEGIN
    IF v_n > 0 THEN
        PERFORM tarbox._audit_event('purge', NULL, NULL, jsonb_build_object('inodes', v_n));
    END IF;
    RETURN v_n;
END
$$;
ALTER FUNCTION tarbox.purge_orphans() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.purge_orphans() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.purge_orphans() TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.purge_orphans() IS
'Audit: when it removed inodes, recorded as operation purge (level basic) with their number.';
SELECT tarbox._audit_doc('tarbox.purge_orphans()', 'tarbox._do_purge_orphans()');  -- the operation's reference first
