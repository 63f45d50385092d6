CREATE OR REPLACE FUNCTION tarbox.compose_lookup(p_compose int, p_parent bigint, p_name bytea)
RETURNS tarbox.attr
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v_dir tarbox.inode := tarbox._inode_at(c.tenant_id, p_parent, c.layer);
    v_ino bigint;
BEGIN
    IF tarbox._compose_is_cow(p_compose) THEN  -- the merged view (88-compose-cow)
        IF ((tarbox._cow_inode(p_compose, p_parent)).mode & 61440) <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_parent));
        END IF;
        IF p_name = '\x2e'::bytea THEN
            v_ino := p_parent;
        ELSIF p_name = '\x2e2e'::bytea THEN
            v_ino := tarbox._cow_parent(p_compose, p_parent);
        ELSE
            PERFORM tarbox._check_name(p_name);
            v_ino := (tarbox._cow_child(p_compose, p_parent, p_name)).shown;
        END IF;
        IF v_ino IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_name)));
        END IF;
        RETURN tarbox._attr(tarbox._cow_inode(p_compose, v_ino));
    END IF;
    IF v_dir.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('directory inode %s does not exist in composition %s', p_parent, p_compose));
    ELSIF (v_dir.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_parent));
    END IF;
    PERFORM tarbox._check_name(p_name);
    v_ino := CASE p_name WHEN '\x2e'::bytea THEN p_parent
                         WHEN '\x2e2e'::bytea THEN tarbox._parent_of(c.tenant_id, p_parent, c.layer)
                         ELSE tarbox._dentry_at(c.tenant_id, p_parent, p_name, c.layer) END;
    IF v_ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_name)));
    END IF;
    RETURN tarbox._attr(tarbox._inode_at(c.tenant_id, v_ino, c.layer));
END
$$;
ALTER FUNCTION tarbox.compose_lookup(int, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_lookup(int, bigint, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_lookup(int, bigint, bytea) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_lookup(int, bigint, bytea) IS
'FUSE lookup in composition p_compose: the attributes of entry p_name (bytes) of the publisher''s directory inode p_parent at the published layer (''.'' and ''..'' as in tarbox.fs_lookup; the bridge answers ''..'' of the root from the tree). Errors: ENOENT (TX002), ENOTDIR (TX020), ENAMETOOLONG (TX036), EINVAL (TX022) bad name, EACCES (TX013) not a tenant.';
