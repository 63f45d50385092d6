CREATE OR REPLACE FUNCTION tarbox._do_mkdir(p_path bytea, p_mode int DEFAULT 493, p_parents boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    t tarbox.tenant;
    r record;
    v_prefix bytea := ''::bytea;
    v_part bytea;
    v_ino bigint;
BEGIN
    SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
    IF NOT coalesce(p_parents, false) THEN
        r := tarbox._walk_core(c, p_path, true);
        IF r.ino IS NOT NULL THEN
            PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_path)));
        ELSIF r.compose IS NOT NULL THEN  -- as the mount's mkdir (EROFS read-only)
            RETURN tarbox._compose_ino(r.compose, (tarbox.compose_mkdir(r.compose, r.parent, r.name, coalesce(p_mode, 493) & 4095,
                                                                        t.default_uid, t.default_gid)).ino);
        END IF;
        RETURN (tarbox._new_inode(c, r.parent, r.name, 16384 | (coalesce(p_mode, 493) & 4095), 0,
                                  t.default_uid, t.default_gid, NULL)).ino;
    END IF;
    PERFORM tarbox._check_path(p_path);
    v_ino := 1;
    FOREACH v_part IN ARRAY tarbox._split_path(p_path) LOOP
        v_prefix := v_prefix || '\x2f'::bytea || v_part;
        r := tarbox._walk_core(c, v_prefix, true);
        IF r.ino IS NULL AND r.compose IS NOT NULL THEN
            v_ino := tarbox._compose_ino(r.compose, (tarbox.compose_mkdir(r.compose, r.parent, r.name, coalesce(p_mode, 493) & 4095,
                                                                          t.default_uid, t.default_gid)).ino);
        ELSIF r.compose IS NOT NULL THEN
            IF (tarbox._compose_node(r.compose, r.ino)).mode & 61440 <> 16384 THEN
                PERFORM tarbox._raise('ENOTDIR', format('%s is not a directory', tarbox._name_text(v_prefix)));
            END IF;
            v_ino := tarbox._compose_ino(r.compose, r.ino);
        ELSIF r.ino IS NULL THEN
            v_ino := (tarbox._new_inode(c, r.parent, r.name, 16384 | (coalesce(p_mode, 493) & 4095), 0,
                                        t.default_uid, t.default_gid, NULL)).ino;
        ELSIF (tarbox._inode_at(c.tenant_id, r.ino, c.head)).mode & 61440 <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('%s is not a directory', tarbox._name_text(v_prefix)));
        ELSE
            v_ino := r.ino;
        END IF;
    END LOOP;
    RETURN v_ino;
END
$$;
CREATE OR REPLACE FUNCTION tarbox.mkdir(p_path text, p_mode int DEFAULT 493, p_parents boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.mkdir(convert_to(p_path, 'UTF8'), p_mode, p_parents);
END
$$;
ALTER FUNCTION tarbox._do_mkdir(bytea, int, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_mkdir(bytea, int, boolean) FROM PUBLIC;
ALTER FUNCTION tarbox.mkdir(text, int, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.mkdir(text, int, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.mkdir(text, int, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.mkdir(text, int, boolean) IS
'mkdir(2) by absolute path with permission bits p_mode (default 0755), owned by the tenant''s default uid/gid; with p_parents (mkdir -p) missing parents are created and an existing directory is not an error. Returns the inode. Errors: EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), ENAMETOOLONG (TX036), EINVAL (TX022), EROFS (TX030). In a composition, as the mount''s mkdir: copy-on-write through tarbox.compose_mkdir (the directory above copied up; the result is the number the mount shows, as tarbox.stat), EROFS (TX030) in a read-only one.';
COMMENT ON FUNCTION tarbox._do_mkdir(bytea, int, boolean) IS
'tarbox.mkdir(text, int, boolean) for a path given as bytes (any byte but NUL). Errors: as tarbox.mkdir(text, int, boolean).';
