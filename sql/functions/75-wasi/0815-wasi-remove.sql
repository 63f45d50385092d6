-- tarbox._wasi_remove(ctx, resolved, path, dir): remove the entry a WASI walk resolved (r: its
-- parent, name and inode, numbers as tarbox._wasi_walk returns them), a directory when p_dir
-- (path_remove_directory) or a non-directory (path_unlink_file); the callers checked the
-- name's kind of path first. In a composition the caller's copy changes and a whiteout hides a
-- publisher's entry (tarbox._cow_remove, not recorded there: the WASI call records itself);
-- a composition's mount point cannot be removed.
-- Errors: EBUSY (TX016) the mount point of a composition, EROFS (TX030) a read-only
-- composition, ENOTEMPTY (TX039), EISDIR (TX021), ENOTDIR (TX020), ENOENT (TX002).
CREATE OR REPLACE FUNCTION tarbox._wasi_remove(c tarbox._context, r tarbox._resolved, p_path text, p_dir boolean)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    k record;
BEGIN
    IF r.ino >= 72057594037927936 AND r.parent < 72057594037927936 THEN
        PERFORM tarbox._raise('EBUSY', format('%s is the mount point of a composition', p_path));
    ELSIF r.parent >= 72057594037927936 THEN
        k := tarbox._compose_number(r.parent);
        PERFORM tarbox._cow_remove(k.compose, k.n, r.name, p_dir, NULL, NULL, NULL, false);
    ELSE
        PERFORM tarbox._remove_entry(c, r.parent, r.name, p_dir);
    END IF;
END
$$;
ALTER FUNCTION tarbox._wasi_remove(tarbox._context, tarbox._resolved, text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._wasi_remove(tarbox._context, tarbox._resolved, text, boolean) FROM PUBLIC;
