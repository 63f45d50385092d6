CREATE OR REPLACE FUNCTION tarbox._do_rm(p_path text, p_recursive boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r tarbox._resolved := tarbox._walk(c, p_path, false);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    ELSIF r.ino = 1 OR r.name IS NULL THEN
        PERFORM tarbox._raise('EBUSY', format('refusing to remove %s', p_path));
    END IF;
    RETURN tarbox._rm_tree(c, r.parent, r.name, coalesce(p_recursive, false));
END
$$;
ALTER FUNCTION tarbox._do_rm(text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_rm(text, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_rm(text, boolean) IS
'Remove the entry at an absolute path (a symbolic link itself, not its target), like rm(1); a directory needs p_recursive (rm -r) and then goes with everything below it. Inodes left without links are removed at once, unless a mount of the tenant is running (one may hold them open; tarbox.purge_orphans removes them once no mount runs). Returns the number of entries removed. Errors: ENOENT (TX002), EISDIR (TX021) directory without p_recursive, EBUSY (TX016) the root, ENOTDIR (TX020), EROFS (TX030).';
