-- tarbox._cow_new_entry(compose, dir, name): the consumer's directory to make entry p_name in
-- (copied up), after removing a whiteout of that name. EEXIST (TX017) when the merged view has it.
CREATE OR REPLACE FUNCTION tarbox._cow_new_entry(p_compose int, p_parent bigint, p_name bytea) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    ch record;
    v_up bigint;
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    PERFORM tarbox._check_name(p_name);
    IF ((tarbox._cow_inode(p_compose, p_parent)).mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_parent));
    END IF;
    ch := tarbox._cow_child(p_compose, p_parent, p_name);
    IF ch.shown IS NOT NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s exists', tarbox._name_text(p_name)));
    END IF;
    v_up := tarbox._cow_up(p_compose, p_parent);
    IF ch.wh THEN
        PERFORM tarbox._do_fs_unlink(v_up, p_name);
    END IF;
    RETURN v_up;
END
$$;
ALTER FUNCTION tarbox._cow_new_entry(int, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_new_entry(int, bigint, bytea) FROM PUBLIC;
