-- tarbox._split_path(path): the components of a path (bytes), empty ones ('//', a leading or a
-- trailing '/') dropped.
CREATE OR REPLACE FUNCTION tarbox._split_path(p_path bytea) RETURNS bytea[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    v_out bytea[] := '{}';
    v_rest bytea := p_path;
    v_pos int;
BEGIN
    LOOP
        v_pos := position('\x2f'::bytea IN v_rest);
        IF v_pos = 0 THEN
            IF octet_length(v_rest) > 0 THEN
                v_out := v_out || v_rest;
            END IF;
            RETURN v_out;
        END IF;
        IF v_pos > 1 THEN
            v_out := v_out || substring(v_rest FROM 1 FOR v_pos - 1);
        END IF;
        v_rest := substring(v_rest FROM v_pos + 1);
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._split_path(bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._split_path(bytea) FROM PUBLIC;

-- tarbox._names_dir(path): true when a path (bytes) ends with '/', so that it can only name a
-- directory (POSIX pathname resolution: open(2) with O_CREAT gives EISDIR for it, link(2),
-- symlink(2) and mknod(2) ENOENT when it is missing, rename(2) ENOTDIR for a non-directory).
CREATE OR REPLACE FUNCTION tarbox._names_dir(p_path bytea) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT octet_length(p_path) > 0 AND get_byte(p_path, octet_length(p_path) - 1) = 47 $$;
ALTER FUNCTION tarbox._names_dir(bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._names_dir(bytea) FROM PUBLIC;

-- tarbox._check_path(path): EINVAL unless an absolute path (bytes) without NUL, ENAMETOOLONG
-- over 4096 bytes (PATH_MAX).
CREATE OR REPLACE FUNCTION tarbox._check_path(p_path bytea) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_path IS NULL OR octet_length(p_path) = 0 OR get_byte(p_path, 0) <> 47 THEN
        PERFORM tarbox._raise('EINVAL', format('path %L is not absolute (it must start with /)',
                                               tarbox._name_text(p_path)));
    ELSIF octet_length(p_path) > 4096 THEN
        PERFORM tarbox._raise('ENAMETOOLONG',
            format('path is %s bytes; the limit is 4096 (PATH_MAX)', octet_length(p_path)));
    ELSIF position('\x00'::bytea IN p_path) > 0 THEN
        PERFORM tarbox._raise('EINVAL', 'a path cannot contain a NUL byte');
    END IF;
END
$$;
ALTER FUNCTION tarbox._check_path(bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._check_path(bytea) FROM PUBLIC;

-- tarbox._walk_core(ctx, path, follow): resolve an absolute path at ctx.layer, as a mount of
-- that layer would, compositions included. The path is bytes (a Linux path: any bytes but NUL,
-- names need not be UTF-8). Returns (parent, name, ino, compose): the directory holding the last
-- component, that component's bytes and its inode, ino NULL when only the last component is
-- missing (so creating functions can use parent and name); compose NULL: all three are the
-- tenant's own ('/' gives (1, NULL, 1, NULL)). '.' and '..' are handled ('..' of the root is the
-- root, so no path leaves the tenant's tree); symbolic links in the middle of the path are
-- always followed, the last one only when p_follow or the path ends with '/'; at most 40 links
-- (ELOOP), as Linux does. Symbolic link targets are bytes too (whatever their encoding). What a
-- trailing '/' on a missing last component means is the creating caller's to judge
-- (tarbox._names_dir).
-- Compositions (tarbox.composition, issue 15 item 7): the name of a composition's mount path
-- in its parent directory is the composition's root, whatever the tenant's tree holds there (a
-- mount attaches the composition at that path, at every layer); the rest of the path resolves
-- inside it as tarbox.compose_lookup does (read-only and copy-on-write: tarbox._compose_child),
-- '..' of its root is the tenant's directory holding the mount point, and an absolute
-- symbolic link target inside starts again at the tenant's root. Then compose is the
-- composition's id and parent and ino are numbers it shows (tarbox._compose_node), except
-- at its root (ino 1, the mount point): parent is then the tenant's directory holding the mount
-- point (name NULL for a path ending in '.', as in the tenant's tree). The mount paths are read once (one index probe of tarbox.composition when the
-- tenant has none); the walk keeps the path of the current directory only when it has some.
-- The components are split in C: encode(path, 'escape') keeps every '/' as is and writes any
-- other byte that could be confused with it as a backslash sequence, which decode() undoes.
-- Errors: EINVAL (relative or empty path, a NUL byte), ENAMETOOLONG (path over 4096 bytes or a
-- component over 255), ENOENT (missing intermediate directory; a composition whose publication
-- is no longer shared), ENOTDIR, ELOOP, EREMOTE (the path is below a native mount:
-- tarbox._native_guard; its mount point itself resolves as its directory).
CREATE OR REPLACE FUNCTION tarbox._walk_core(c tarbox._context, p_path bytea, p_follow boolean,
    OUT parent bigint, OUT name bytea, OUT ino bigint, OUT compose int)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_parts text[];
    v_i int := 1;
    v_cur bigint := 1;
    v_parent bigint := 1;
    v_name bytea := NULL;
    v_next bigint;
    v_node tarbox.inode;
    v_links int := 0;
    v_last boolean;
    v_slash boolean;
    v_k int;                  -- the composition the walk is in (NULL: the tenant's tree)
    v_points bytea[];         -- the tenant's mount paths (NULL: it has no composition)
    v_ids int[];
    v_dir bytea := '';        -- the path of v_cur ('' = the root), kept when v_points is set
    v_at int;
    v_lens int[] := '{}';     -- the lengths of v_dir above each directory on the way
    v_kdir bigint;            -- the tenant's directory holding the mount point of v_k
    v_kpath bytea;            -- and its path, and v_lens there
    v_klens int[];
BEGIN
    IF p_path IS NULL OR octet_length(p_path) = 0 OR get_byte(p_path, 0) <> 47 THEN
        PERFORM tarbox._raise('EINVAL', format('path %L is not absolute (it must start with /)',
                                               tarbox._name_text(p_path)));
    ELSIF octet_length(p_path) > 4096 THEN
        PERFORM tarbox._raise('ENAMETOOLONG',
            format('path is %s bytes; the limit is 4096 (PATH_MAX)', octet_length(p_path)));
    ELSIF position('\x00'::bytea IN p_path) > 0 THEN
        PERFORM tarbox._raise('EINVAL', format('path %L contains a NUL byte', tarbox._name_text(p_path)));
    END IF;
    SELECT array_agg(convert_to(k.mount_path, 'UTF8')), array_agg(k.compose_id) INTO v_points, v_ids
      FROM tarbox.composition k WHERE k.tenant_id = c.tenant_id;
    v_slash := get_byte(p_path, octet_length(p_path) - 1) = 47;
    IF v_slash THEN
        p_follow := true;  -- a trailing '/' resolves a final symbolic link (POSIX)
    END IF;
    v_parts := array_remove(string_to_array(encode(p_path, 'escape'), '/'), '');
    WHILE v_i <= coalesce(array_length(v_parts, 1), 0) LOOP
        v_last := v_i = array_length(v_parts, 1);
        IF v_k IS NULL THEN
            v_node := tarbox._inode_at(c.tenant_id, v_cur, c.layer);
        ELSIF v_parts[v_i] IN ('.', '..') THEN
            v_node := tarbox._compose_node(v_k, v_cur);
        ELSE
            v_node.mode := 16384;  -- tarbox._compose_child checks the directory below
        END IF;
        IF (v_node.mode & 61440) <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('%s: a path component is not a directory',
                                                    tarbox._name_text(p_path)));
        END IF;
        IF v_parts[v_i] = '.' THEN
            v_name := NULL;
            v_i := v_i + 1;
            CONTINUE;
        END IF;
        IF v_parts[v_i] = '..' THEN
            IF v_k IS NOT NULL AND v_cur = 1 THEN
                -- '..' of a composition's root: the tenant's directory holding its mount point
                v_k := NULL;
                v_cur := v_kdir;
                v_dir := v_kpath;
                v_lens := v_klens;
            ELSIF v_k IS NOT NULL THEN
                v_cur := tarbox._compose_child(v_k, v_cur, '\x2e2e'::bytea);
            ELSE
                v_cur := tarbox._parent_of(c.tenant_id, v_cur, c.layer);
                IF v_points IS NOT NULL AND cardinality(v_lens) > 0 THEN
                    v_dir := substring(v_dir FROM 1 FOR v_lens[cardinality(v_lens)]);
                    v_lens := v_lens[1 : cardinality(v_lens) - 1];
                END IF;
            END IF;
            IF v_k IS NULL THEN
                v_parent := coalesce(tarbox._parent_of(c.tenant_id, v_cur, c.layer), 1);
            END IF;
            v_name := NULL;
            v_i := v_i + 1;
            CONTINUE;
        END IF;
        v_name := decode(v_parts[v_i], 'escape');
        IF octet_length(v_name) > 255 THEN
            PERFORM tarbox._raise('ENAMETOOLONG',
                format('%s: a component is %s bytes; the limit is 255', tarbox._name_text(p_path),
                       octet_length(v_name)));
        END IF;
        IF v_k IS NULL AND v_points IS NOT NULL THEN
            v_at := array_position(v_points, v_dir || '\x2f'::bytea || v_name);
            IF v_at IS NOT NULL THEN
                -- a composition's mount point: its root, as the mount attaches it there
                v_k := v_ids[v_at];
                v_kdir := v_cur;
                v_kpath := v_dir;
                v_klens := v_lens;
                IF v_last THEN
                    parent := v_kdir; name := v_name; ino := 1; compose := v_k;
                    RETURN;
                END IF;
                v_parent := v_kdir;
                v_cur := 1;
                v_i := v_i + 1;
                CONTINUE;
            END IF;
        END IF;
        IF v_k IS NULL THEN
            v_next := tarbox._dentry_at(c.tenant_id, v_cur, v_name, c.layer);
        ELSE
            v_next := tarbox._compose_child(v_k, v_cur, v_name);
        END IF;
        IF v_next IS NULL THEN
            IF v_k IS NULL THEN
                PERFORM tarbox._native_guard(c, v_cur, v_name, tarbox._name_text(p_path));  -- EREMOTE below a native mount
            END IF;
            IF v_last THEN
                parent := v_cur; name := v_name; ino := NULL; compose := v_k;
                RETURN;
            END IF;
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
        END IF;
        IF v_k IS NULL THEN
            v_node := tarbox._inode_at(c.tenant_id, v_next, c.layer);
        ELSE
            v_node := tarbox._compose_node(v_k, v_next);
        END IF;
        IF (v_node.mode & 61440) = 40960 AND (NOT v_last OR p_follow) THEN
            v_links := v_links + 1;
            IF v_links > 40 THEN
                PERFORM tarbox._raise('ELOOP', format('%s: too many levels of symbolic links',
                                                      tarbox._name_text(p_path)));
            END IF;
            v_parts := array_remove(string_to_array(encode(v_node.target, 'escape'), '/'), '')
                       || v_parts[v_i + 1 :];
            v_i := 1;
            IF get_byte(v_node.target, 0) = 47 THEN
                v_k := NULL;  -- an absolute target starts at the tenant's root, in a composition too
                v_cur := 1;
                v_parent := 1;
                v_dir := '';
                v_lens := '{}';
            END IF;
            v_name := NULL;
            CONTINUE;
        END IF;
        IF v_k IS NULL AND v_points IS NOT NULL THEN
            v_lens := v_lens || octet_length(v_dir);
            v_dir := v_dir || '\x2f'::bytea || v_name;
        END IF;
        v_parent := v_cur;
        v_cur := v_next;
        v_i := v_i + 1;
    END LOOP;
    -- A trailing '/' names a directory (POSIX pathname resolution).
    IF v_slash AND (v_cur <> 1 OR v_k IS NOT NULL) THEN
        IF v_k IS NULL THEN
            v_node := tarbox._inode_at(c.tenant_id, v_cur, c.layer);
        ELSE
            v_node := tarbox._compose_node(v_k, v_cur);
        END IF;
        IF (v_node.mode & 61440) <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('%s: not a directory', tarbox._name_text(p_path)));
        END IF;
    END IF;
    IF v_k IS NOT NULL THEN
        parent := CASE WHEN v_cur = 1 THEN v_kdir WHEN v_name IS NULL THEN tarbox._compose_child(v_k, v_cur, '\x2e2e'::bytea)
                       ELSE v_parent END;
        name := v_name; ino := v_cur; compose := v_k;
        RETURN;
    END IF;
    PERFORM tarbox._native_guard(c, v_cur, NULL, tarbox._name_text(p_path));  -- EREMOTE below a native mount
    parent := CASE WHEN v_name IS NULL THEN tarbox._parent_of(c.tenant_id, v_cur, c.layer) ELSE v_parent END;
    name := v_name; ino := v_cur; compose := NULL;
END
$$;
ALTER FUNCTION tarbox._walk_core(tarbox._context, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._walk_core(tarbox._context, bytea, boolean) FROM PUBLIC;

-- tarbox._walk(ctx, path, follow[, change]): tarbox._walk_core for callers that handle only the
-- tenant's own tree: the tarbox._resolved (parent, name, ino) of the tenant's tree. A
-- composition's mount point itself resolves as the tenant's directory there (what
-- tarbox.compose_prepare makes; ino NULL when there is none); a path below one raises
-- (tarbox._compose_guard): EREMOTE (TX066), or with p_change EROFS (TX030) for a read-only
-- composition (the caller would change it). Errors: as tarbox._walk_core, EREMOTE, EROFS.
CREATE OR REPLACE FUNCTION tarbox._walk(c tarbox._context, p_path bytea, p_follow boolean, p_change boolean DEFAULT false)
RETURNS tarbox._resolved
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    w record := tarbox._walk_core(c, p_path, p_follow);
    v_name bytea;
BEGIN
    IF w.compose IS NULL THEN
        RETURN ROW(w.parent, w.name, w.ino)::tarbox._resolved;
    END IF;
    IF w.ino = 1 THEN
        -- the mount point itself: the tenant's own directory there, in the tenant's directory w.parent
        SELECT convert_to(substr(k.mount_path, length(k.mount_path) - strpos(reverse(k.mount_path), '/') + 2), 'UTF8')
          INTO v_name FROM tarbox.composition k WHERE k.tenant_id = c.tenant_id AND k.compose_id = w.compose;
        w.ino := tarbox._dentry_at(c.tenant_id, w.parent, v_name, c.layer);
        IF w.ino IS NULL AND w.name IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
        END IF;
        RETURN ROW(w.parent, w.name, w.ino)::tarbox._resolved;
    END IF;
    PERFORM tarbox._compose_guard(w.compose, tarbox._name_text(p_path), p_change);
    RETURN NULL;
END
$$;
ALTER FUNCTION tarbox._walk(tarbox._context, bytea, boolean, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._walk(tarbox._context, bytea, boolean, boolean) FROM PUBLIC;

-- The text form: the path as UTF-8 text (the path API's spelling).
CREATE OR REPLACE FUNCTION tarbox._walk(c tarbox._context, p_path text, p_follow boolean, p_change boolean DEFAULT false)
RETURNS tarbox._resolved
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN tarbox._walk(c, convert_to(p_path, 'UTF8'), p_follow, p_change);
END
$$;
ALTER FUNCTION tarbox._walk(tarbox._context, text, boolean, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._walk(tarbox._context, text, boolean, boolean) FROM PUBLIC;
