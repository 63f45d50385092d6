-- The internals of the composition inode API (0885-0891) that the path API shares
-- (tarbox._walk_core, tarbox.stat, ls, read ...): one answer for a read-only composition (the
-- publisher's rows at the published layer, tarbox._compose_ctx) and for a copy-on-write one
-- (the merged view of 88-compose-cow). Inode numbers are the ones the composition shows.

-- tarbox._compose_node(compose, ino): the inode version composition p_compose of the calling
-- tenant shows as number p_ino, with ino set to that number (its target, size, times ...).
-- Errors: ENOENT (TX002) no such inode, composition, or the publication is no longer shared.
CREATE OR REPLACE FUNCTION tarbox._compose_node(p_compose int, p_ino bigint) RETURNS tarbox.inode
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v tarbox.inode;
BEGIN
    IF tarbox._compose_is_cow(p_compose) THEN
        RETURN tarbox._cow_inode(p_compose, p_ino);  -- the merged view (88-compose-cow)
    END IF;
    v := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    END IF;
    RETURN v;
END
$$;
ALTER FUNCTION tarbox._compose_node(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_node(int, bigint) FROM PUBLIC;

-- tarbox._compose_child(compose, dir, name): the number of entry p_name (bytes; '.' and '..'
-- as in tarbox.fs_lookup) of directory p_dir of composition p_compose; NULL when it has none
-- (or a whiteout hides it). '..' of the root is the root (the tenant's directory above it is
-- the caller's to know). Errors: ENOENT (TX002) no such directory, ENOTDIR (TX020),
-- ENAMETOOLONG (TX036), EINVAL (TX022) bad name.
CREATE OR REPLACE FUNCTION tarbox._compose_child(p_compose int, p_dir bigint, p_name bytea) RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v_dir tarbox.inode;
BEGIN
    IF tarbox._compose_is_cow(p_compose) THEN  -- the merged view (88-compose-cow)
        IF ((tarbox._cow_inode(p_compose, p_dir)).mode & 61440) <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_dir));
        END IF;
        IF p_name = '\x2e'::bytea THEN
            RETURN p_dir;
        ELSIF p_name = '\x2e2e'::bytea THEN
            RETURN tarbox._cow_parent(p_compose, p_dir);
        END IF;
        PERFORM tarbox._check_name(p_name);
        RETURN (tarbox._cow_child(p_compose, p_dir, p_name)).shown;
    END IF;
    v_dir := tarbox._inode_at(c.tenant_id, p_dir, c.layer);
    IF v_dir.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('directory inode %s does not exist in composition %s', p_dir, p_compose));
    ELSIF (v_dir.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_dir));
    END IF;
    PERFORM tarbox._check_name(p_name);
    RETURN CASE p_name WHEN '\x2e'::bytea THEN p_dir
                       WHEN '\x2e2e'::bytea THEN tarbox._parent_of(c.tenant_id, p_dir, c.layer)
                       ELSE tarbox._dentry_at(c.tenant_id, p_dir, p_name, c.layer) END;
