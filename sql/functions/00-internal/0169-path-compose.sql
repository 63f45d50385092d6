-- The path API's changes in a composition (issue 15 item 7), after tarbox._walk_core resolved
-- the path into composition p_compose: a read-only one answers EROFS (TX030), as the mount does
-- (tarbox._compose_guard); a copy-on-write one is changed as the mount changes it, through the
-- change functions of 88-compose-cow (tarbox.compose_unlink, compose_rmdir, compose_rename,
-- compose_mkdir ...) or, for writes into a file, their copy-up (tarbox._cow_up,
-- tarbox._cow_new_entry), after which the tenant's own inode is written as any other.

-- tarbox._compose_up(compose, ino, path): the caller's own inode for number p_ino of its
-- composition p_compose, copied up first (tarbox._cow_up). Errors: EROFS (TX030) read-only
-- composition, ENOENT (TX002).
CREATE OR REPLACE FUNCTION tarbox._compose_up(p_compose int, p_ino bigint, p_path text) RETURNS bigint
LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT tarbox._compose_is_cow(p_compose) THEN
        PERFORM tarbox._compose_guard(p_compose, p_path, true);
    END IF;
    RETURN tarbox._cow_up(p_compose, p_ino);
END
$$;
ALTER FUNCTION tarbox._compose_up(int, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_up(int, bigint, text) FROM PUBLIC;

-- tarbox._compose_up_dir(compose, dir, name, path): the caller's own directory in which to make
-- entry p_name of directory p_dir of its composition p_compose (copied up, a whiteout of that
-- name removed: tarbox._cow_new_entry). Errors: EROFS (TX030) read-only composition, EEXIST
-- (TX017), ENOTDIR (TX020), ENOENT (TX002).
CREATE OR REPLACE FUNCTION tarbox._compose_up_dir(p_compose int, p_dir bigint, p_name bytea, p_path text) RETURNS bigint
LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT tarbox._compose_is_cow(p_compose) THEN
        PERFORM tarbox._compose_guard(p_compose, p_path, true);
    END IF;
    RETURN tarbox._cow_new_entry(p_compose, p_dir, p_name);
END
$$;
ALTER FUNCTION tarbox._compose_up_dir(int, bigint, bytea, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_up_dir(int, bigint, bytea, text) FROM PUBLIC;

-- tarbox._compose_cross(from, to, path): refuse a rename or link between composition p_from
-- and p_to (either NULL: the tenant's own tree) when they differ, as the mount does: EROFS
-- (TX030) when either is read-only, else EXDEV (TX018: tools copy instead).
CREATE OR REPLACE FUNCTION tarbox._compose_cross(p_from int, p_to int, p_path text) RETURNS void
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF p_from IS NOT DISTINCT FROM p_to THEN
        RETURN;
    END IF;
    IF p_from IS NOT NULL AND NOT tarbox._compose_is_cow(p_from) THEN
        PERFORM tarbox._compose_guard(p_from, p_path, true);
    ELSIF p_to IS NOT NULL AND NOT tarbox._compose_is_cow(p_to) THEN
        PERFORM tarbox._compose_guard(p_to, p_path, true);
    END IF;
    PERFORM tarbox._raise('EXDEV', format('%s: across the boundary of a composition (copy it instead)', p_path));
END
$$;
ALTER FUNCTION tarbox._compose_cross(int, int, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_cross(int, int, text) FROM PUBLIC;

-- tarbox._compose_rm_tree(compose, dir, name, recursive, path): tarbox._rm_tree in composition
-- p_compose: remove entry p_name of directory p_dir (numbers it shows) and, for a directory
-- with p_recursive, everything below it first, each by tarbox.compose_unlink / compose_rmdir
-- (whiteouts hide the publisher's entries). Returns the number of entries removed.
-- Errors: EROFS (TX030) read-only composition, EISDIR (TX021) a directory without p_recursive,
-- ENOENT (TX002), plus those of compose_unlink and compose_rmdir.
CREATE OR REPLACE FUNCTION tarbox._compose_rm_tree(p_compose int, p_dir bigint, p_name bytea, p_recursive boolean,
                                                   p_path text)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_ino bigint;
    v_n bigint := 1;
    e record;
BEGIN
    IF NOT tarbox._compose_is_cow(p_compose) THEN
        PERFORM tarbox._compose_guard(p_compose, p_path, true);
    END IF;
    v_ino := tarbox._compose_child(p_compose, p_dir, p_name);
    IF v_ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
    END IF;
    IF (tarbox._compose_node(p_compose, v_ino)).mode & 61440 <> 16384 THEN
        PERFORM tarbox.compose_unlink(p_compose, p_dir, p_name);
        RETURN 1;
    ELSIF NOT p_recursive THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory (remove it recursively)', p_path));
    END IF;
    FOR e IN SELECT x.name FROM tarbox._compose_entries(p_compose, v_ino) x LOOP
        v_n := v_n + tarbox._compose_rm_tree(p_compose, v_ino, e.name, true,
                                             p_path || '/' || tarbox._name_text(e.name));
    END LOOP;
    PERFORM tarbox.compose_rmdir(p_compose, p_dir, p_name);
    RETURN v_n;
END
$$;
ALTER FUNCTION tarbox._compose_rm_tree(int, bigint, bytea, boolean, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_rm_tree(int, bigint, bytea, boolean, text) FROM PUBLIC;
