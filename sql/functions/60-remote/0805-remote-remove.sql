CREATE OR REPLACE FUNCTION tarbox._do_remote_remove(p_path bytea, p_kind text DEFAULT 'any', p_recursive boolean DEFAULT false,
                                                p_if_match text[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r tarbox._resolved;
    e tarbox.entry;
    w record;
    v_ino bigint;
BEGIN
    IF p_kind IS NULL OR p_kind NOT IN ('any', 'file', 'dir') THEN
        PERFORM tarbox._raise('EINVAL', format('kind %L: use any, file or dir', p_kind));
    END IF;
    w := tarbox._remote_cow(c, p_path, false);
    IF w.compose IS NOT NULL THEN
        -- in a copy-on-write composition: what the mount shows is removed from the caller's
        -- copy (whiteouts over the publication's entries), by the path API's composition code
        IF w.ino IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
        END IF;
        e := tarbox._compose_entry(w.compose, w.ino, w.name);
        PERFORM tarbox._remote_kind_check(e, p_path, p_kind, p_if_match);
        IF e.type = 'dir' AND NOT coalesce(p_recursive, false) THEN
            PERFORM tarbox._do_rmdir(p_path);
            RETURN 1;
        END IF;
        RETURN tarbox._do_rm(p_path, e.type = 'dir');
    END IF;
    r := tarbox._walk(c, p_path, false, true);
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.ino = 1 OR r.name IS NULL THEN
        PERFORM tarbox._raise('EBUSY', format('refusing to remove %s', tarbox._name_text(p_path)));
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, r.parent);
    IF p_if_match IS NOT NULL THEN
        PERFORM tarbox._lock_inode(c.tenant_id, r.ino);
    END IF;
    e := tarbox._entry_at(c.tenant_id, r.ino, c.head, r.name);
    PERFORM tarbox._remote_kind_check(e, p_path, p_kind, p_if_match);
    IF e.type = 'dir' AND NOT coalesce(p_recursive, false) THEN
        v_ino := tarbox._remove_entry(c, r.parent, r.name, true);
        PERFORM tarbox._purge(c.tenant_id, c.head, v_ino);
        RETURN 1;
    END IF;
    RETURN tarbox._rm_tree(c, r.parent, r.name, true);
END
$$;
ALTER FUNCTION tarbox._do_remote_remove(bytea, text, boolean, text[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_remote_remove(bytea, text, boolean, text[]) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_remote_remove(bytea, text, boolean, text[]) IS
'Remote API. Remove the entry at absolute path p_path (bytes; a final symbolic link itself). p_kind: ''file'' (anything but a directory: unlink(2)), ''dir'' (a directory: rmdir(2), or with p_recursive everything below it too), ''any'' (either). p_if_match: only if its etag is one of these. Returns the number of entries removed. Inodes left without links go at once unless a mount of the tenant runs (tarbox.purge_orphans). Errors: ENOENT (TX002), EISDIR (TX021) a directory as file, ENOTDIR (TX020) not a directory as dir, ENOTEMPTY (TX039), EBUSY (TX016) the root, ESTALE (TX116), EINVAL (TX022) bad kind, EROFS (TX030). Below a composition''s mount point (tarbox.compose_list): EROFS (TX030) in a read-only composition, as the mount answers; in a copy-on-write one the entry is removed from what the caller sees (its copy, whiteouts over the publication''s entries: tarbox.rm, as the mount), EBUSY (TX016) for the mount point.';
