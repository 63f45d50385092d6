CREATE OR REPLACE FUNCTION tarbox._do_rmdir(p_path bytea)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r record := tarbox._walk_core(c, p_path, false);
    v_ino bigint;
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.ino = 1 OR r.name IS NULL THEN
        PERFORM tarbox._raise('EBUSY', format('refusing to remove %s', tarbox._name_text(p_path)));  -- (a composition's mount point too)
    ELSIF r.compose IS NOT NULL THEN  -- as the mount's rmdir (EROFS read-only)
        PERFORM tarbox.compose_rmdir(r.compose, r.parent, r.name);
        RETURN;
    END IF;
    v_ino := tarbox._remove_entry(c, r.parent, r.name, true);
    PERFORM tarbox._purge(c.tenant_id, c.head, v_ino);
END
$$;
CREATE OR REPLACE FUNCTION tarbox.rmdir(p_path text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox.rmdir(convert_to(p_path, 'UTF8'));
END
$$;
ALTER FUNCTION tarbox._do_rmdir(bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_rmdir(bytea) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_rmdir(bytea) IS
'tarbox.rmdir(text) for a path given as bytes (any byte but NUL). Errors: as tarbox.rmdir(text).';
ALTER FUNCTION tarbox.rmdir(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.rmdir(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.rmdir(text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.rmdir(text) IS
'rmdir(2) by absolute path: remove an empty directory. Errors: ENOENT (TX002), ENOTDIR (TX020), ENOTEMPTY (TX039), EBUSY (TX016) the root, EROFS (TX030). In a composition, as the mount''s rmdir: copy-on-write through tarbox.compose_rmdir, EROFS (TX030) in a read-only one; its mount point is EBUSY (TX016).';
