CREATE OR REPLACE FUNCTION tarbox.remote_canonicalize(p_path bytea, p_layer text DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r record := tarbox._walk_core(c, p_path, true);
    v_dir bytea;
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.compose IS NOT NULL THEN
        -- in a composition: its mount point and the path inside (tarbox._compose_path)
        IF r.ino = 1 OR r.name IS NULL OR (tarbox._compose_node(r.compose, r.ino)).mode & 61440 = 16384 THEN
            RETURN tarbox._compose_path_bytes(r.compose, r.ino);
        END IF;
        RETURN tarbox._compose_path_bytes(r.compose, r.parent) || '\x2f'::bytea || r.name;
    ELSIF r.ino = 1 THEN
        RETURN '\x2f'::bytea;
    ELSIF r.name IS NULL OR (tarbox._inode_at(c.tenant_id, r.ino, c.layer)).mode & 61440 = 16384 THEN
        RETURN tarbox._path_bytes(c.tenant_id, r.ino, c.layer);  -- a directory has one parent
    END IF;
    v_dir := tarbox._path_bytes(c.tenant_id, r.parent, c.layer);
    RETURN CASE WHEN v_dir = '\x2f'::bytea THEN v_dir ELSE v_dir || '\x2f'::bytea END || r.name;
END
$$;
ALTER FUNCTION tarbox.remote_canonicalize(bytea, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_canonicalize(bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_canonicalize(bytea, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_canonicalize(bytea, text) IS
'Remote API. realpath(3) of absolute path p_path (bytes) as of layer p_layer (NULL = current): the absolute path (bytes) with every symbolic link, ''.'' and ''..'' resolved and no repeated or trailing ''/''; in a composition, the path as the mount shows it (the mount point and the path inside, names as bytes like everywhere else). Errors: ENOENT (TX002) missing, ENOTDIR (TX020), ELOOP (TX040), ENAMETOOLONG (TX036), EINVAL (TX022).';
