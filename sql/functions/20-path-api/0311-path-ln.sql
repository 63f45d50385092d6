CREATE OR REPLACE FUNCTION tarbox._do_ln(p_target bytea, p_path bytea, p_symbolic boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r tarbox._resolved := tarbox._walk(c, p_path, false);
    s tarbox._resolved;
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
        RETURN (tarbox._new_inode(c, r.parent, r.name, 41471, 0, t.default_uid, t.default_gid,
                                  p_target)).ino;
    END IF;
    s := tarbox._walk(c, p_target, false);
    IF s.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_target)));
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
'Make a link at absolute path p_path, like ln(1): a hard link to the existing p_target (not following a final symbolic link), or with p_symbolic a symbolic link whose target is the text p_target as given (not resolved). A missing p_path ending in / is ENOENT, as on Linux. Returns the inode. Errors: EEXIST (TX017), ENOENT (TX002), EPERM (TX001) hard link to a directory, ENOTDIR (TX020), ENAMETOOLONG (TX036), EROFS (TX030).';
