CREATE OR REPLACE FUNCTION tarbox.compose_readlink(p_compose int, p_ino bigint)
RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v tarbox.inode := tarbox._compose_node(p_compose, p_ino);  -- ro, or the merged view of cow (0869)
BEGIN
    IF v.target IS NULL THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s is not a symbolic link', p_ino));
    END IF;
    RETURN v.target;
END
$$;
ALTER FUNCTION tarbox.compose_readlink(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_readlink(int, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_readlink(int, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_readlink(int, bigint) IS
'FUSE readlink in composition p_compose: the target bytes of symbolic link p_ino. Errors: ENOENT (TX002), EINVAL (TX022) not a symbolic link, EACCES (TX013).';
