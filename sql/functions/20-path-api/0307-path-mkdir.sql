CREATE OR REPLACE FUNCTION tarbox._do_mkdir(p_path text, p_mode int DEFAULT 493, p_parents boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    t tarbox.tenant;
    r tarbox._resolved;
    v_prefix text := '';
    v_part text;
    v_ino bigint;
BEGIN
    SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
    IF NOT coalesce(p_parents, false) THEN
        r := tarbox._walk(c, p_path, true);
        IF r.ino IS NOT NULL THEN
            PERFORM tarbox._raise('EEXIST', format('%s already exists', p_path));
        END IF;
        RETURN (tarbox._new_inode(c, r.parent, r.name, 16384 | (coalesce(p_mode, 493) & 4095), 0,
                                  t.default_uid, t.default_gid, NULL)).ino;
    END IF;
    IF p_path IS NULL OR left(p_path, 1) <> '/' THEN
        PERFORM tarbox._raise('EINVAL', format('path %L is not absolute (it must start with /)', p_path));
    END IF;
    v_ino := 1;
    FOREACH v_part IN ARRAY array_remove(string_to_array(p_path, '/'), '') LOOP
        v_prefix := v_prefix || '/' || v_part;
        r := tarbox._walk(c, v_prefix, true);
        IF r.ino IS NULL THEN
            v_ino := (tarbox._new_inode(c, r.parent, r.name, 16384 | (coalesce(p_mode, 493) & 4095), 0,
                                        t.default_uid, t.default_gid, NULL)).ino;
        ELSIF (tarbox._inode_at(c.tenant_id, r.ino, c.head)).mode & 61440 <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('%s is not a directory', v_prefix));
        ELSE
            v_ino := r.ino;
        END IF;
    END LOOP;
    RETURN v_ino;
END
$$;
ALTER FUNCTION tarbox._do_mkdir(text, int, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_mkdir(text, int, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_mkdir(text, int, boolean) IS
'mkdir(2) by absolute path with permission bits p_mode (default 0755), owned by the tenant''s default uid/gid; with p_parents (mkdir -p) missing parents are created and an existing directory is not an error. Returns the inode. Errors: EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), ENAMETOOLONG (TX036), EINVAL (TX022), EROFS (TX030).';
