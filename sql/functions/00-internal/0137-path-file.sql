-- tarbox._path_file(ctx, path, create): the inode of the regular file at an absolute path
-- (bytes; symbolic links followed), creating it (mode 0644, the tenant's default owner) when
-- missing and p_create. A path ending in '/' names a directory: creating one is EISDIR (as
-- open(2) with O_CREAT), an existing file under it ENOTDIR (tarbox._walk).
-- In a composition (tarbox._walk_core) the result is the caller's own inode to write: in a
-- copy-on-write one the file copied up (tarbox._compose_up) or made in the copied-up directory
-- (tarbox._compose_up_dir), so that the caller writes it as any file of its tree, as
-- tarbox.compose_write and compose_create do; a read-only one is EROFS.
-- Errors: ENOENT, EISDIR, EINVAL (not a regular file), EROFS (read-only composition), plus
-- those of _walk_core.
CREATE OR REPLACE FUNCTION tarbox._path_file(c tarbox._context, p_path bytea, p_create boolean)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    r record := tarbox._walk_core(c, p_path, true);
    v tarbox.inode;
    t tarbox.tenant;
BEGIN
    IF r.ino IS NULL THEN
        IF NOT p_create THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
        ELSIF tarbox._names_dir(p_path) THEN
            PERFORM tarbox._raise('EISDIR', format('%s: a path ending in / names a directory; a file cannot be created there',
                                                   tarbox._name_text(p_path)));
        END IF;
        IF r.compose IS NOT NULL THEN
            r.parent := tarbox._compose_up_dir(r.compose, r.parent, r.name, tarbox._name_text(p_path));
        END IF;
        SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
        RETURN (tarbox._new_inode(c, r.parent, r.name, 33188, 0, t.default_uid, t.default_gid, NULL)).ino;
    END IF;
    IF r.compose IS NOT NULL THEN
        v := tarbox._compose_node(r.compose, r.ino);
    ELSE
        v := tarbox._inode_at(c.tenant_id, r.ino, c.layer);
    END IF;
    IF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_path)));
    ELSIF (v.mode & 61440) <> 32768 THEN
        PERFORM tarbox._raise('EINVAL', format('%s is not a regular file', tarbox._name_text(p_path)));
    END IF;
    IF r.compose IS NOT NULL THEN
        RETURN tarbox._compose_up(r.compose, r.ino, tarbox._name_text(p_path));
    END IF;
    RETURN r.ino;
END
$$;
ALTER FUNCTION tarbox._path_file(tarbox._context, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._path_file(tarbox._context, bytea, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION tarbox._path_file(c tarbox._context, p_path text, p_create boolean)
RETURNS bigint
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN tarbox._path_file(c, convert_to(p_path, 'UTF8'), p_create);
END
$$;
ALTER FUNCTION tarbox._path_file(tarbox._context, text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._path_file(tarbox._context, text, boolean) FROM PUBLIC;
