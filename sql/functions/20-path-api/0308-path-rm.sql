CREATE OR REPLACE FUNCTION tarbox._do_rm(p_path bytea, p_recursive boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r record := tarbox._walk_core(c, p_path, false);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.ino = 1 OR r.name IS NULL THEN
        PERFORM tarbox._raise('EBUSY', format('refusing to remove %s', tarbox._name_text(p_path)));  -- (a composition's mount point too)
    ELSIF r.compose IS NOT NULL THEN  -- as the mount removes (whiteouts; EROFS read-only)
        RETURN tarbox._compose_rm_tree(r.compose, r.parent, r.name, coalesce(p_recursive, false), tarbox._name_text(p_path));
    END IF;
    RETURN tarbox._rm_tree(c, r.parent, r.name, coalesce(p_recursive, false));
END
$$;
CREATE OR REPLACE FUNCTION tarbox.rm(p_path text, p_recursive boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.rm(convert_to(p_path, 'UTF8'), p_recursive);
END
$$;
ALTER FUNCTION tarbox._do_rm(bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_rm(bytea, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_rm(bytea, boolean) IS
'tarbox.rm(text, boolean) for a path given as bytes (any byte but NUL). Errors: as tarbox.rm(text, boolean).';
ALTER FUNCTION tarbox.rm(text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.rm(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.rm(text, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.rm(text, boolean) IS
'Remove the entry at an absolute path (a symbolic link itself, not its target), like rm(1); a directory needs p_recursive (rm -r) and then goes with everything below it. Inodes left without links are removed at once, unless a mount of the tenant is running (one may hold them open; tarbox.purge_orphans removes them once no mount runs). Returns the number of entries removed. Errors: ENOENT (TX002), EISDIR (TX021) directory without p_recursive, EBUSY (TX016) the root, ENOTDIR (TX020), EROFS (TX030). In a composition, as the mount removes: copy-on-write through tarbox.compose_unlink and compose_rmdir (children first; a whiteout hides each entry of the publication), EROFS (TX030) in a read-only one; its mount point is EBUSY (TX016).';
