CREATE OR REPLACE FUNCTION tarbox.remote_rename(p_from bytea, p_to bytea, p_noreplace boolean DEFAULT false,
                                                p_if_match text[] DEFAULT NULL)
RETURNS tarbox.entry
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    s tarbox._resolved;
    d tarbox._resolved;
    ks record;
    kd record;
    v_old bigint;
BEGIN
    IF (tarbox._remote_cow(c, p_from, false)).compose IS NOT NULL OR (tarbox._remote_cow(c, p_to, false)).compose IS NOT NULL THEN
        -- within a copy-on-write composition, as the mount's rename (tarbox.compose_rename:
        -- the caller's copy, whiteouts over the publication's names; EXDEV across the
        -- composition's boundary or for a directory of the publication), the mount point EBUSY
        ks := tarbox._walk_core(c, p_from, false);
        kd := tarbox._walk_core(c, p_to, false);
        IF ks.ino IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_from)));
        ELSIF ks.ino = 1 OR ks.name IS NULL THEN
            PERFORM tarbox._raise('EBUSY', format('cannot move %s', tarbox._name_text(p_from)));
        ELSIF kd.name IS NULL OR kd.ino = 1 THEN
            PERFORM tarbox._raise('EBUSY', format('cannot replace %s', tarbox._name_text(p_to)));
        END IF;
        PERFORM tarbox._compose_cross(ks.compose, kd.compose, tarbox._name_text(p_to));
        PERFORM tarbox._check_version(tarbox._compose_entry(ks.compose, ks.ino, ks.name), p_from, p_if_match, false);
        PERFORM tarbox.compose_rename(ks.compose, ks.parent, ks.name, kd.parent, kd.name,
                                      CASE WHEN p_noreplace THEN 1 ELSE 0 END);
        RETURN tarbox._do_remote_stat(p_to, false, NULL);
    END IF;
    s := tarbox._walk(c, p_from, false, true);
    d := tarbox._walk(c, p_to, false, true);
    IF s.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_from)));
    ELSIF s.ino = 1 OR s.name IS NULL THEN
        PERFORM tarbox._raise('EBUSY', format('cannot move %s', tarbox._name_text(p_from)));
    ELSIF d.name IS NULL THEN
        PERFORM tarbox._raise('EBUSY', format('cannot replace %s', tarbox._name_text(p_to)));
    END IF;
    IF tarbox._names_dir(p_to)
       AND ((tarbox._inode_at(c.tenant_id, s.ino, c.head)).mode & 61440) <> 16384 THEN
        -- rename(2): a destination ending in '/' names a directory
        PERFORM tarbox._raise('ENOTDIR', format('%s: a path ending in / names a directory; %s is not one',
                                                tarbox._name_text(p_to), tarbox._name_text(p_from)));
    END IF;
    IF s.parent <> d.parent AND ((tarbox._inode_at(c.tenant_id, s.ino, c.head)).mode & 61440) = 16384 THEN
        -- a directory moving to another parent: the tenant's rename lock before any inode lock
        -- (fs_rename takes it again, harmlessly), as fs_rename orders them
        PERFORM tarbox._rename_lock(c.tenant_id);
    END IF;
    IF p_if_match IS NOT NULL THEN
        -- the lock order of fs_rename: both parents (lower inode first), then the entries
        PERFORM tarbox._lock_inode(c.tenant_id, least(s.parent, d.parent));
        PERFORM tarbox._lock_inode(c.tenant_id, greatest(s.parent, d.parent));
        PERFORM tarbox._lock_inode(c.tenant_id, s.ino);
        PERFORM tarbox._check_version(tarbox._entry_at(c.tenant_id, s.ino, c.head, s.name), p_from, p_if_match, false);
    END IF;
    v_old := tarbox._dentry_at(c.tenant_id, d.parent, d.name, c.head);
    PERFORM tarbox.fs_rename(s.parent, s.name, d.parent, d.name, CASE WHEN p_noreplace THEN 1 ELSE 0 END);
    -- No open files through the remote API: a replaced inode left without links goes at once
    -- unless a mount runs (as tarbox.mv).
    IF v_old IS NOT NULL AND v_old <> s.ino THEN
        PERFORM tarbox._purge(c.tenant_id, c.head, v_old);
    END IF;
    RETURN tarbox._entry_at(c.tenant_id, s.ino, c.head, d.name);
END
$$;
ALTER FUNCTION tarbox.remote_rename(bytea, bytea, boolean, text[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_rename(bytea, bytea, boolean, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_rename(bytea, bytea, boolean, text[]) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_rename(bytea, bytea, boolean, text[]) IS
'Remote API. rename(2) of absolute path p_from to p_to (bytes; final symbolic links not followed), atomic, replacing a compatible target unless p_noreplace (RENAME_NOREPLACE). p_if_match: only if the source''s etag is one of these. Returns the moved entry under its new name. Errors: those of tarbox.fs_rename (ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL directory into itself), EBUSY (TX016) the root, ESTALE (TX116), EROFS (TX030). Below a composition''s mount point (tarbox.compose_list): EROFS (TX030) in a read-only composition, as the mount answers; in a copy-on-write one renamed in the caller''s copy as the mount renames (tarbox.compose_rename: EXDEV (TX018) across the composition''s boundary or for a directory of the publication; its mount point EBUSY (TX016)), the entry as the mount shows it.';
