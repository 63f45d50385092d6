CREATE OR REPLACE FUNCTION tarbox.native_rm(p_mount_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v tarbox.native_mount;
BEGIN
    PERFORM tarbox._require_admin();
    DELETE FROM tarbox.native_mount m WHERE m.mount_id = p_mount_id RETURNING m.* INTO v;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no native mount with mount_id %s', p_mount_id));
    END IF;
    PERFORM tarbox._audit_native_def(v.tenant, 'native_rm', v.mount_path, v.source_path,
                                     jsonb_build_object('mount_id', v.mount_id));
END
$$;
ALTER FUNCTION tarbox.native_rm(bigint) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.native_rm(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.native_rm(bigint) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.native_rm(bigint) IS
'Administrators: delete native mount definition p_mount_id (running mounts keep what they loaded at start; the next mount no longer has it). Audit: recorded as native_rm in the log of the tenant it served, or of every tenant when shared. Errors: ENOENT (TX002) no such definition, 42501 not an administrator.';
