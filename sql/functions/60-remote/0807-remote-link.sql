-- Links by absolute byte paths: hard links, symbolic links, and reading a link's target.
CREATE OR REPLACE FUNCTION tarbox.remote_link(p_target bytea, p_path bytea)
RETURNS tarbox.entry
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    s tarbox._resolved;
    r tarbox._resolved;
BEGIN
    IF (tarbox._remote_cow(c, p_path, false)).compose IS NOT NULL OR (tarbox._remote_cow(c, p_target, false)).compose IS NOT NULL THEN
        -- into, within or out of a copy-on-write composition: as tarbox.ln and the mount
        -- (tarbox.compose_link: EXDEV across its boundary or for a file of the publication)
        PERFORM tarbox._do_ln(p_target, p_path, false);
        RETURN tarbox._do_remote_stat(p_path, false, NULL);
    END IF;
    s := tarbox._walk(c, p_target, false, true);
    r := tarbox._walk(c, p_path, false, true);
    IF s.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_target)));
    ELSIF r.ino IS NOT NULL OR r.name IS NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_path)));
    ELSIF tarbox._names_dir(p_path) THEN  -- link(2) to a missing name/: ENOENT, as on Linux
        PERFORM tarbox._raise('ENOENT', format('%s: a path ending in / names a directory, and there is none',
                                               tarbox._name_text(p_path)));
    END IF;
    PERFORM tarbox.fs_link(s.ino, r.parent, r.name);
    RETURN tarbox._entry_at(c.tenant_id, s.ino, c.head, r.name);
END
$$;

CREATE OR REPLACE FUNCTION tarbox.remote_symlink(p_target bytea, p_path bytea)
RETURNS tarbox.entry
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r tarbox._resolved;
    t tarbox.tenant;
    v_ino bigint;
BEGIN
    IF (tarbox._remote_cow(c, p_path, false)).compose IS NOT NULL THEN  -- made in the caller's copy, as tarbox.ln -s
        PERFORM tarbox._do_ln(p_target, p_path, true);
        RETURN tarbox._do_remote_stat(p_path, false, NULL);
    END IF;
    r := tarbox._walk(c, p_path, false, true);
    IF r.ino IS NOT NULL OR r.name IS NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_path)));
    ELSIF tarbox._names_dir(p_path) THEN  -- symlink(2) to a missing name/: ENOENT, as on Linux
        PERFORM tarbox._raise('ENOENT', format('%s: a path ending in / names a directory, and there is none',
                                               tarbox._name_text(p_path)));
    END IF;
    SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
    v_ino := (tarbox.fs_symlink(r.parent, r.name, p_target, t.default_uid, t.default_gid)).ino;
    RETURN tarbox._entry_at(c.tenant_id, v_ino, c.head, r.name);
END
$$;

CREATE OR REPLACE FUNCTION tarbox.remote_readlink(p_path bytea, p_layer text DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r record := tarbox._walk_core(c, p_path, false);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.compose IS NOT NULL THEN
        RETURN tarbox.compose_readlink(r.compose, r.ino);  -- as the mount reads it
    END IF;
    RETURN tarbox.fs_readlink(r.ino, c.layer);
END
$$;
ALTER FUNCTION tarbox.remote_link(bytea, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_link(bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_link(bytea, bytea) TO tarbox_tenant;
ALTER FUNCTION tarbox.remote_symlink(bytea, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_symlink(bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_symlink(bytea, bytea) TO tarbox_tenant;
ALTER FUNCTION tarbox.remote_readlink(bytea, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_readlink(bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_readlink(bytea, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_link(bytea, bytea) IS
'Remote API. link(2): a new hard link at absolute path p_path (bytes) to the existing p_target (a final symbolic link not followed). Returns the linked inode''s tarbox.entry under the new name. Errors: EEXIST (TX017), ENOENT (TX002), EPERM (TX001) directory, EMLINK (TX031), ENOTDIR (TX020), ENAMETOOLONG (TX036), EROFS (TX030). Below a composition''s mount point (tarbox.compose_list): EROFS (TX030) in a read-only composition, as the mount answers; in a copy-on-write one made in the caller''s copy as tarbox.ln and the mount do (a hard link across its boundary, or to a file of the publication, EXDEV (TX018)), the entry as the mount shows it.';
COMMENT ON FUNCTION tarbox.remote_symlink(bytea, bytea) IS
'Remote API. symlink(2): a symbolic link at absolute path p_path (bytes) whose target is p_target (1..4095 bytes, kept as given, not resolved). Returns its tarbox.entry. Errors: EEXIST (TX017), ENOENT (TX002) missing directory or empty target, ENAMETOOLONG (TX036), ENOTDIR (TX020), EROFS (TX030). Below a composition''s mount point (tarbox.compose_list): EROFS (TX030) in a read-only composition, as the mount answers; in a copy-on-write one made in the caller''s copy as tarbox.ln and the mount do (a hard link across its boundary, or to a file of the publication, EXDEV (TX018)), the entry as the mount shows it.';
COMMENT ON FUNCTION tarbox.remote_readlink(bytea, text) IS
'Remote API. readlink(2) of absolute path p_path (bytes) as of layer p_layer (NULL = current): the target bytes; in a composition, as the mount reads it (tarbox.compose_readlink). Errors: ENOENT (TX002), EINVAL (TX022) not a symbolic link.';
