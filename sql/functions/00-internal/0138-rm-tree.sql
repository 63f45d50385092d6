-- tarbox._rm_tree(ctx, parent, name, recursive): remove entry `name` of directory `parent` and,
-- for a directory with p_recursive, everything below it (children first), purging each inode
-- left without links. Returns the number of entries removed. Errors: EISDIR (directory without
-- p_recursive), plus those of _remove_entry.
CREATE OR REPLACE FUNCTION tarbox._rm_tree(c tarbox._context, p_parent bigint, p_name bytea, p_recursive boolean)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_ino bigint := tarbox._dentry_at(c.tenant_id, p_parent, p_name, c.head);
    v_is_dir boolean;
    v_child bytea;
    v_count bigint := 0;
BEGIN
    IF v_ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_name)));
    END IF;
    v_is_dir := ((tarbox._inode_at(c.tenant_id, v_ino, c.head)).mode & 61440) = 16384;
    IF v_is_dir THEN
        IF NOT p_recursive THEN
            PERFORM tarbox._raise('EISDIR', format('%s is a directory (remove it recursively)', tarbox._name_text(p_name)));
        END IF;
        FOR v_child IN SELECT d.name FROM tarbox.dentry d
                        WHERE d.tenant_id = c.tenant_id AND d.parent_ino = v_ino AND d.died = 2147483647 LOOP
            v_count := v_count + tarbox._rm_tree(c, v_ino, v_child, true);
        END LOOP;
    END IF;
    v_ino := tarbox._remove_entry(c, p_parent, p_name, v_is_dir);
    PERFORM tarbox._purge(c.tenant_id, c.head, v_ino);
    RETURN v_count + 1;
END
$$;
ALTER FUNCTION tarbox._rm_tree(tarbox._context, bigint, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._rm_tree(tarbox._context, bigint, bytea, boolean) FROM PUBLIC;
