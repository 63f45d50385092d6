-- tarbox._wasi_compose_check(ctx, dir, name, path): refuse a WASI walk step into entry p_name
-- (bytes) of the tenant's directory inode p_dir when that entry is the mount point of one of
-- the calling tenant's compositions (tarbox.composition): a mount shows another tenant's
-- published layer there, whatever the tenant's own tree holds at that name (a placeholder
-- directory, or nothing), and the WASI API does not serve compositions (its numbers are the
-- tenant's own inodes). The mount point's parent is found by name from the tenant's root at
-- ctx.layer (mount paths hold no '.', '..' or empty component: tarbox.composition's CHECK);
-- a mount path whose parent the tree does not hold as a directory matches no step.
-- Called by tarbox._wasi_walk only for a name that is the last component of some mount path.
-- Errors: EREMOTE (TX066) naming p_path, the mount point and the publication (tarbox._compose_guard).
CREATE OR REPLACE FUNCTION tarbox._wasi_compose_check(c tarbox._context, p_dir bigint, p_name bytea,
                                                      p_path text)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    k record;
    v_dir bigint;
    v_parts text[];
    v_i int;
BEGIN
    FOR k IN SELECT c2.compose_id, c2.mount_path FROM tarbox.composition c2
              WHERE c2.tenant_id = c.tenant_id
                AND convert_to(substr(c2.mount_path, length(c2.mount_path) - strpos(reverse(c2.mount_path), '/') + 2), 'UTF8') = p_name
    LOOP
        v_parts := string_to_array(substr(k.mount_path, 2), '/');
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
            PERFORM tarbox._compose_guard(k.compose_id, p_path, false);
        END IF;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._wasi_compose_check(tarbox._context, bigint, bytea, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._wasi_compose_check(tarbox._context, bigint, bytea, text) FROM PUBLIC;
