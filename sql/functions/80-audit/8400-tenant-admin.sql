-- tarbox.tenant_create / tenant_delete / tenant_rename: audited entry points of the tenant
-- administration (tarbox._do_tenant_*). Administration is recorded in the subject tenant's log
-- whatever its level (tarbox._audit_admin); a deleted tenant's records stay until retention
-- removes them (its last record says who deleted it), its audit settings go with it.
CREATE OR REPLACE FUNCTION tarbox.tenant_create(p_name text, p_password text DEFAULT NULL,
                                                p_uid bigint DEFAULT 0, p_gid bigint DEFAULT 0)
RETURNS TABLE (tenant_id bigint, name text, role_name text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    FOR tenant_id, name, role_name IN SELECT * FROM tarbox._do_tenant_create(p_name, p_password, p_uid, p_gid) LOOP
        RETURN NEXT;
    END LOOP;
    PERFORM tarbox._audit_admin(tenant_id, 'tenant_create',
                                jsonb_build_object('name', name, 'login', p_password IS NOT NULL,
                                                   'uid', p_uid, 'gid', p_gid));
END
$$;

CREATE OR REPLACE FUNCTION tarbox.tenant_delete(p_name text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM tarbox._require_admin();
    SELECT t.tenant_id INTO v_id FROM tarbox.tenant t WHERE t.name = p_name;
    PERFORM tarbox._do_tenant_delete(p_name);
    DELETE FROM tarbox.audit_path_level l WHERE l.tenant_id = v_id;
    DELETE FROM tarbox.audit_policy p WHERE p.tenant_id = v_id;
    PERFORM tarbox._audit_admin(v_id, 'tenant_delete', jsonb_build_object('name', p_name));
END
$$;

CREATE OR REPLACE FUNCTION tarbox.tenant_rename(p_old text, p_new text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM tarbox._require_admin();
    SELECT t.tenant_id INTO v_id FROM tarbox.tenant t WHERE t.name = p_old;
    PERFORM tarbox._do_tenant_rename(p_old, p_new);
    PERFORM tarbox._audit_admin(v_id, 'tenant_rename', jsonb_build_object('from', p_old, 'to', p_new));
END
$$;
ALTER FUNCTION tarbox.tenant_create(text, text, bigint, bigint) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_create(text, text, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_create(text, text, bigint, bigint) TO tarbox_admin;
ALTER FUNCTION tarbox.tenant_delete(text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_delete(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_delete(text) TO tarbox_admin;
ALTER FUNCTION tarbox.tenant_rename(text, text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.tenant_rename(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.tenant_rename(text, text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.tenant_create(text, text, bigint, bigint) IS
'Audit: recorded as operation tenant_create in the new tenant''s log (the password is not).';
SELECT tarbox._audit_doc('tarbox.tenant_create(text, text, bigint, bigint)', 'tarbox._do_tenant_create(text, text, bigint, bigint)');  -- the operation's reference first
COMMENT ON FUNCTION tarbox.tenant_delete(text) IS
'Audit: recorded as operation tenant_delete in the tenant''s log, which is kept until its retention (the installation default) expires; the tenant''s audit level and retention settings are deleted with it.';
SELECT tarbox._audit_doc('tarbox.tenant_delete(text)', 'tarbox._do_tenant_delete(text)');  -- the operation's reference first
COMMENT ON FUNCTION tarbox.tenant_rename(text, text) IS
'Audit: recorded as operation tenant_rename in the tenant''s log.';
SELECT tarbox._audit_doc('tarbox.tenant_rename(text, text)', 'tarbox._do_tenant_rename(text, text)');  -- the operation's reference first
