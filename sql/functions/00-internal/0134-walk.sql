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

-- tarbox._walk(ctx, path, follow): resolve an absolute path at ctx.layer. The path is bytes
-- (a Linux path: any bytes but NUL, names need not be UTF-8); the text form takes UTF-8 text.
-- Returns (parent, name, ino): the directory holding the last component, that component's bytes
-- and its inode, NULL when only the last component is missing (so creating functions can use
-- parent and name). '/' gives (1, NULL, 1). '.' and '..' are handled ('..' of the root is the
-- root, so no path leaves the tenant's tree); symbolic links in the middle of the path are
-- always followed, the last one only when p_follow or the path ends with '/'; at most 40 links
-- (ELOOP), as Linux does. Symbolic link targets are bytes too (whatever their encoding). What a
-- trailing '/' on a missing last component means is the creating caller's to judge
-- (tarbox._names_dir).
-- The components are split in C: encode(path, 'escape') keeps every '/' as is and writes any
-- other byte that could be confused with it as a backslash sequence, which decode() undoes.
-- Errors: EINVAL (relative or empty path, a NUL byte), ENAMETOOLONG (path over 4096 bytes or a
-- component over 255), ENOENT (missing intermediate directory), ENOTDIR, ELOOP, EREMOTE (the path
-- is below a native mount or a composition: tarbox._native_guard, tarbox._compose_guard; the mount
-- point itself resolves as its directory).
CREATE OR REPLACE FUNCTION tarbox._walk(c tarbox._context, p_path bytea, p_follow boolean)
RETURNS tarbox._resolved
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
    v_slash := get_byte(p_path, octet_length(p_path) - 1) = 47;
    IF v_slash THEN
        p_follow := true;  -- a trailing '/' resolves a final symbolic link (POSIX)
    END IF;
    v_parts := array_remove(string_to_array(encode(p_path, 'escape'), '/'), '');
    WHILE v_i <= coalesce(array_length(v_parts, 1), 0) LOOP
        v_last := v_i = array_length(v_parts, 1);
        v_node := tarbox._inode_at(c.tenant_id, v_cur, c.layer);
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
            v_cur := tarbox._parent_of(c.tenant_id, v_cur, c.layer);
            v_parent := coalesce(tarbox._parent_of(c.tenant_id, v_cur, c.layer), 1);
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
        v_next := tarbox._dentry_at(c.tenant_id, v_cur, v_name, c.layer);
        IF v_next IS NULL THEN
            PERFORM tarbox._native_guard(c, v_cur, v_name, tarbox._name_text(p_path));  -- EREMOTE below a native mount
            PERFORM tarbox._compose_guard(c, v_cur, v_name, tarbox._name_text(p_path));  -- EREMOTE below a composition
            IF v_last THEN
                RETURN ROW(v_cur, v_name, NULL)::tarbox._resolved;
            END IF;
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
        END IF;
        v_node := tarbox._inode_at(c.tenant_id, v_next, c.layer);
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
                v_cur := 1;
                v_parent := 1;
            END IF;
            v_name := NULL;
            CONTINUE;
        END IF;
        v_parent := v_cur;
        v_cur := v_next;
        v_i := v_i + 1;
    END LOOP;
    -- A trailing '/' names a directory (POSIX pathname resolution).
    IF v_slash AND v_cur <> 1
       AND (tarbox._inode_at(c.tenant_id, v_cur, c.layer)).mode & 61440 <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('%s: not a directory', tarbox._name_text(p_path)));
    END IF;
    PERFORM tarbox._native_guard(c, v_cur, NULL, tarbox._name_text(p_path));  -- EREMOTE below a native mount
    PERFORM tarbox._compose_guard(c, v_cur, NULL, tarbox._name_text(p_path));  -- EREMOTE below a composition
    RETURN ROW(CASE WHEN v_name IS NULL THEN tarbox._parent_of(c.tenant_id, v_cur, c.layer) ELSE v_parent END,
               v_name, v_cur)::tarbox._resolved;
END
$$;
ALTER FUNCTION tarbox._walk(tarbox._context, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._walk(tarbox._context, bytea, boolean) FROM PUBLIC;

-- The text form: the path as UTF-8 text (the path API's spelling).
CREATE OR REPLACE FUNCTION tarbox._walk(c tarbox._context, p_path text, p_follow boolean)
RETURNS tarbox._resolved
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN tarbox._walk(c, convert_to(p_path, 'UTF8'), p_follow);
END
$$;
ALTER FUNCTION tarbox._walk(tarbox._context, text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._walk(tarbox._context, text, boolean) FROM PUBLIC;
