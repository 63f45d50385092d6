CREATE OR REPLACE FUNCTION tarbox._do_remote_mkdir(p_path bytea, p_mode int DEFAULT 493, p_parents boolean DEFAULT false)
RETURNS tarbox.entry
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    t tarbox.tenant;
    r tarbox._resolved;
    v_mode int := 16384 | coalesce(p_mode, 493);
    v_parts text[];
    v_prefix bytea := ''::bytea;
    v_step bytea;
    v_compose int;
    v_ino bigint;
    v_name bytea;
    v_entry tarbox.entry;
BEGIN
    IF p_mode IS NOT NULL AND (p_mode & ~4095) <> 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid mode %s (permission bits only)', p_mode));
    END IF;
    SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
    -- An existing directory in a composition (or its mount point) is EEXIST, and fine for
    -- mkdir -p, as on Linux, where mkdir(2) answers EEXIST before EROFS: resolve the path as a
    -- read first (only for a tenant with compositions). A directory to make in a
    -- copy-on-write composition is made in the caller's copy (tarbox._do_mkdir, as the mount);
    -- in a read-only one the walks below refuse it (EROFS).
    IF EXISTS (SELECT 1 FROM tarbox.composition k WHERE k.tenant_id = c.tenant_id) THEN
        BEGIN
            SELECT x.compose, x.ino, x.name INTO v_compose, v_ino, v_name
              FROM tarbox._walk_core(c, p_path, true) x;
        EXCEPTION WHEN SQLSTATE 'TX002' OR SQLSTATE 'TX020' THEN  -- ENOENT, ENOTDIR: decided below
            v_compose := NULL;
        END;
        IF v_compose IS NOT NULL AND v_ino IS NOT NULL THEN
            v_entry := tarbox._compose_entry(v_compose, v_ino, v_name);
            IF NOT coalesce(p_parents, false) THEN
                PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_path)));
            ELSIF v_entry.type <> 'dir' THEN
                PERFORM tarbox._raise('ENOTDIR', format('%s is not a directory', tarbox._name_text(p_path)));
            END IF;
            RETURN v_entry;
        END IF;
        IF (tarbox._remote_cow(c, p_path, true)).compose IS NOT NULL THEN  -- made in the caller's copy
            PERFORM tarbox._do_mkdir(p_path, p_mode, p_parents);
            RETURN tarbox._do_remote_stat(p_path, true, NULL);
        END IF;
    END IF;
    IF NOT coalesce(p_parents, false) THEN
        r := tarbox._walk(c, p_path, true, true);
        IF r.ino IS NOT NULL THEN
            PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_path)));
        END IF;
        r.ino := (tarbox._new_inode(c, r.parent, r.name, v_mode, 0, t.default_uid, t.default_gid, NULL)).ino;
        RETURN tarbox._entry_at(c.tenant_id, r.ino, c.head, r.name);
    END IF;
    -- mkdir -p: every missing directory on the way; an existing one is fine, also when a
    -- concurrent caller creates it first (the Rust client makes the parent before each write).
    IF p_path IS NULL OR octet_length(p_path) = 0 OR get_byte(p_path, 0) <> 47 THEN
        PERFORM tarbox._raise('EINVAL', format('path %L is not absolute (it must start with /)',
                                               tarbox._name_text(p_path)));
    END IF;
    r := ROW(NULL, NULL, 1)::tarbox._resolved;  -- '/'
    v_parts := array_remove(string_to_array(encode(p_path, 'escape'), '/'), '');
    FOR v_i IN 1 .. coalesce(array_length(v_parts, 1), 0) LOOP
        v_step := decode(v_parts[v_i], 'escape');
        v_prefix := v_prefix || '\x2f'::bytea || v_step;
        r := tarbox._walk(c, v_prefix, true, true);
        IF r.ino IS NULL THEN
            BEGIN
                r.ino := (tarbox._new_inode(c, r.parent, r.name, v_mode, 0, t.default_uid, t.default_gid, NULL)).ino;
            EXCEPTION WHEN SQLSTATE 'TX017' THEN
                r := tarbox._walk(c, v_prefix, true, true);
            END;
        END IF;
        IF (tarbox._inode_at(c.tenant_id, r.ino, c.head)).mode & 61440 <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('%s is not a directory', tarbox._name_text(v_prefix)));
        END IF;
    END LOOP;
    RETURN tarbox._entry_at(c.tenant_id, r.ino, c.head, r.name);
END
$$;
ALTER FUNCTION tarbox._do_remote_mkdir(bytea, int, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_remote_mkdir(bytea, int, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_remote_mkdir(bytea, int, boolean) IS
'Remote API. mkdir(2) of the absolute path p_path (bytes) with permission bits p_mode (default 0755), owned by the tenant''s default uid/gid. With p_parents (mkdir -p) missing parents are made too and an existing directory, ''/'' included, is not an error (also against a concurrent maker). Returns the directory''s tarbox.entry. Errors: EEXIST (TX017) exists (without p_parents), ENOTDIR (TX020) a component is not a directory, ENOENT (TX002) missing parent (without p_parents), ENAMETOOLONG (TX036), EINVAL (TX022), EROFS (TX030). Below a composition''s mount point (tarbox.compose_list): a directory that exists there (or the mount point itself) is EEXIST (TX017), or with p_parents returned as tarbox.remote_stat shows it; making one is EROFS (TX030) in a read-only composition, as the mount answers; in a copy-on-write one it is made in the caller''s copy (tarbox.compose_mkdir, as the mount and tarbox.mkdir do) and the entry has the number the mount shows.';
