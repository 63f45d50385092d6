-- tarbox._wasi_walk(ctx, base, path, follow): resolve a path relative to directory inode `base`
-- the way a WASI host resolves a guest path beneath a preopened directory (wasmtime, cap-std):
-- the walk keeps the stack of directories it entered, '..' pops it and may never pop `base`
-- itself, and symbolic links are expanded in place (relative to the directory holding them),
-- so neither '..' nor a link can leave `base`, not even for a moment ("a/../../base/x" is
-- refused like "../x"). Absolute paths and links with absolute targets are refused. The last
-- component is followed only when p_follow (or when the path ends with '/'); at most 40 links.
-- Returns (parent, name, ino): the directory holding the last component, its name (bytes) and
-- its inode, NULL when only the last component is missing. A path that ends in '.' or '..'
-- returns that name with the directory it denotes as ino. A path ending in '/' must name a
-- directory (or a missing last component, for the caller to judge).
-- Compositions (tarbox.composition) are walked as the mount shows them: a step onto a
-- composition's mount point enters the composition's root (tarbox._wasi_compose_at; whatever
-- the tenant's own tree holds there), steps inside one follow the composition
-- (tarbox._compose_child: the published layer, copy-on-write merged with the caller's
-- changes), and every number returned is the one the mount shows (2^56 | slot << 40 | n,
-- tarbox._compose_number), so a base may be such a number too. '..' climbs the stack of
-- directories entered, so it leaves a composition's root into the tenant's directory above
-- it. One index probe of tarbox.composition per walk.
-- Errors: EPERM (TX001) the path leaves the base directory (what wasmtime answers), ENOENT
-- (empty path or a missing intermediate directory), ENOTDIR (base or an intermediate component
-- is not a directory, or a trailing '/' after a non-directory), ELOOP, ENAMETOOLONG (a
-- component over 255 bytes, the path over 4096), EILSEQ (a link target that is not UTF-8);
-- ENOENT also for a composition whose publication is no longer shared with the tenant.
CREATE OR REPLACE FUNCTION tarbox._wasi_walk(c tarbox._context, p_base bigint, p_path text,
                                             p_follow boolean)
RETURNS tarbox._resolved
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_dirs bigint[] := ARRAY[p_base];
    v_parts text[];
    v_i int := 1;
    v_n int;
    v_last boolean;
    v_slash boolean;
    v_name bytea;
    v_next bigint;
    v_node tarbox.inode;
    v_target text;
    v_links int := 0;
    v_kpaths text[];   -- the tenant's composition mount paths, by path (NULL: none)
    v_knames bytea[];  -- their last components
    v_ks int[];        -- their compose_ids (a composition's slot of numbers is compose_id - 1)
    v_cur bigint;      -- the directory a step starts from
    v_slot int;
    v_at int;          -- the place in v_kpaths of the mount point a step lands on
    v_kn bigint;       -- the composition's own number of the step's target
BEGIN
    IF p_path IS NULL THEN
        PERFORM tarbox._raise('EINVAL', 'the path is NULL');
    ELSIF octet_length(p_path) > 4096 THEN
        PERFORM tarbox._raise('ENAMETOOLONG',
            format('path is %s bytes; the limit is 4096 (PATH_MAX)', octet_length(p_path)));
    ELSIF p_path = '' THEN
        PERFORM tarbox._raise('ENOENT', 'empty path');
    ELSIF left(p_path, 1) = '/' THEN
        PERFORM tarbox._raise('EPERM', format(
            '%s: an absolute path cannot be resolved beneath a preopened directory', p_path));
    END IF;
    SELECT array_agg(k.mount_path ORDER BY k.mount_path), array_agg(k.compose_id ORDER BY k.mount_path),
           array_agg(convert_to(substr(k.mount_path, length(k.mount_path) - strpos(reverse(k.mount_path), '/') + 2), 'UTF8'))
      INTO v_kpaths, v_ks, v_knames FROM tarbox.composition k WHERE k.tenant_id = c.tenant_id;
    IF p_base >= 72057594037927936 THEN  -- a number a composition shows (tarbox.stat of a path in one)
        v_slot := (p_base >> 40) & 65535;
        IF v_ks IS NULL OR NOT (v_slot + 1 = ANY (v_ks)) THEN
            PERFORM tarbox._raise('ENOENT', format('directory inode %s does not exist', p_base));
        END IF;
        v_node := tarbox._compose_node(v_slot + 1, p_base & 1099511627775);
    ELSE
        v_node := tarbox._inode_at(c.tenant_id, p_base, c.layer);
    END IF;
    IF v_node.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('directory inode %s does not exist', p_base));
    ELSIF (v_node.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('%s: inode %s is not a directory', p_path, p_base));
    END IF;
    v_slash := right(p_path, 1) = '/';
    v_parts := array_remove(string_to_array(p_path, '/'), '');
    v_n := coalesce(array_length(v_parts, 1), 0);
    WHILE v_i <= v_n LOOP
        v_last := v_i = v_n;
        IF v_parts[v_i] = '.' THEN
            IF v_last THEN
                RETURN ROW(v_dirs[cardinality(v_dirs)], '\x2e'::bytea, v_dirs[cardinality(v_dirs)])::tarbox._resolved;
            END IF;
            v_i := v_i + 1;
            CONTINUE;
        ELSIF v_parts[v_i] = '..' THEN
            IF cardinality(v_dirs) = 1 THEN
                PERFORM tarbox._raise('EPERM', format(
                    '%s: ".." leads outside the preopened directory', p_path));
            END IF;
            v_dirs := v_dirs[1 : cardinality(v_dirs) - 1];
            IF v_last THEN
                RETURN ROW(v_dirs[cardinality(v_dirs)], '\x2e2e'::bytea, v_dirs[cardinality(v_dirs)])::tarbox._resolved;
            END IF;
            v_i := v_i + 1;
            CONTINUE;
        END IF;
        v_name := convert_to(v_parts[v_i], 'UTF8');
        IF octet_length(v_name) > 255 THEN
            PERFORM tarbox._raise('ENAMETOOLONG',
                format('%s: a component is %s bytes; the limit is 255', p_path, octet_length(v_name)));
        END IF;
        v_cur := v_dirs[cardinality(v_dirs)];
        IF v_cur >= 72057594037927936 THEN  -- inside a composition: its entries, its numbers
            v_slot := (v_cur >> 40) & 65535;
            v_kn := tarbox._compose_child(v_slot + 1, v_cur & 1099511627775, v_name);
            v_next := (v_cur - (v_cur & 1099511627775)) | v_kn;
        ELSE
            v_next := NULL;
            IF v_name = ANY (v_knames) THEN  -- a composition's mount point: its root (number 1)
                v_at := tarbox._wasi_compose_at(c, v_cur, v_name, v_kpaths);
                IF v_at IS NOT NULL THEN
                    v_slot := v_ks[v_at + 1] - 1;
                    v_kn := 1;
                    v_next := 72057594037927936::bigint | (v_slot::bigint << 40) | 1;
                END IF;
            END IF;
            IF v_next IS NULL THEN
                v_next := tarbox._dentry_at(c.tenant_id, v_cur, v_name, c.layer);
            END IF;
        END IF;
        IF v_next IS NULL THEN
            IF v_last THEN
                RETURN ROW(v_cur, v_name, NULL)::tarbox._resolved;
            END IF;
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
        END IF;
        IF v_next >= 72057594037927936 THEN
            v_node := tarbox._compose_node(v_slot + 1, v_kn);
        ELSE
            v_node := tarbox._inode_at(c.tenant_id, v_next, c.layer);
        END IF;
        IF (v_node.mode & 61440) = 40960 AND (NOT v_last OR p_follow OR v_slash) THEN
            v_links := v_links + 1;
            IF v_links > 40 THEN
                PERFORM tarbox._raise('ELOOP', format('%s: too many levels of symbolic links', p_path));
            END IF;
            v_target := convert_from(v_node.target, 'UTF8');
            IF left(v_target, 1) = '/' THEN
                PERFORM tarbox._raise('EPERM', format(
                    '%s: symbolic link %s points at the absolute path %s, outside the preopened directory',
                    p_path, v_parts[v_i], v_target));
            END IF;
            IF v_last AND right(v_target, 1) = '/' THEN
                v_slash := true;
            END IF;
            v_parts := array_remove(string_to_array(v_target, '/'), '') || v_parts[v_i + 1 :];
            v_n := coalesce(array_length(v_parts, 1), 0);
            v_i := 1;
            CONTINUE;
        END IF;
        IF NOT v_last THEN
            IF (v_node.mode & 61440) <> 16384 THEN
                PERFORM tarbox._raise('ENOTDIR', format('%s: a path component is not a directory', p_path));
            END IF;
            v_dirs := v_dirs || v_next;
            v_i := v_i + 1;
            CONTINUE;
        END IF;
        IF v_slash AND (v_node.mode & 61440) <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('%s: not a directory', p_path));
        END IF;
        RETURN ROW(v_dirs[cardinality(v_dirs)], v_name, v_next)::tarbox._resolved;
    END LOOP;
    -- Only a path of slashes gets here, and it was refused as absolute.
    RETURN ROW(v_dirs[cardinality(v_dirs)], '\x2e'::bytea, v_dirs[cardinality(v_dirs)])::tarbox._resolved;
END
$$;
ALTER FUNCTION tarbox._wasi_walk(tarbox._context, bigint, text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._wasi_walk(tarbox._context, bigint, text, boolean) FROM PUBLIC;
