-- tarbox._cow_place(ctx, compose, dir, name): the caller's own directory in which to place a
-- new file at entry p_name (bytes) of directory p_dir (a number the copy-on-write composition
-- p_compose shows), replacing whatever the merged view holds there, as rename(2) over it
-- would: the directory is copied up (tarbox._cow_up), a whiteout of the name removed, and the
-- caller's own entry of that name, if any, is returned to be replaced (its compose_origin row
-- goes: the file taking its place is the caller's own, not a copy of the publisher's). A
-- publisher's entry of that name needs nothing: the caller's entry hides it. Returns
-- (parent, name, ino) in the caller's rows (ino NULL: no own entry there).
-- Errors: EROFS (TX030) a read-only composition, ENOENT (TX002), ENOTDIR (TX020).
CREATE OR REPLACE FUNCTION tarbox._cow_place(c tarbox._context, p_compose int, p_dir bigint, p_name bytea)
RETURNS tarbox._resolved
LANGUAGE plpgsql
AS $$
DECLARE
    ch record;
    v_up bigint;
    v_ino bigint;
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    ch := tarbox._cow_child(p_compose, p_dir, p_name);
    v_up := tarbox._cow_up(p_compose, p_dir);
    IF ch.wh THEN
        PERFORM tarbox._do_fs_unlink(v_up, p_name);  -- the whiteout gives way to the file
    END IF;
    v_ino := tarbox._dentry_at(c.tenant_id, v_up, p_name, c.head);
    DELETE FROM tarbox.compose_origin o
     WHERE o.tenant_id = c.tenant_id AND o.compose_id = p_compose AND o.ino = v_ino;
    RETURN ROW(v_up, p_name, v_ino)::tarbox._resolved;
END
$$;
ALTER FUNCTION tarbox._cow_place(tarbox._context, int, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_place(tarbox._context, int, bigint, bytea) FROM PUBLIC;
