CREATE OR REPLACE FUNCTION tarbox.native_rm(p_mount_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._require_admin();
    DELETE FROM tarbox.native_mount m WHERE m.mount_id = p_mount_id;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no native mount with mount_id %s', p_mount_id));
    END IF;
END
$$;
ALTER FUNCTION tarbox.native_rm(bigint) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.native_rm(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.native_rm(bigint) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.native_rm(bigint) IS
'Administrators: delete native mount definition p_mount_id (running mounts keep what they loaded at start; the next mount no longer has it). Errors: ENOENT (TX002) no such definition, 42501 not an administrator.';
