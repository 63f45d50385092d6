DROP FUNCTION IF EXISTS tarbox._wasi_compose_check(tarbox._context, bigint, bytea, text);  -- before 2026-12-03

-- tarbox._wasi_compose_at(ctx, dir, name, mount_paths): whether a WASI walk step into entry
-- p_name (bytes) of the tenant's directory inode p_dir lands on the mount point of one of the
-- calling tenant's compositions: its 0-based place in p_mount_paths (the tenant's mount paths,
-- which tarbox._wasi_walk pairs with their compose_ids), NULL when it does not. A mount shows
-- the composition there, whatever the tenant's own tree holds at that name (a placeholder
-- directory, or nothing), and so does the walk. The mount point's parent is found by name from
-- the tenant's root at ctx.layer (mount paths hold no '.', '..' or empty component:
-- tarbox.composition's CHECK); a mount path whose parent the tree does not hold as a
-- directory matches no step. Called by tarbox._wasi_walk only for a name that is the last
-- component of some mount path.
CREATE OR REPLACE FUNCTION tarbox._wasi_compose_at(c tarbox._context, p_dir bigint, p_name bytea,
                                                   p_mount_paths text[])
RETURNS int
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_slot int;
    v_dir bigint;
    v_parts text[];
    v_i int;
BEGIN
    FOR v_slot IN 1 .. cardinality(p_mount_paths) LOOP
        v_parts := string_to_array(substr(p_mount_paths[v_slot], 2), '/');
        CONTINUE WHEN convert_to(v_parts[cardinality(v_parts)], 'UTF8') <> p_name;
        v_dir := 1;
        v_i := 1;
        WHILE v_dir IS NOT NULL AND v_i < cardinality(v_parts) LOOP
            v_dir := tarbox._dentry_at(c.tenant_id, v_dir, convert_to(v_parts[v_i], 'UTF8'), c.layer);
            IF v_dir IS NOT NULL
               AND ((tarbox._inode_at(c.tenant_id, v_dir, c.layer)).mode & 61440) <> 16384 THEN
                v_dir := NULL;
            END IF;
            v_i := v_i + 1;
        END LOOP;
        IF v_dir = p_dir THEN
            RETURN v_slot - 1;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
ALTER FUNCTION tarbox._wasi_compose_at(tarbox._context, bigint, bytea, text[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._wasi_compose_at(tarbox._context, bigint, bytea, text[]) FROM PUBLIC;
