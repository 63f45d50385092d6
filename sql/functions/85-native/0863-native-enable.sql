CREATE OR REPLACE FUNCTION tarbox.native_enable(p_mount_id bigint, p_enabled boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v tarbox.native_mount;
BEGIN
    PERFORM tarbox._require_admin();
    IF p_enabled IS NULL THEN
        PERFORM tarbox._raise('EINVAL', 'enabled must be true or false');
    END IF;
    UPDATE tarbox.native_mount m SET enabled = p_enabled WHERE m.mount_id = p_mount_id RETURNING m.* INTO v;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('no native mount with mount_id %s', p_mount_id));
    END IF;
    PERFORM tarbox._audit_native_def(v.tenant, CASE WHEN p_enabled THEN 'native_enable' ELSE 'native_disable' END,
                                     v.mount_path, v.source_path, jsonb_build_object('mount_id', v.mount_id));
END
$$;
ALTER FUNCTION tarbox.native_enable(bigint, boolean) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.native_enable(bigint, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.native_enable(bigint, boolean) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.native_enable(bigint, boolean) IS
'Administrators: enable (p_enabled true) or disable (false) native mount definition p_mount_id; a disabled definition matches nothing (mounts started afterwards do not have it). Audit: recorded as native_enable or native_disable in the log of the tenant it serves, or of every tenant when shared. Errors: ENOENT (TX002) no such definition, EINVAL (TX022) p_enabled NULL, 42501 not an administrator.';
