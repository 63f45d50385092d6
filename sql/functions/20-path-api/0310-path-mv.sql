CREATE OR REPLACE FUNCTION tarbox.mv(p_src bytea, p_dst bytea)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    s record := tarbox._walk_core(c, p_src, false);
    d record := tarbox._walk_core(c, p_dst, true);
    v_old bigint;
BEGIN
    IF s.compose IS NOT NULL OR d.compose IS NOT NULL THEN
        -- in a composition: as the mount's rename, within it only (EXDEV across its boundary,
        -- EROFS read-only), the mount point itself cannot move (EBUSY)
        IF s.ino IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_src)));
        ELSIF s.ino = 1 OR s.name IS NULL THEN
            PERFORM tarbox._raise('EBUSY', format('cannot move %s', tarbox._name_text(p_src)));
        END IF;
        PERFORM tarbox._compose_cross(s.compose, d.compose, tarbox._name_text(p_dst));
        IF d.ino IS NOT NULL AND d.compose IS NOT NULL AND d.ino IS DISTINCT FROM s.ino
           AND (tarbox._compose_node(d.compose, d.ino)).mode & 61440 = 16384 THEN
            d.parent := d.ino;  -- like mv(1): into an existing directory, under the source's name
            d.name := s.name;
        ELSE
            d := tarbox._walk_core(c, p_dst, false);
            IF d.name IS NULL OR d.ino = 1 THEN
                PERFORM tarbox._raise('EBUSY', format('cannot replace %s', tarbox._name_text(p_dst)));
            END IF;
        END IF;
        PERFORM tarbox._compose_cross(s.compose, d.compose, tarbox._name_text(p_dst));
        PERFORM tarbox.compose_rename(s.compose, s.parent, s.name, d.parent, d.name, 0);
        RETURN;
    END IF;
    IF s.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_src)));
    ELSIF s.ino = 1 OR s.name IS NULL THEN
        PERFORM tarbox._raise('EBUSY', format('cannot move %s', tarbox._name_text(p_src)));
    END IF;
    IF d.ino IS NOT NULL AND d.ino <> s.ino
       AND ((tarbox._inode_at(c.tenant_id, d.ino, c.head)).mode & 61440) = 16384 THEN
        -- like mv(1): an existing directory as destination receives the source under its name
        d := ROW(d.ino, s.name, NULL)::tarbox._resolved;
    ELSE
        d := tarbox._walk(c, p_dst, false);
        IF d.name IS NULL THEN
            PERFORM tarbox._raise('EBUSY', format('cannot replace %s', tarbox._name_text(p_dst)));
        ELSIF tarbox._names_dir(p_dst)
              AND ((tarbox._inode_at(c.tenant_id, s.ino, c.head)).mode & 61440) <> 16384 THEN
            -- rename(2): a destination ending in '/' names a directory
            PERFORM tarbox._raise('ENOTDIR', format('%s: a path ending in / names a directory; %s is not one',
                                                    tarbox._name_text(p_dst), tarbox._name_text(p_src)));
        END IF;
    END IF;
    v_old := tarbox._dentry_at(c.tenant_id, d.parent, d.name, c.head);
    PERFORM tarbox.fs_rename(s.parent, s.name, d.parent, d.name, 0);
    -- The SQL API holds no open files: a replaced inode left without links goes at once, unless
    -- a mount is running (tarbox._purge keeps it while one may hold it open).
    IF v_old IS NOT NULL AND v_old <> s.ino THEN
        PERFORM tarbox._purge(c.tenant_id, c.head, v_old);
    END IF;
END
$$;
CREATE OR REPLACE FUNCTION tarbox.mv(p_src text, p_dst text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox.mv(convert_to(p_src, 'UTF8'), convert_to(p_dst, 'UTF8'));
END
$$;
ALTER FUNCTION tarbox.mv(bytea, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.mv(bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.mv(bytea, bytea) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.mv(bytea, bytea) IS
'tarbox.mv(text, text) for paths given as bytes (any byte but NUL). Errors: as tarbox.mv(text, text).';
ALTER FUNCTION tarbox.mv(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.mv(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.mv(text, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.mv(text, text) IS
'Move or rename by absolute paths, like mv(1): when p_dst is an existing directory the source moves into it under its own name; otherwise rename(2) semantics (atomic, replaces a compatible target; a destination ending in / names a directory: ENOTDIR for a source that is not one). Errors: those of tarbox.fs_rename (ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL directory into itself), ENOTDIR (TX020), EBUSY (TX016) the root. In a composition, as the mount''s rename: copy-on-write within it through tarbox.compose_rename (EXDEV (TX018) for a directory of the publication, and across the composition''s boundary), EROFS (TX030) in or across a read-only one; its mount point is EBUSY (TX016).';
