-- tarbox._upload_target(ctx, path): where an upload session's file goes, at absolute path
-- p_path (bytes; links followed), checked as tarbox.remote_upload_start and
-- remote_upload_complete both check it: an existing target must be a regular file with a write
-- permission bit, a missing one needs its directory. Returns tarbox._walk_core's (parent, name,
-- ino, compose): ino the file the upload replaces (NULL: none). In a composition the checks are
-- on what the mount shows, and a read-only one is EROFS; a copy-on-write one is left to the
-- caller (at completion: tarbox._cow_place). Changes nothing.
-- Errors: ENOENT (TX002) missing directory, EISDIR (TX021), EINVAL (TX022) not a regular
-- file, EACCES (TX013) no write permission bit, EROFS (TX030) read-only composition,
-- ENAMETOOLONG (TX036), and those of tarbox._walk_core.
CREATE OR REPLACE FUNCTION tarbox._upload_target(c tarbox._context, p_path bytea,
    OUT parent bigint, OUT name bytea, OUT ino bigint, OUT compose int)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    w record;
    v tarbox.inode;
BEGIN
    IF tarbox._names_dir(p_path) THEN
        PERFORM tarbox._raise('EISDIR', format('%s: a path ending in / names a directory', tarbox._name_text(p_path)));
    END IF;
    w := tarbox._walk_core(c, p_path, true);
    IF w.compose IS NOT NULL AND w.ino = 1 THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory (a composition''s mount point)', tarbox._name_text(p_path)));
    ELSIF w.compose IS NOT NULL AND NOT tarbox._compose_is_cow(w.compose) THEN
        PERFORM tarbox._compose_guard(w.compose, tarbox._name_text(p_path), true);  -- EROFS
    END IF;
    IF w.ino IS NOT NULL THEN
        v := CASE WHEN w.compose IS NULL THEN tarbox._inode_at(c.tenant_id, w.ino, c.head)
                  ELSE tarbox._compose_node(w.compose, w.ino) END;
        IF (v.mode & 61440) = 16384 THEN
            PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_path)));
        ELSIF (v.mode & 61440) <> 32768 THEN
            PERFORM tarbox._raise('EINVAL', format('%s is not a regular file', tarbox._name_text(p_path)));
        ELSIF (v.mode & 146) = 0 THEN
            PERFORM tarbox._raise('EACCES', format('%s is read-only (no write permission bit); chmod it first',
                                                   tarbox._name_text(p_path)));
        END IF;
    ELSIF w.parent IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such directory', tarbox._name_text(p_path)));
    ELSE
        PERFORM tarbox._check_name(w.name);
    END IF;
    parent := w.parent;
    name := w.name;
    ino := w.ino;
    compose := w.compose;
END
$$;
ALTER FUNCTION tarbox._upload_target(tarbox._context, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._upload_target(tarbox._context, bytea) FROM PUBLIC;
