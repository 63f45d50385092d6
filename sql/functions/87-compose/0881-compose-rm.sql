CREATE OR REPLACE FUNCTION tarbox.compose_rm(p_tenant text, p_mount_path text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tenant bigint;
BEGIN
    PERFORM tarbox._require_admin();
    v_tenant := tarbox._tenant_named(p_tenant);
    DELETE FROM tarbox.composition k WHERE k.tenant_id = v_tenant AND k.mount_path = p_mount_path;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENOENT', format('tenant %s composes nothing at %L', p_tenant, p_mount_path));
    END IF;
    PERFORM tarbox._audit_admin(v_tenant, 'compose_rm', jsonb_build_object('mount_path', p_mount_path));
END
$$;
ALTER FUNCTION tarbox.compose_rm(text, text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.compose_rm(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_rm(text, text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.compose_rm(text, text) IS
'Administrators: remove tenant p_tenant''s composition at p_mount_path (its mount point directory stays, empty; running mounts answer ENOENT below it from the next request on). Errors: ENOENT (TX002) no such tenant or composition, 42501 not an administrator.';
