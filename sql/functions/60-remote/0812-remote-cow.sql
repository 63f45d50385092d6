-- tarbox._remote_cow(ctx, path, follow): compose, the copy-on-write composition that absolute
-- path p_path (bytes) is at or below, NULL when none (also for a read-only composition, whose
-- changes the remote functions refuse with EROFS by tarbox._walk); with it parent, name and ino
-- as tarbox._walk_core resolved the whole path (ino NULL: missing; all three NULL when a
-- directory on the way is missing), so that the caller walks no second time. The remote changes hand such
-- a path to the path API's composition code (tarbox._do_mkdir, _path_file, compose_rename...),
-- which changes the caller's copy as the mount does. Free for a tenant without a copy-on-write
-- composition (one index probe); otherwise one walk (tarbox._walk_core), and when a directory
-- on the way is missing, one walk per prefix up to it (its parent decides: mkdir -p).
-- Errors: none of its own (a path that cannot be resolved is NULL: the caller's own walk
-- reports it).
CREATE OR REPLACE FUNCTION tarbox._remote_cow(c tarbox._context, p_path bytea, p_follow boolean,
                                              OUT compose int, OUT parent bigint, OUT name bytea, OUT ino bigint)
LANGUAGE plpgsql
AS $$
DECLARE
    r record;
    v_prefix bytea := ''::bytea;
    v_part bytea;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM tarbox.composition k WHERE k.tenant_id = c.tenant_id AND k.mode = 'cow') THEN
        RETURN;
    END IF;
    BEGIN
        r := tarbox._walk_core(c, p_path, p_follow);
        IF r.compose IS NOT NULL AND tarbox._compose_is_cow(r.compose) THEN
            compose := r.compose;
            parent := r.parent;
            name := r.name;
            ino := r.ino;
        END IF;
        RETURN;
    EXCEPTION WHEN SQLSTATE 'TX002' THEN  -- ENOENT: a directory on the way is missing
        NULL;
    WHEN SQLSTATE 'TX020' OR SQLSTATE 'TX040' OR SQLSTATE 'TX022' OR SQLSTATE 'TX036' THEN
        RETURN;  -- ENOTDIR, ELOOP, EINVAL, ENAMETOOLONG: the caller's walk says so
    END;
    FOREACH v_part IN ARRAY tarbox._split_path(p_path) LOOP
        v_prefix := v_prefix || '\x2f'::bytea || v_part;
        BEGIN
            r := tarbox._walk_core(c, v_prefix, true);
        EXCEPTION WHEN SQLSTATE 'TX002' OR SQLSTATE 'TX020' OR SQLSTATE 'TX040' THEN
            RETURN;
        END;
        IF r.compose IS NOT NULL THEN
            compose := CASE WHEN tarbox._compose_is_cow(r.compose) THEN r.compose END;
            RETURN;
        ELSIF r.ino IS NULL THEN
            RETURN;
        END IF;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._remote_cow(tarbox._context, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._remote_cow(tarbox._context, bytea, boolean) FROM PUBLIC;
