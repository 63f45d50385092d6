CREATE OR REPLACE FUNCTION tarbox.compose_add(p_tenant text, p_mount_path text, p_source text, p_mode text DEFAULT 'ro')
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tenant bigint;
    v tarbox.publication;
    v_id int;
    v_other text;
BEGIN
    PERFORM tarbox._require_admin();
    v_tenant := tarbox._tenant_named(p_tenant);
    IF p_mount_path IS NULL OR p_mount_path !~ '^(/[^/]+)+$' OR p_mount_path ~ '(^|/)\.\.?(/|$)'
       OR p_mount_path ~ '^/\.tarbox(/|$)' OR octet_length(p_mount_path) > 4096 THEN
        PERFORM tarbox._raise('EINVAL', format(
            'mount path %L: an absolute normalised path (no //, . or .., no trailing slash), not / nor under /.tarbox', p_mount_path));
    END IF;
    IF p_source IS NULL OR left(p_source, 10) <> 'published:' THEN
        PERFORM tarbox._raise('EINVAL', format('source %L: write published:NAME', p_source));
    END IF;
    IF p_mode IS NULL OR p_mode NOT IN ('ro', 'cow') THEN
        PERFORM tarbox._raise('EINVAL', format('mode %L: ro or cow', p_mode));
    END IF;
    v := tarbox._publication_find(substr(p_source, 11));
    IF v.tenant_id = v_tenant THEN
        PERFORM tarbox._raise('EINVAL', format(
            'publication %L is tenant %s''s own layer: switch to it or mount it with --layer instead', v.name, p_tenant));
    END IF;
    IF NOT v.public AND NOT EXISTS (SELECT 1 FROM tarbox.publication_grant g
                                     WHERE g.tenant_id = v_tenant AND g.publisher_id = v.tenant_id AND g.name = v.name) THEN
        PERFORM tarbox._raise('EACCES', format(
            'publication %L is not public and not granted to tenant %s (tarbox publish grant)', v.name, p_tenant));
    END IF;
    -- One mount per path: a composition neither inside nor above another, nor a native mount.
    SELECT k.mount_path INTO v_other FROM tarbox.composition k
     WHERE k.tenant_id = v_tenant
       AND (k.mount_path = p_mount_path OR left(k.mount_path, length(p_mount_path) + 1) = p_mount_path || '/'
            OR left(p_mount_path, length(k.mount_path) + 1) = k.mount_path || '/')
     LIMIT 1;
    IF FOUND THEN
        PERFORM tarbox._raise('EBUSY', format('tenant %s composes a publication at %s already: compositions cannot overlap',
                                              p_tenant, v_other));
    END IF;
    SELECT m.mount_path INTO v_other FROM tarbox.native_mount m
     WHERE (m.tenant IS NULL OR m.tenant = v_tenant)
       AND (m.mount_path = p_mount_path OR left(m.mount_path, length(p_mount_path) + 1) = p_mount_path || '/'
            OR left(p_mount_path, length(m.mount_path) + 1) = m.mount_path || '/')
     LIMIT 1;
    IF FOUND THEN
        PERFORM tarbox._raise('EBUSY', format('a native mount at %s serves tenant %s: a composition cannot overlap it',
                                              v_other, p_tenant));
    END IF;
    -- The id after the highest in use, so that a number a removed composition showed is not
    -- soon shown by another one (the lowest free id once 65535 is taken); the id is the
    -- composition's slot of inode numbers for its life (tarbox._compose_ino). The tenant row is
    -- locked against a concurrent add.
    PERFORM 1 FROM tarbox.tenant t WHERE t.tenant_id = v_tenant FOR UPDATE;
    SELECT coalesce(max(k.compose_id), 0) + 1 INTO v_id FROM tarbox.composition k WHERE k.tenant_id = v_tenant;
    IF v_id > 65535 THEN
        SELECT min(s) INTO v_id FROM generate_series(1, 65535) s
         WHERE NOT EXISTS (SELECT 1 FROM tarbox.composition k WHERE k.tenant_id = v_tenant AND k.compose_id = s);
    END IF;
    IF v_id IS NULL THEN
        PERFORM tarbox._raise('ENOSPC', format('tenant %s has 65535 compositions', p_tenant));
    END IF;
    INSERT INTO tarbox.composition (tenant_id, compose_id, mount_path, publisher_id, publication, mode)
    VALUES (v_tenant, v_id, p_mount_path, v.tenant_id, v.name, p_mode);
    PERFORM tarbox._audit_admin(v_tenant, 'compose_add', jsonb_build_object('compose_id', v_id, 'mount_path', p_mount_path,
                                                                         'source', p_source, 'mode', p_mode));
    RETURN v_id;
END
$$;
ALTER FUNCTION tarbox.compose_add(text, text, text, text) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox.compose_add(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_add(text, text, text, text) TO tarbox_admin;
COMMENT ON FUNCTION tarbox.compose_add(text, text, text, text) IS
'Administrators: show publication p_source (''published:NAME'') at p_mount_path (absolute, normalised, not / nor under /.tarbox) of tenant p_tenant''s tree, read-only (p_mode ''ro'') or copy-on-write (''cow'': changes are copied up into the tenant''s own rows below p_mount_path, see tarbox.compose_create). The publication must be public or granted to the tenant. Returns the composition id (1..65535: one above the tenant''s highest, the lowest free one once 65535 is taken); the composition shows inode numbers 2^56 | (id - 1) << 40 | n for its life, so adding or removing another composition renumbers nothing. The mount point directory is made by the tenant''s next mount (tarbox.compose_prepare). Errors: EINVAL (TX022) bad path, source or mode, or the tenant''s own publication, ENOENT (TX002) no such tenant or publication, EACCES (TX013) not granted, EBUSY (TX016) overlaps another composition or a native mount, 42501 not an administrator.';