END
$$;
ALTER FUNCTION tarbox._compose_child(int, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_child(int, bigint, bytea) FROM PUBLIC;

-- tarbox._compose_ino(compose, ino): the inode number a mount shows for number p_ino of
-- composition p_compose: COMPOSE_BASE (2^56) | slot << 40 | p_ino, slot = p_compose - 1 (the
-- composition's compose_id, 1..65535, fixed for its life), which is how the mount numbers its
-- compositions (tarbox_shell/fuse/compose.py). NULL for NULL.
CREATE OR REPLACE FUNCTION tarbox._compose_ino(p_compose int, p_ino bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE
AS $$
    SELECT 72057594037927936::bigint | ((p_compose - 1)::bigint << 40) | p_ino
$$;
ALTER FUNCTION tarbox._compose_ino(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_ino(int, bigint) FROM PUBLIC;

-- tarbox._compose_file(compose, ino): where the data of regular file p_ino of composition
-- p_compose is stored: the context (tenant, layer) and inode version to read it with
-- tarbox._read (the publisher's at the published layer; in a copy-on-write composition the
-- caller's own copy when it has one). Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022)
-- not a regular file.
CREATE OR REPLACE FUNCTION tarbox._compose_file(p_compose int, p_ino bigint, OUT c tarbox._context, OUT v tarbox.inode)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    n record;
BEGIN
    c := tarbox._compose_ctx(p_compose);
    v := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
    IF tarbox._compose_is_cow(p_compose) THEN  -- the merged view (88-compose-cow): the consumer's copy when it has one
        n := tarbox._cow_node(p_compose, p_ino);
        IF n.upper IS NOT NULL THEN
            c := tarbox._ctx(NULL, false);
            v := tarbox._inode_at(c.tenant_id, n.upper, c.layer);
        ELSE
            v := tarbox._inode_at(c.tenant_id, n.lower, c.layer);
        END IF;
    END IF;
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    ELSIF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('inode %s is a directory', p_ino));
    ELSIF (v.mode & 61440) <> 32768 THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s is not a regular file', p_ino));
    END IF;
END
$$;
ALTER FUNCTION tarbox._compose_file(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_file(int, bigint) FROM PUBLIC;

-- tarbox._compose_entries(compose, dir): every entry of directory p_dir of composition
-- p_compose with its attributes (numbers the composition shows), as tarbox.compose_readdir
-- pages them ('.' and '..' not listed), in cookie order. Errors: as tarbox.compose_readdir.
CREATE OR REPLACE FUNCTION tarbox._compose_entries(p_compose int, p_dir bigint)
RETURNS TABLE (name bytea, a tarbox.attr)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_off bigint := 0;
    v_n int;
    v_last bigint;
BEGIN
    LOOP
        RETURN QUERY SELECT r.name, r.a FROM tarbox.compose_readdir(p_compose, p_dir, v_off, 10000) r;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        EXIT WHEN v_n < 10000;
        SELECT max(r.next_offset) INTO v_last FROM tarbox.compose_readdir(p_compose, p_dir, v_off, 10000) r;
        v_off := v_last;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._compose_entries(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_entries(int, bigint) FROM PUBLIC;

-- tarbox._compose_entry(compose, ino, name): number p_ino of composition p_compose as the
-- remote API's tarbox.entry named p_name (tarbox._entry_at of the inode row the mount shows:
-- the publisher's at the published layer, in a copy-on-write composition the caller's copy when
-- it has one), ino the number the mount shows (tarbox._compose_ino). The etag is
-- 'k<compose>:' || the shown row's own '<ino>-<born>-<xmin>', so it changes whenever what the
-- mount shows does (a copy-up shows another row) and never equals an etag of the tenant's own
-- tree. Errors: ENOENT (TX002) no such inode, or the publication is no longer shared.
CREATE OR REPLACE FUNCTION tarbox._compose_entry(p_compose int, p_ino bigint, p_name bytea) RETURNS tarbox.entry
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v_row bigint := p_ino;
    n record;
    e tarbox.entry;
BEGIN
    IF tarbox._compose_is_cow(p_compose) THEN
        n := tarbox._cow_node(p_compose, p_ino);  -- ENOENT when neither side has it
        IF n.upper IS NOT NULL THEN
            c := tarbox._ctx(NULL, false);
            v_row := n.upper;
        ELSE
            v_row := n.lower;
        END IF;
    END IF;
    e := tarbox._entry_at(c.tenant_id, v_row, c.layer, p_name);
    IF e.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    END IF;
    e.ino := tarbox._compose_ino(p_compose, p_ino);
    e.etag := 'k' || p_compose || ':' || e.etag;
    RETURN e;
END
$$;
ALTER FUNCTION tarbox._compose_entry(int, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_entry(int, bigint, bytea) FROM PUBLIC;
