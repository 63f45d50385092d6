CREATE OR REPLACE FUNCTION tarbox._do_ln(p_target text, p_path text, p_symbolic boolean DEFAULT false)
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
        PERFORM tarbox._raise('EEXIST', format('%s already exists', p_path));
    END IF;
    IF coalesce(p_symbolic, false) THEN
        SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
        RETURN (tarbox._new_inode(c, r.parent, r.name, 41471, 0, t.default_uid, t.default_gid,
                                  convert_to(p_target, 'UTF8'))).ino;
    END IF;
    s := tarbox._walk(c, p_target, false);
    IF s.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_target));
    END IF;
    RETURN (tarbox._do_fs_link(s.ino, r.parent, r.name)).ino;
END
$$;
ALTER FUNCTION tarbox._do_ln(text, text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_ln(text, text, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_ln(text, text, boolean) IS
'Make a link at absolute path p_path, like ln(1): a hard link to the existing p_target (not following a final symbolic link), or with p_symbolic a symbolic link whose target is the text p_target as given (not resolved). Returns the inode. Errors: EEXIST (TX017), ENOENT (TX002), EPERM (TX001) hard link to a directory, ENOTDIR (TX020), ENAMETOOLONG (TX036), EROFS (TX030).';
