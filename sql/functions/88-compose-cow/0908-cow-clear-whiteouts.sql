-- tarbox._cow_clear_whiteouts(dir): remove the whiteouts left in the consumer's directory p_dir
-- (called when the merged view of it is empty, so whiteouts are all it holds).
CREATE OR REPLACE FUNCTION tarbox._cow_clear_whiteouts(p_dir bigint) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    u tarbox._context := tarbox._ctx(NULL, true);
    w record;
BEGIN
    FOR w IN SELECT d.name FROM tarbox.dentry d
              WHERE d.tenant_id = u.tenant_id AND d.parent_ino = p_dir
                AND d.born <= u.layer AND d.died > u.layer LOOP
        PERFORM tarbox._do_fs_unlink(p_dir, w.name);
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._cow_clear_whiteouts(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_clear_whiteouts(bigint) FROM PUBLIC;
