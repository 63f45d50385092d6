CREATE OR REPLACE FUNCTION tarbox.compose_lookup(p_compose int, p_parent bigint, p_name bytea)
RETURNS tarbox.attr
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ino bigint := tarbox._compose_child(p_compose, p_parent, p_name);  -- ro, or the merged view of cow (0869)
BEGIN
    IF v_ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_name)));
    END IF;
    RETURN tarbox._attr(tarbox._compose_node(p_compose, v_ino));
END
$$;
ALTER FUNCTION tarbox.compose_lookup(int, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_lookup(int, bigint, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_lookup(int, bigint, bytea) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_lookup(int, bigint, bytea) IS
'FUSE lookup in composition p_compose: the attributes of entry p_name (bytes) of the publisher''s directory inode p_parent at the published layer (''.'' and ''..'' as in tarbox.fs_lookup; the bridge answers ''..'' of the root from the tree). Errors: ENOENT (TX002), ENOTDIR (TX020), ENAMETOOLONG (TX036), EINVAL (TX022) bad name, EACCES (TX013) not a tenant.';
