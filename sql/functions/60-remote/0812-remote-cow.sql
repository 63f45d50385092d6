-- tarbox._remote_cow(ctx, path, follow): the copy-on-write composition that absolute path
-- p_path (bytes) is at or below, NULL when none (also for a read-only composition, whose
-- changes the remote functions refuse with EROFS by tarbox._walk). The remote changes hand such
-- a path to the path API's composition code (tarbox._do_mkdir, _path_file, compose_rename...),
-- which changes the caller's copy as the mount does. Free for a tenant without a copy-on-write
-- composition (one index probe); otherwise one walk (tarbox._walk_core), and when a directory
-- on the way is missing, one walk per prefix up to it (its parent decides: mkdir -p).
-- Errors: none of its own (a path that cannot be resolved is NULL: the caller's own walk
-- reports it).
CREATE OR REPLACE FUNCTION tarbox._remote_cow(c tarbox._context, p_path bytea, p_follow boolean)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
    r record;
    v_prefix bytea := ''::bytea;
    v_part bytea;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM tarbox.composition k WHERE k.tenant_id = c.tenant_id AND k.mode = 'cow') THEN
        RETURN NULL;
    END IF;
    BEGIN
        r := tarbox._walk_core(c, p_path, p_follow);
        RETURN CASE WHEN r.compose IS NOT NULL AND tarbox._compose_is_cow(r.compose) THEN r.compose END;
    EXCEPTION WHEN SQLSTATE 'TX002' THEN  -- ENOENT: a directory on the way is missing
        NULL;
    WHEN SQLSTATE 'TX020' OR SQLSTATE 'TX040' OR SQLSTATE 'TX022' OR SQLSTATE 'TX036' THEN
        RETURN NULL;  -- ENOTDIR, ELOOP, EINVAL, ENAMETOOLONG: the caller's walk says so
    END;
    FOREACH v_part IN ARRAY tarbox._split_path(p_path) LOOP
        v_prefix := v_prefix || '\x2f'::bytea || v_part;
        BEGIN
            r := tarbox._walk_core(c, v_prefix, true);
        EXCEPTION WHEN SQLSTATE 'TX002' OR SQLSTATE 'TX020' OR SQLSTATE 'TX040' THEN
            RETURN NULL;
        END;
        IF r.compose IS NOT NULL THEN
            RETURN CASE WHEN tarbox._compose_is_cow(r.compose) THEN r.compose END;
        ELSIF r.ino IS NULL THEN
            RETURN NULL;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
ALTER FUNCTION tarbox._remote_cow(tarbox._context, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._remote_cow(tarbox._context, bytea, boolean) FROM PUBLIC;
