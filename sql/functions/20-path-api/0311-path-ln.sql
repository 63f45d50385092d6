CREATE OR REPLACE FUNCTION tarbox._do_ln(p_target bytea, p_path bytea, p_symbolic boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r record := tarbox._walk_core(c, p_path, false);
    s record;
    t tarbox.tenant;
BEGIN
    IF r.ino IS NOT NULL OR r.name IS NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_path)));
    ELSIF tarbox._names_dir(p_path) THEN
        -- link(2) / symlink(2) to a missing name ending in '/': ENOENT, as on Linux
        PERFORM tarbox._raise('ENOENT', format('%s: a path ending in / names a directory, and there is none',
                                               tarbox._name_text(p_path)));
    END IF;
    IF coalesce(p_symbolic, false) THEN
        SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
        IF r.compose IS NOT NULL THEN  -- as the mount's symlink (EROFS read-only)
            RETURN tarbox._compose_ino(r.compose, (tarbox.compose_symlink(r.compose, r.parent, r.name, p_target,
                                                                          t.default_uid, t.default_gid)).ino);
        END IF;
        RETURN (tarbox._new_inode(c, r.parent, r.name, 41471, 0, t.default_uid, t.default_gid,
                                  p_target)).ino;
    END IF;
    s := tarbox._walk_core(c, p_target, false);
    IF s.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_target)));
    END IF;
    IF r.compose IS NOT NULL OR s.compose IS NOT NULL THEN  -- within one composition only, as the mount's link
        PERFORM tarbox._compose_cross(s.compose, r.compose, tarbox._name_text(p_path));
        RETURN tarbox._compose_ino(r.compose, (tarbox.compose_link(r.compose, s.ino, r.parent, r.name)).ino);
    END IF;
    RETURN (tarbox._do_fs_link(s.ino, r.parent, r.name)).ino;
END
$$;
CREATE OR REPLACE FUNCTION tarbox.ln(p_target text, p_path text, p_symbolic boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.ln(convert_to(p_target, 'UTF8'), convert_to(p_path, 'UTF8'), p_symbolic);
END
$$;
ALTER FUNCTION tarbox._do_ln(bytea, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_ln(bytea, bytea, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_ln(bytea, bytea, boolean) IS
'tarbox.ln(text, text, boolean) for a target and a path given as bytes (a symbolic link''s target is stored as these bytes). Errors: as tarbox.ln(text, text, boolean).';
ALTER FUNCTION tarbox.ln(text, text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.ln(text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.ln(text, text, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.ln(text, text, boolean) IS
'Make a link at absolute path p_path, like ln(1): a hard link to the existing p_target (not following a final symbolic link), or with p_symbolic a symbolic link whose target is the text p_target as given (not resolved). A missing p_path ending in / is ENOENT, as on Linux. Returns the inode. Errors: EEXIST (TX017), ENOENT (TX002), EPERM (TX001) hard link to a directory, ENOTDIR (TX020), ENAMETOOLONG (TX036), EROFS (TX030). In a composition, as the mount: copy-on-write through tarbox.compose_symlink and compose_link (a hard link within the composition only: EXDEV (TX018) across its boundary; the result is the number the mount shows), EROFS (TX030) in a read-only one.';
