-- tarbox._audit_native_def(tenant, op, mount path, source path, details): record a change of a
-- native mount definition (tarbox.native_add, native_rm, native_enable; native_load through
-- native_add) as administration, whatever the level: in the log of the one tenant it serves, or
-- of every tenant when it is shared (p_tenant NULL), since a shared definition puts a host
-- directory into every tenant's tree. path is the mount path, native_source the source path as
-- defined (variables unexpanded), native true, details.shared whether it serves every tenant.
-- One set-based insert; runs as tarbox_maint (the definitions' functions only).
CREATE OR REPLACE FUNCTION tarbox._audit_native_def(p_tenant bigint, p_op text, p_mount_path text, p_source_path text,
                                                    p_details jsonb)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO tarbox.audit_log (tenant_id, at_ns, op, ok, path, role, client_addr, duration_ns, native, native_source,
                                  details)
    SELECT t.tenant_id, (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint, p_op, true, p_mount_path,
           session_user, inet_client_addr(), 0, true, p_source_path, p_details || jsonb_build_object('shared', p_tenant IS NULL)
      FROM tarbox.tenant t
     WHERE p_tenant IS NULL OR t.tenant_id = p_tenant;
END
$$;
ALTER FUNCTION tarbox._audit_native_def(bigint, text, text, text, jsonb) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_native_def(bigint, text, text, text, jsonb) FROM PUBLIC;
