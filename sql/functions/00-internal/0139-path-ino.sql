-- tarbox._path_ino(ctx, path, follow): the inode at an absolute path (bytes); ENOENT when missing.
CREATE OR REPLACE FUNCTION tarbox._path_ino(c tarbox._context, p_path bytea, p_follow boolean)
RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    r tarbox._resolved := tarbox._walk(c, p_path, p_follow);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    END IF;
    RETURN r.ino;
END
$$;
ALTER FUNCTION tarbox._path_ino(tarbox._context, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._path_ino(tarbox._context, bytea, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION tarbox._path_ino(c tarbox._context, p_path text, p_follow boolean)
RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN tarbox._path_ino(c, convert_to(p_path, 'UTF8'), p_follow);
END
$$;
ALTER FUNCTION tarbox._path_ino(tarbox._context, text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._path_ino(tarbox._context, text, boolean) FROM PUBLIC;
